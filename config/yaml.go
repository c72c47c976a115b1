package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeYAML applies a YAML file's keys to c through the table: each key
// is looked up there and its value decoded by yaml.v3 into the key's field,
// so file values keep YAML's typing (sequences, timestamps). As yaml.v3's
// KnownFields did when the file was decoded into Config, an unknown key is
// an error; a repeated key is one too. Errors name the key and its line.
func decodeYAML(data []byte, c *Config, ks []key) error {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) { // empty file
			return nil
		}
		return err
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: not a mapping of keys to values", root.Line)
	}
	byName := make(map[string]key, len(ks))
	for _, k := range ks {
		byName[k.name] = k
	}
	seen := make(map[string]int, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		name, value := root.Content[i], root.Content[i+1]
		k, ok := byName[name.Value]
		if !ok {
			return fmt.Errorf("%s: line %d: unknown key", name.Value, name.Line)
		}
		if line, dup := seen[k.name]; dup {
			return fmt.Errorf("%s: line %d: already set on line %d", k.name, name.Line, line)
		}
		seen[k.name] = name.Line
		if err := value.Decode(k.bind.target(c)); err != nil {
			return fmt.Errorf("%s: %w", k.name, flatten(err))
		}
	}
	return nil
}

// flatten puts yaml.v3's multi-line "unmarshal errors:" on one line: each
// already says its line, and the caller names the key.
func flatten(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(strings.Join(te.Errors, "; "))
	}
	return err
}
