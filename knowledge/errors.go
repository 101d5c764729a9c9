package knowledge

import "errors"

// Sentinel errors callers branch on.
var (
	// ErrInvalidEntry marks an FAQ entry that fails validation.
	ErrInvalidEntry = errors.New("invalid faq entry")
	// ErrInvalidLexicon marks a lexicon (synonyms, concepts) that fails validation.
	ErrInvalidLexicon = errors.New("invalid lexicon")
	// ErrBadEvalLine marks a malformed line of an evaluation TSV.
	ErrBadEvalLine = errors.New("bad eval line")
)
