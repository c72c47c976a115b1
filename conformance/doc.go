// Package conformance checks imagegw against recorded answers of the real
// Nova image proxy API ("golden" files in testdata/golden).
//
// The pieces, each usable alone:
//
//   - Matrix: an ordered list of request cases (every route × microversion
//     class × URL form × user, the list filters and pagination, validation
//     and error cases of the behavioural spec). Order matters: later cases
//     write metadata and delete images, so the matrix runs sequentially from
//     a freshly reset seed (scripts/cloud/seed.py --reset). Reads come first;
//     writes only touch the dedicated seed images (ref-meta-*, ref-del-*) or
//     are refused.
//   - Runner: sends the matrix to a Nova-compatible endpoint with the test
//     cloud's users' tokens (clouds.yaml) and returns the exchanges.
//   - Normalizer: removes what legitimately differs between two correct
//     servers: request ids, Date, the URL of the server under test ({base}),
//     Glance's ({glance}) and Keystone's ({keystone}) URLs, project ids
//     ({project:demo}), image created/updated timestamps ({time}) and the
//     case of header names.
//   - Compare: status, body (semantic JSON equality when both are JSON,
//     else text), OpenStack-API-Version, X-OpenStack-Nova-API-Version, Vary
//     (every line, in order), Content-Type, WWW-Authenticate, and
//     Content-Length on 204 answers.
//   - Golden files (one JSON file per case plus index.json, normalised at
//     record time) and deviations.yaml, the justified differences (a Nova bug
//     or a protocol rule, per case and per field).
//
// Workflow: change the matrix, re-record with scripts/record-golden (starts
// a separate cloud with nova-api, see that script), review and commit
// testdata/golden. Every commit replays the matrix against imagegw in
// e2e/conformance_test.go; cmd/imagegw-conformance runs it against any
// endpoint (golden files or a second live endpoint as the reference).
//
// The matrix needs the lab's seed. Package conformance/probe needs none:
// it logs in to any cloud (Login), makes fixtures of its own and expects
// Nova's contract derived from them, reusing the runner, normaliser,
// comparator and reports of this package.
package conformance
