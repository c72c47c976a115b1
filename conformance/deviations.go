package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Deviation kinds: the only acceptable justifications.
const (
	// KindNovaBug: Nova's answer is wrong (a bug in Nova or a library it
	// uses); imagegw answers what Nova means to answer.
	KindNovaBug = "nova-bug"
	// KindProtocol: Nova's answer cannot be reproduced by a conforming
	// HTTP server (or Go's net/http enforces a protocol rule).
	KindProtocol = "protocol"
)

// Deviation is one justified difference between imagegw and Nova, for the
// listed cases and only in the listed fields.
type Deviation struct {
	ID     string   `yaml:"id"`
	Kind   string   `yaml:"kind"`
	Reason string   `yaml:"reason"`
	Fields []string `yaml:"fields"`
	Cases  []string `yaml:"cases"`
}

// Deviations is the deviations file.
type Deviations struct {
	Deviations []Deviation `yaml:"deviations"`
}

// LoadDeviations reads and validates a deviations file.
func LoadDeviations(path string) (*Deviations, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseDeviations(b)
}

// ParseDeviations decodes and validates a deviations document (unknown
// keys are errors).
func ParseDeviations(b []byte) (*Deviations, error) {
	var d Deviations
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("deviations: %w", err)
	}
	return &d, d.Validate()
}

// Validate checks ids, kinds, reasons and fields, and that no case field
// is claimed twice.
func (d *Deviations) Validate() error {
	valid := map[string]bool{}
	for _, f := range ValidFields() {
		valid[f] = true
	}
	ids := map[string]bool{}
	claimed := map[string]string{}
	var errs []error
	for i, dv := range d.Deviations {
		where := fmt.Sprintf("deviation %d (%s)", i, dv.ID)
		if dv.ID == "" || ids[dv.ID] {
			errs = append(errs, fmt.Errorf("%s: missing or duplicate id", where))
		}
		ids[dv.ID] = true
		if dv.Kind != KindNovaBug && dv.Kind != KindProtocol {
			errs = append(errs, fmt.Errorf("%s: kind %q is not %s or %s", where, dv.Kind, KindNovaBug, KindProtocol))
		}
		if strings.TrimSpace(dv.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s: no reason", where))
		}
		if len(dv.Fields) == 0 || len(dv.Cases) == 0 {
			errs = append(errs, fmt.Errorf("%s: needs fields and cases", where))
		}
		for _, f := range dv.Fields {
			if !valid[f] {
				errs = append(errs, fmt.Errorf("%s: unknown field %q (valid: %s)", where, f, strings.Join(ValidFields(), ", ")))
			}
		}
		for _, c := range dv.Cases {
			for _, f := range dv.Fields {
				key := c + "\x00" + f
				if other, dup := claimed[key]; dup {
					errs = append(errs, fmt.Errorf("%s: case %s field %s already claimed by %s", where, c, f, other))
				}
				claimed[key] = dv.ID
			}
		}
	}
	return errors.Join(errs...)
}

// For returns the deviations covering a case.
func (d *Deviations) For(caseName string) []Deviation {
	if d == nil {
		return nil
	}
	var out []Deviation
	for _, dv := range d.Deviations {
		for _, c := range dv.Cases {
			if c == caseName {
				out = append(out, dv)
				break
			}
		}
	}
	return out
}

// UnknownCases lists deviation cases that are not in the matrix.
func (d *Deviations) UnknownCases(cases []Case) []string {
	known := map[string]bool{}
	for _, c := range cases {
		known[c.Name] = true
	}
	var out []string
	for _, dv := range d.Deviations {
		for _, c := range dv.Cases {
			if !known[c] {
				out = append(out, dv.ID+": "+c)
			}
		}
	}
	sort.Strings(out)
	return out
}
