#!/bin/bash
# Re-create every capture in out/ from the programs in src/.
# Usage: ./capture.sh            (all packages, Go 1.27: GO127=GOROOT to override)
set -u
cd "$(dirname "$0")"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
declare -A GOROOTS=([1.27]=${GO127:-/opt/go-debian/usr/lib/go-1.27})
DEADLOCK="cockroach584 etcd5509 moby4951 moby28462 syncthing4829 kubernetes10182 cockroach1055 rwmutex_upgrade"
mkdir -p out logs  # logs/ is scratch, not kept
# The capture harness, the same in every package, kept once in harness/ (generated files are
# removed at exit).
for d in src/*/; do
  for t in main_test.go zz_dump_test.go; do
    sed "s/^package PKG$/package $(basename "$d")/" "harness/$t.tmpl" > "$d$t"
  done
done
trap 'rm -f src/*/main_test.go src/*/zz_dump_test.go' EXIT

one() {  # one PKG VERSION
  local n=$1 v=$2 G=${GOROOTS[$2]} o=$PWD/out
  # (b)+(c): end-of-binary dump (+ goroutineleak where it exists)
  ( cd src/$n && HOLDOUT_DUMP=$o/$n.dump.go$v.txt HOLDOUT_LEAK=$o/$n.goroutineleak.go$v.txt \
      HOLDOUT_LEAK1=$o/$n.goroutineleak1.go$v.txt HOLDOUT_INTEST=$o/$n.intest.go$v.txt \
      GOROOT=$G $G/bin/go test -count=1 -timeout 60s . ) > logs/$n.dumprun.go$v.log 2>&1
  # (a): the test goroutine itself hangs; capture the timeout panic
  if [[ " $DEADLOCK " == *" $n "* ]]; then
    ( cd src/$n && HOLDOUT_MODE=timeout GOROOT=$G $G/bin/go test -count=1 -timeout 8s . ) > $o/$n.timeout.go$v.txt 2>&1
  fi
}
export -f one; export DEADLOCK; export -p | grep -q GOROOTS || true
for v in 1.27; do
  # build caches first (serially) so parallel runs don't race on compiling std
  GOROOT=${GOROOTS[$v]} ${GOROOTS[$v]}/bin/go test -count=1 -run XXX ./src/... > logs/prebuild.go$v.log 2>&1
done
jobs=()
PKGS=${*:-$(ls src)}
for n in $PKGS; do for v in 1.27; do jobs+=("$n $v"); done; done
printf '%s\n' "${jobs[@]}" | xargs -P 6 -L 1 bash -c 'declare -A GOROOTS=([1.27]='"${GOROOTS[1.27]}"'); '"$(declare -f one)"'; one "$0" "$1"'
echo done
