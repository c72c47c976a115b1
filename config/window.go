package config

import (
	"fmt"
	"strings"
	"time"
)

// Window is a daily UTC brownout window, parsed once from "HH:MM-HH:MM"
// so that asking whether a request falls in it costs no parsing.
type Window struct {
	// From and To are minutes of the UTC day; From > To wraps past
	// midnight ("23:50-00:10"), and From == To is an empty window.
	From, To int
}

// ParseWindow reads "HH:MM-HH:MM" (UTC).
func ParseWindow(s string) (Window, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("%q is not HH:MM-HH:MM", s)
	}
	from, errFrom := minuteOfDay(a)
	to, errTo := minuteOfDay(b)
	if errFrom != nil || errTo != nil {
		return Window{}, fmt.Errorf("%q is not HH:MM-HH:MM", s)
	}
	return Window{From: from, To: to}, nil
}

func minuteOfDay(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Contains reports whether t falls in the window: from its first minute
// included to its last excluded, in UTC whatever t's location.
func (w Window) Contains(t time.Time) bool {
	u := t.UTC()
	m := u.Hour()*60 + u.Minute()
	if w.From <= w.To {
		return m >= w.From && m < w.To
	}
	return m >= w.From || m < w.To
}

// String writes the window back as "HH:MM-HH:MM".
func (w Window) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.From/60, w.From%60, w.To/60, w.To%60)
}

// parseWindows parses every window, naming the first bad one.
func parseWindows(ws []string) ([]Window, error) {
	var out []Window
	for _, s := range ws {
		w, err := ParseWindow(s)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}
