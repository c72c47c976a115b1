package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

func statusExpected(expect []int, got int) bool { return slices.Contains(expect, got) }

func jsonObject(body []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	return m, nil
}

// objectCheck is a response check on the body decoded as a JSON object.
func objectCheck(f func(m map[string]any) error) func(int, []byte) error {
	return func(_ int, b []byte) error {
		m, err := jsonObject(b)
		if err != nil {
			return err
		}
		return f(m)
	}
}

func checkNotFound(body []byte) error {
	m, err := jsonObject(body)
	if err != nil {
		return err
	}
	if _, ok := m["itemNotFound"].(map[string]any); !ok {
		return errors.New("404 body has no itemNotFound")
	}
	return nil
}

// notFoundCheck is checkNotFound in the form of request.check.
func notFoundCheck(_ int, b []byte) error { return checkNotFound(b) }

// emptyCheck is the check of a 204.
func emptyCheck(_ int, b []byte) error {
	if len(b) != 0 {
		return fmt.Errorf("204 with a body of %d bytes", len(b))
	}
	return nil
}
