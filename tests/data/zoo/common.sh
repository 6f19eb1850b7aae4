# Sourced by regenerate.sh and minutes.sh: the toolchains, a clean Go environment, a
# scratch directory ($work, with $out and $bin) removed on exit, and die.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOMAXPROCS=4
unset GOTRACEBACK GODEBUG GOEXPERIMENT GOROOT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/out"
bin="$work/bin"
mkdir -p "$out" "$bin"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

goroot() {
  case $1 in
    1.21) echo /usr/lib/go-1.21 ;;
    1.26) echo /opt/go-debian/usr/lib/go-1.26 ;;
    1.27) echo /opt/go-debian/usr/lib/go-1.27 ;;
    *) die "no toolchain configured for Go $1" ;;
  esac
}
