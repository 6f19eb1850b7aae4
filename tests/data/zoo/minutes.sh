#!/usr/bin/env bash
# Rebuilds out-minutes/: every harness program (leaks and healthy) on Go 1.27 and
# 1.21, run with -pause so that each dump of its series is taken a minute after
# the one before, as an on-call engineer's dumps are: the final debug=2 dump
# then shows ages in minutes ("[chan send, 2 minutes]"), which out/'s dumps,
# taken within a second of the start, cannot.
#
#   ./minutes.sh              everything (~20 minutes: all programs run at once, each ~10 min)
#   PAUSE=65s ./minutes.sh    the pause before each dump (default 180s: the runtime stamps
#                             waits at least every 2 minutes, and gotrace tells a goroutine
#                             woken in between from a stuck one when the captures are more
#                             than that apart)
#
# Only the series is kept (NAME.goV.debug2.N.txt; the last one is the final
# dump); check_manifest.py --minutes checks its counts against manifest.json
# before out-minutes/ is replaced.
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
pause=${PAUSE:-180s}

# The harness programs: regenerate.sh's LEAKS and HEALTHY, but audit_backlog, whose
# captures are taken while its writer rotates the log "as long as the snapshot takes":
# paused, that is minutes of a stalled writer and 100,000 senders, no healthy backlog.
programs=$(sed -n '/^LEAKS=(/,/)/p; /^HEALTHY=(/,/)/p' "$here/regenerate.sh" \
  | tr -d '()' | sed 's/^[A-Z]*=//' | tr -s ' \n' '\n' | grep -v '^#' | grep . | grep -vx audit_backlog)
[ -n "$programs" ] || die "no programs found in regenerate.sh"

for v in 1.27 1.21; do
  g=$(goroot "$v")
  [ -x "$g/bin/go" ] || die "Go toolchain not found: $g/bin/go"
  for p in $programs; do
    (cd "$here/src" && GOROOT=$g "$g/bin/go" build -trimpath -o "$bin/$p-$v" "./$p") \
      || die "build of $p with Go $v failed"
  done
done

# All at once, a second apart: each run is mostly its pauses. A program whose
# scenario depends on timing (a broker dropping events for slow watchers) can miss
# Await's counts on two busy cores; those run again afterwards, together.
run() { # run VERSION PROGRAM
  (cd "$out" && "$bin/$2-$1" -name "$2.go$1" -series -trace=false -leakprof=false \
    -pause "$pause" > "$work/$2.go$1.log" 2>&1)
}
pids=() jobs=()
for v in 1.27 1.21; do
  for p in $programs; do
    run "$v" "$p" &
    pids+=($!) jobs+=("$v $p")
    sleep 1
  done
done
again=()
for i in "${!pids[@]}"; do wait "${pids[$i]}" || again+=("${jobs[$i]}"); done
pids=()
for job in "${again[@]}"; do
  echo "minutes.sh: again: $job" >&2
  # shellcheck disable=SC2086
  run $job &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { job=${again[$i]}; cat "$work/${job#* }.go${job% *}.log" >&2; die "$job failed twice"; }
done

# The final dump is the series' last element; debug=1 shows no ages.
rm -f "$out"/*.debug1.txt "$out"/*.go1.2?.debug2.txt
for f in "$out"/*; do
  if [ "$(stat -c %s "$f")" -gt 65536 ]; then gzip -9n "$f"; fi
done
if ! python3 "$here/check_manifest.py" --minutes "$out"; then
  rm -rf "$here/out-minutes.rejected"
  mv "$out" "$here/out-minutes.rejected"
  die "the new dumps do not match manifest.json (they are in out-minutes.rejected/)"
fi
rm -rf "$here/out-minutes"
mv "$out" "$here/out-minutes"
