package proxy

import (
	"encoding/hex"
	"math/rand/v2"
)

// newRequestID is Nova's request id: "req-" and a random (version 4)
// UUID. The bits come from math/rand/v2's per-thread ChaCha8 generator,
// seeded by the runtime from the OS: unpredictable, with no system call
// or lock per request (crypto/rand via google/uuid cost about 4% of a
// cache hit). A request id is a correlation handle, not a secret.
func newRequestID() string {
	var u [16]byte
	a, b := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		u[i], u[8+i] = byte(a>>(8*i)), byte(b>>(8*i))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var out [40]byte
	copy(out[:], "req-")
	hex.Encode(out[4:12], u[0:4])
	out[12] = '-'
	hex.Encode(out[13:17], u[4:6])
	out[17] = '-'
	hex.Encode(out[18:22], u[6:8])
	out[22] = '-'
	hex.Encode(out[23:27], u[8:10])
	out[27] = '-'
	hex.Encode(out[28:40], u[10:16])
	return string(out[:])
}
