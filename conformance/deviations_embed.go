package conformance

import _ "embed"

//go:embed deviations.yaml
var deviationsFile []byte

// ImagegwDeviations is deviations.yaml as built into the binary: imagegw's
// documented differences from Nova, usable outside a source checkout.
func ImagegwDeviations() (*Deviations, error) { return ParseDeviations(deviationsFile) }
