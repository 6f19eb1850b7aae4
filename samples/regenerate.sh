#!/usr/bin/env bash
# Rebuilds the samples in this folder from the Go programs in src/ with the
# installed Go toolchains (standard library only, no module proxy).
#
#   ./regenerate.sh          spike.*, leak.*, leak-early.*, testtimeout.* (~10 s with a warm build cache, ~1 min cold)
#   ./regenerate.sh --slow   the same, plus stuck.* (the program really waits ~3.5 minutes,
#                            because a dump shows "N minutes" only after real monotonic time)
#
# Every file is first written to a scratch directory and checked (trace header,
# the goroutine counts and wait reasons the README promises); only when every
# check passes are the files moved here, so a failed run leaves the old samples.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
slow=0
case "${1:-}" in
  "") ;;
  --slow) slow=1 ;;
  *) echo "usage: $0 [--slow]" >&2; exit 2 ;;
esac

export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOMAXPROCS=4
unset GOTRACEBACK GODEBUG
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/out"
mkdir -p "$out"

die() { echo "regenerate.sh: $*" >&2; exit 1; }

goroot() {
  case $1 in
    1.21) echo /usr/lib/go-1.21 ;;
    1.23) echo /usr/lib/go-1.23 ;;
    1.25) echo /opt/go-1.25/go ;;
    1.27) echo /opt/go-debian/usr/lib/go-1.27 ;;
    *) die "no toolchain configured for Go $1" ;;
  esac
}

# gocmd VERSION ARGS... runs that toolchain's go command.
gocmd() {
  local g
  g=$(goroot "$1"); shift
  [ -x "$g/bin/go" ] || die "Go toolchain not found: $g/bin/go"
  GOROOT=$g "$g/bin/go" "$@"
}

# build VERSION PROGRAM: compiles src/PROGRAM to $work/PROGRAM-VERSION.
build() {
  (cd "$here/src/$2" && gocmd "$1" build -trimpath -o "$work/$2-$1" .) || die "build of $2 with Go $1 failed"
}

