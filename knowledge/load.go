package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// FAQFile is the YAML layout of configs/faq.yaml.
type FAQFile struct {
	Entries []Entry `yaml:"entries"`
}

// DecodeFAQ reads FAQ YAML strictly (unknown keys fail), applies defaults and
// validates every entry; ids must be unique.
func DecodeFAQ(r io.Reader) ([]Entry, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read faq: %w", err)
	}
	var f FAQFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("decode faq: empty document: %w", ErrInvalidEntry)
		}
		return nil, fmt.Errorf("decode faq: %w", err)
	}
	seen := make(map[string]int, len(f.Entries))
	for i := range f.Entries {
		e := &f.Entries[i]
		e.ApplyDefaults()
		if err := e.Validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) && fe.ID == "" {
				fe.ID = fmt.Sprintf("#%d", i+1)
			}
			return nil, fmt.Errorf("decode faq: %w", err)
		}
		if j, dup := seen[e.ID]; dup {
			return nil, fmt.Errorf("decode faq: %w", &FieldError{ID: e.ID, Field: "id", Msg: fmt.Sprintf("duplicate of entry #%d", j+1)})
		}
		seen[e.ID] = i
	}
	return f.Entries, nil
}

// LoadFAQ reads and validates an FAQ YAML file.
func LoadFAQ(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load faq: %w", err)
	}
	defer f.Close()
	entries, err := DecodeFAQ(f)
	if err != nil {
		return nil, fmt.Errorf("load faq %s: %w", path, err)
	}
	return entries, nil
}
