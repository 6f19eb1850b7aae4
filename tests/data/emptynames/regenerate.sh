#!/usr/bin/env bash
# Rebuild the empty-name traces from main.go with Go 1.21 (old format), 1.22 and 1.27,
# and Go's own summary of each (traceoracle summary, goroutines sorted by id).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=off GOMAXPROCS=2
for v in 1.21:/usr/lib/go-1.21 1.22:/usr/lib/go-1.22 1.27:/opt/go-debian/usr/lib/go-1.27; do
  ver=${v%%:*} root=${v#*:}
  out="$here/emptynames.go$ver.trace"
  (cd "$here" && GOROOT=$root "$root/bin/go" run -trimpath main.go) > "$out.tmp"
  mv "$out.tmp" "$out"
  traceoracle summary "$out" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
doc["goroutines"].sort(key=lambda g: g["id"])
print(json.dumps(doc, indent=1, sort_keys=True))' > "${out%.trace}.summary.json"
done