# header FILE N: the trace must start with "go 1.N trace" padded with NULs to 16 bytes.
header() {
  local want got
  want=$(printf 'go 1.%s trace' "$2" | od -An -tx1 | tr -d ' \n')
  want=$want$(printf '%*s' $((32 - ${#want})) '' | tr ' ' 0)
  got=$(head -c 16 "$1" | od -An -tx1 | tr -d ' \n')
  [ "$got" = "$want" ] || die "$1: header $got, want 'go 1.$2 trace'"
}

# count FILE PATTERN MIN: at least MIN lines of FILE match the extended regexp PATTERN.
count() {
  local n
  n=$(grep -cE -- "$2" "$1" || true)
  [ "$n" -ge "$3" ] || die "$1: $n lines match '$2', want >= $3"
}

# alive FILE FUNC SITE COUNT REASON: according to Go's own summarizer (traceoracle, when it and
# python3 are installed), COUNT goroutines start in FUNC, were created at SITE within one second,
# and are all still alive at the end, having blocked in REASON.
alive() {
  local oracle=${TRACEORACLE:-traceoracle}
  if ! command -v "$oracle" >/dev/null || ! command -v python3 >/dev/null; then
    echo "regenerate.sh: no traceoracle or python3; $1 checked by its header only" >&2
    return
  fi
  "$oracle" summary "$1" | python3 -c '
import json, sys
func, site, want, reason = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
gs = [g for g in json.load(sys.stdin)["goroutines"] if g.get("name") == func and g.get("creator_site") == site]
live = [g for g in gs if g["end_ns"] == -1 and reason in (g.get("block_ns") or {})]
created = [g["created_ns"] for g in gs]
span = (max(created) - min(created)) / 1e9 if created else 0.0
if len(gs) != want or len(live) != want or span >= 1:
    sys.exit(f"{len(gs)} goroutines {func} created at {site} in {span:.2f} s, {len(live)} alive in {reason}; want {want} in under 1 s")
' "$2" "$3" "$4" "$5" || die "$1: Go's summary does not show the expected goroutines"
}

# expect_exit WANT COMMAND...: runs COMMAND, which must exit with status WANT.
expect_exit() {
  local want=$1 rc=0
  shift
  "$@" || rc=$?
  [ "$rc" -eq "$want" ] || die "'$*' exited $rc, want $want"
}

start=$(date +%s)

# spike: old-format (1.21), 1.25 and newest-format traces; a debug=2 dump from the newest.
for v in 1.21 1.25 1.27; do
  build "$v" spike
  dump=
  [ "$v" = 1.27 ] && dump=-dump
  (cd "$out" && "$work/spike-$v" -name "spike.go$v" $dump) || die "spike (Go $v) failed"
done
header "$out/spike.go1.21.trace" 21
header "$out/spike.go1.25.trace" 25
header "$out/spike.go1.27.trace" 26
for v in 1.21 1.25 1.27; do
  alive "$out/spike.go$v.trace" 'example.com/samples/spike/subscription.(*Hub).watch' \
    example.com/samples/spike/subscription/hub.go:40 3000 select
done
count "$out/spike.go1.27.debug2.txt" '^goroutine [0-9]+ \[select\]:$' 3000
count "$out/spike.go1.27.debug2.txt" '^created by example.com/samples/spike/subscription.\(\*Hub\).Subscribe in goroutine' 3000

# leak: trace, both dump styles and a SIGQUIT traceback (the process kills itself: exit 2).
build 1.23 leak
(cd "$out" && expect_exit 2 env GOTRACEBACK=all "$work/leak-1.23" -name leak.go1.23 -sigquit 2> leak.go1.23.sigquit.txt)
header "$out/leak.go1.23.trace" 23
alive "$out/leak.go1.23.trace" 'example.com/samples/leak/reports.(*Handler).render' \
  example.com/samples/leak/reports/reports.go:28 300 'chan send'
count "$out/leak.go1.23.debug2.txt" '^goroutine [0-9]+ \[chan send\]:$' 300
count "$out/leak.go1.23.debug1.txt" '^300 @ ' 1
count "$out/leak.go1.23.sigquit.txt" '^SIGQUIT: quit$' 1
count "$out/leak.go1.23.sigquit.txt" '^goroutine [0-9]+ gp=0x[0-9a-f]+ m=[0-9nil]+( mp=0x[0-9a-f]+)? \[chan send\]:$' 300
# The same server after only 100 requests: `gotrace diff leak-early.go1.23.trace leak.go1.23.trace`.
(cd "$out" && "$work/leak-1.23" -name leak-early.go1.23 -requests 100)
rm "$out/leak-early.go1.23.debug1.txt"
count "$out/leak-early.go1.23.debug2.txt" '^goroutine [0-9]+ \[chan send\]:$' 100
header "$out/leak-early.go1.23.trace" 23
alive "$out/leak-early.go1.23.trace" 'example.com/samples/leak/reports.(*Handler).render' \
  example.com/samples/leak/reports/reports.go:28 100 'chan send'

# testtimeout: the whole `go test` output of a deadlocking test (go test exits 1).
(cd "$here/src/ledger" && expect_exit 1 gocmd 1.27 test -trimpath -count=1 -timeout 2s . > "$out/testtimeout.go1.27.txt" 2>&1)
count "$out/testtimeout.go1.27.txt" '^panic: test timed out after 2s$' 1
count "$out/testtimeout.go1.27.txt" '^goroutine [0-9]+ \[sync.Mutex.Lock\]:$' 4
count "$out/testtimeout.go1.27.txt" '^FAIL	example.com/samples/ledger' 1

# stuck: waits of several minutes, in debug=2, debug=1 and SIGQUIT form.
if [ "$slow" = 1 ]; then
  build 1.27 stuck
  echo "stuck: waiting ~3.5 minutes for real" >&2
  (cd "$out" && expect_exit 2 env GOTRACEBACK=all GODEBUG=tracebacklabels=1 "$work/stuck-1.27" -name stuck.go1.27 -sigquit 2> stuck.go1.27.sigquit.txt)
  count "$out/stuck.go1.27.debug2.txt" '^goroutine [0-9]+ \[chan receive, 3 minutes\] \{queue: orders\}:$' 96
  count "$out/stuck.go1.27.debug2.txt" '^goroutine [0-9]+ \[select, 2 minutes\]:$' 48
  count "$out/stuck.go1.27.debug2.txt" '^goroutine [0-9]+ \[sync.Mutex.Lock, 1 minutes\]:$' 22
  count "$out/stuck.go1.27.debug2.txt" ', locked to thread\]' 1
  count "$out/stuck.go1.27.sigquit.txt" '^SIGQUIT: quit$' 1
fi

files=$(cd "$out" && ls)
mv "$out"/* "$here"/
echo "regenerate.sh: $(echo "$files" | wc -l) files checked and written to $here in $(( $(date +%s) - start )) s:" >&2
(cd "$here" && ls -l -- $files) >&2
