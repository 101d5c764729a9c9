package store

import (
	"errors"
	"fmt"
)

// Sentinel errors callers (the editor API, the CLI) branch on.
var (
	// ErrNotFound: no entry (or version) with that id.
	ErrNotFound = errors.New("knowledge entry not found")
	// ErrExists: Create with an id already taken.
	ErrExists = errors.New("knowledge entry already exists")
	// ErrConflict: the caller's expected version is not the current one.
	// The error is a *ConflictError carrying the current entry.
	ErrConflict = errors.New("knowledge entry version conflict")
	// ErrForbidden: the actor's role may not do this.
	ErrForbidden = errors.New("not allowed for this role")
	// ErrState: the operation is not allowed in the entry's current state
	// (e.g. approve a draft, edit while in review).
	ErrState = errors.New("not allowed in this state")
	// ErrSelfReview: the author of a version may not approve it.
	ErrSelfReview = errors.New("the author may not review their own version")
	// ErrNotApproved: publish of a version in review that nobody approved.
	ErrNotApproved = errors.New("version is not approved")
	// ErrInvalid: bad input (an entry failing validation, an unknown status,
	// an empty user). Entry validation errors also match
	// knowledge.ErrInvalidEntry and carry a *knowledge.FieldError.
	ErrInvalid = errors.New("invalid input")
	// ErrInvalidImport: an import file has invalid entries; nothing was written.
	ErrInvalidImport = errors.New("import has invalid entries")
)

// ConflictError is returned when an edit's expected version is stale.
type ConflictError struct {
	Expected int
	Current  Record
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("entry %s: expected version %d, current is %d", e.Current.ID, e.Expected, e.Current.Version)
}

// Unwrap lets errors.Is match ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// invalidf builds an ErrInvalid error naming the field.
func invalidf(field, format string, a ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// InputError names the request field that was wrong. Err, when set, is
// the underlying error (e.g. knowledge.ErrInvalidLexicon), matched too.
type InputError struct {
	Field string
	Msg   string
	Err   error
}

func (e *InputError) Error() string { return fmt.Sprintf("field %s: %s", e.Field, e.Msg) }

// Unwrap lets errors.Is match ErrInvalid and the underlying error.
func (e *InputError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalid, e.Err}
	}
	return []error{ErrInvalid}
}
