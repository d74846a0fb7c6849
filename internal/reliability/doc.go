// Package reliability holds the reliability suite of the module: it has no
// production code, only tests, fuzz targets and benchmarks that exercise the
// session client, its interceptors and the sessiontest server together.
//
//   - fault_test.go: a fault-injecting HTTP handler between a session.Client
//     and a sessiontest server (refused connections, resets, hangs, slow
//     responses, 503, truncated / oversized bodies, wrong content types,
//     untrusted TLS) checking typed errors, retry scope and goroutine leaks.
//   - fuzz_test.go: fuzz targets for key files, seeds, WebAuthN assertions
//     and raw requests to the sessiontest handlers.
//   - secrets_test.go: every flow with debug logging and fmt output captured;
//     no secret may appear.
//   - load_test.go: 200 concurrent clients against one sessiontest server.
//   - bench_test.go, cli_test.go: throughput, memory and CLI start-up
//     benchmarks; figures are recorded in RESULTS.md.
package reliability
