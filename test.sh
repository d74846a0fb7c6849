#!/usr/bin/env bash
# The project's test command: every package of the root module with the race
# detector, then the nested modules (grpc-go: grpcconn, interop) the same way.
set -euo pipefail
cd "$(dirname "$0")"
go test -race -count=1 ./...
for mod in grpcconn interop; do
  if [ -f "$mod/go.mod" ]; then
    (cd "$mod" && go test -race -count=1 ./...)
  fi
done
