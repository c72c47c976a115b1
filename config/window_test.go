package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseWindow(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Window
		bad  bool
	}{
		{in: "09:00-09:15", want: Window{540, 555}},
		{in: " 23:50 - 00:10 ", want: Window{1430, 10}},
		{in: "00:00-23:59", want: Window{0, 1439}},
		{in: "09:00", bad: true},
		{in: "9-10", bad: true},
		{in: "24:00-01:00", bad: true},
		{in: "", bad: true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			w, err := ParseWindow(tt.in)
			if tt.bad {
				require.ErrorContains(t, err, "HH:MM-HH:MM")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, w)
		})
	}
	require.Equal(t, "23:50-00:10", Window{1430, 10}.String())
}

func TestWindowContains(t *testing.T) {
	at := func(hhmm string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", "2025-06-01 "+hhmm)
		require.NoError(t, err)
		return tm
	}
	paris := time.FixedZone("CEST", 2*3600)
	for _, tt := range []struct {
		window string
		t      time.Time
		want   bool
	}{
		{"10:00-10:30", at("10:00"), true},
		{"10:00-10:30", at("10:29"), true},
		{"10:00-10:30", at("10:30"), false},
		{"10:00-10:30", at("09:59"), false},
		{"23:50-00:10", at("23:55"), true},
		{"23:50-00:10", at("00:05"), true},
		{"23:50-00:10", at("00:10"), false},
		{"23:50-00:10", at("12:00"), false},
		{"10:00-10:00", at("10:00"), false},
		{"10:00-10:30", at("12:15").In(paris), false},
		{"10:00-10:30", time.Date(2025, 6, 1, 12, 15, 0, 0, paris), true},
	} {
		t.Run(tt.window+" "+tt.t.String(), func(t *testing.T) {
			w, err := ParseWindow(tt.window)
			require.NoError(t, err)
			require.Equal(t, tt.want, w.Contains(tt.t))
		})
	}
}
