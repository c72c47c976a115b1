package config

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// binding ties a key of the table to its Config field. Every source goes
// through it: the environment and flags with parse, a YAML file by
// decoding into target, so yaml.v3 keeps its own typing of file values
// (timestamps, sequences).
type binding interface {
	// set parses s, written as in the environment or on the command line,
	// into the field.
	set(c *Config, s string) error
	// target is a pointer to the field, for yaml.v3 to decode into.
	target(c *Config) any
	// isZero reports whether no source has given the field a value.
	isZero(c Config) bool
	// isBool makes the flag accept the bare --name form.
	isBool() bool
	// kind names the values in the flags' help ("duration", "list").
	kind() string
}

// field is the binding of one Config field of type T; name is its kind.
type field[T any] struct {
	name  string
	at    func(*Config) *T
	parse func(string) (T, error)
}

func (f field[T]) set(c *Config, s string) error {
	v, err := f.parse(s)
	if err != nil {
		return err
	}
	*f.at(c) = v
	return nil
}

func (f field[T]) target(c *Config) any { return f.at(c) }

func (f field[T]) isZero(c Config) bool { return reflect.ValueOf(f.at(&c)).Elem().IsZero() }

func (f field[T]) isBool() bool { _, ok := any(f.at(&Config{})).(*bool); return ok }

func (f field[T]) kind() string { return f.name }

// The kinds of values a key may hold. Each constructor takes the field's
// address function so the table stays type-checked.

func stringKey(at func(*Config) *string) binding {
	return field[string]{"string", at, func(s string) (string, error) { return s, nil }}
}

func intKey(at func(*Config) *int) binding {
	return field[int]{"int", at, strconv.Atoi}
}

func int64Key(at func(*Config) *int64) binding {
	return field[int64]{"int", at, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }}
}

func float64Key(at func(*Config) *float64) binding {
	return field[float64]{"number", at, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }}
}

func boolKey(at func(*Config) *bool) binding {
	return field[bool]{"bool", at, strconv.ParseBool}
}

func durationKey(at func(*Config) *time.Duration) binding {
	return field[time.Duration]{"duration", at, time.ParseDuration}
}

func timeKey(at func(*Config) *time.Time) binding {
	return field[time.Time]{"time", at, func(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }}
}

// listKey reads a comma-separated list outside files (a file uses a YAML
// sequence); blanks around items and empty items are dropped, so an empty
// value clears the list.
func listKey(at func(*Config) *[]string) binding {
	return field[[]string]{"list", at, func(s string) ([]string, error) {
		var out []string
		for _, item := range strings.Split(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
		return out, nil
	}}
}
