// Package e2e holds the end-to-end tests of the library and the CLI against a
// real Zitadel, chosen by environment variables. It has no non-test code; the
// library suite itself is internal/e2esuite, which the grpcconn module runs
// too (over a grpc-go connection: go test -run TestZitadel in grpcconn/).
//
// Run them before trusting a release against your own Zitadel:
//
//	ZITADEL_E2E_URL=http://localhost:8080 \
//	ZITADEL_E2E_PAT=<login client PAT> \
//	ZITADEL_E2E_LOGIN_NAME=alice ZITADEL_E2E_PASSWORD=... ZITADEL_E2E_TOTP_SECRET=... \
//	go test -count=1 -v ./e2e
//
// Without ZITADEL_E2E_URL every test is skipped with a message naming the
// variables; with it, a missing required variable fails the run. The
// README's "Testing against your own Zitadel" lists every variable. The
// library part also runs, without any variable, against the in-memory test
// server, so that the suite itself is exercised by every `go test ./...`.
package e2e
