#!/usr/bin/env bash
# Builds eventdump: Go's ordered trace event stream as text (same layout as
# `gotrace events`), for diffing our readers against Go's. Needs Go 1.27 from
# ../shared/tools/install-go --newer (internal/trace is only importable from GOROOT).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
goroot=${GOROOT_127:-/opt/go-debian/usr/lib/go-1.27}
mkdir -p "$goroot/src/cmd/eventdump"
cp "$here/eventdump/main.go" "$goroot/src/cmd/eventdump/main.go"
cd "$goroot/src/cmd/eventdump" && GOFLAGS= GOROOT=$goroot "$goroot/bin/go" build -o /usr/local/bin/eventdump .
echo "built /usr/local/bin/eventdump"
