#!/usr/bin/env bash
# Rebuilds every fixture in out/ from the Go programs in src/ with the
# installed toolchains (standard library only, no module proxy):
#
#   ./regenerate.sh              everything (~2-3 minutes on 2 busy cores with a warm build cache)
#   ./regenerate.sh NAME...      only these programs (their old files are replaced, the rest kept)
#
# Programs are built and run one at a time. Everything is first written to a
# scratch directory, traces and files over 64 KB are gzipped (gzip -9n), the `files`
# entries of manifest.json are rewritten from what was produced, and
# check_manifest.py must pass (counts, wait reasons, functions) before
# anything in out/ is replaced. A failed run leaves the old fixtures.
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# Leak programs that write their own dumps through internal/harness.
LEAKS=(abandoned_receiver close_wait_self cond_no_signal cond_signal_not_broadcast
  ctx_background_done ctx_never_cancelled double_lock errgroup_partial goroutine_per_row
  http_body_unclosed leak_in_busy_server lock_and_chan lock_order mutex_held_on_return
  nil_chan_recv nil_chan_send range_unclosed rwmutex_recursive_rlock select_no_cases
  select_no_ctx semaphore_never_released session_reader_io sleep_loop stopper_self_wait
  ticker_never_stopped timeout_sender timing_wheel_per_request waitgroup_mismatch
  watch_unsubscribed)
# Leak programs whose dump is the runtime's own output.
DEADLOCK=(deadlock_all_asleep) # "fatal error: all goroutines are asleep - deadlock!" on stderr
GOTEST=(test_timeout_leak)     # `go test -timeout 2s`: "panic: test timed out after 2s"
HEALTHY=(accept_loop afterfunc_timers audit_backlog big_pool_busy busy_requests_many cond_queue
  conn_pool_idle errgroup_ok fanout_done janitor keepalive_busy longpoll_server
  pipeline_bounded pool_idle rate_limited signal_loop)
# Programs that also write the protobuf profiles (Go 1.27).
PB=(timeout_sender lock_order errgroup_partial http_body_unclosed goroutine_per_row
  ticker_never_stopped pool_idle keepalive_busy)
# Programs also run on Go 1.26 built with GOEXPERIMENT=goroutineleakprofile.
EXP126=(timeout_sender lock_order ticker_never_stopped http_body_unclosed)

# gocmd VERSION ARGS... runs that toolchain's go command (in src/).
gocmd() {
  local g
  g=$(goroot "$1"); shift
  [ -x "$g/bin/go" ] || die "Go toolchain not found: $g/bin/go"
  (cd "$here/src" && GOROOT=$g "$g/bin/go" "$@")
}

# build VERSION PROGRAM [GOEXPERIMENT]: compiles src/PROGRAM to $bin/PROGRAM-VERSION.
build() {
  GOEXPERIMENT=${3:-} gocmd "$1" build -trimpath -o "$bin/$2-$1" "./$2" || die "build of $2 with Go $1 failed"
}

# runprog VERSION PROGRAM ARGS...: runs the program, writing into $out.
runprog() {
  local v=$1 p=$2
  shift 2
  (cd "$out" && "$bin/$p-$v" -name "$p.go$v" "$@") || die "$p (Go $v) failed"
}

# expect_exit WANT COMMAND...: runs COMMAND, which must exit with status WANT.
expect_exit() {
  local want=$1 rc=0
  shift
  "$@" || rc=$?
  [ "$rc" -eq "$want" ] || die "'$*' exited $rc, want $want"
}

in_list() {
  local x=$1
  shift
  for y in "$@"; do [ "$x" = "$y" ] && return 0; done
  return 1
}

selected() { [ ${#only[@]} -eq 0 ] || in_list "$1" "${only[@]}"; }

only=("$@")
for p in "${only[@]}"; do
  in_list "$p" "${LEAKS[@]}" "${DEADLOCK[@]}" "${GOTEST[@]}" "${HEALTHY[@]}" || die "unknown program $p"
done
command -v python3 >/dev/null || die "python3 is needed for the manifest check"
start=$(date +%s)

for p in "${LEAKS[@]}" "${HEALTHY[@]}"; do
  selected "$p" || continue
  echo "regenerate.sh: $p" >&2
  pb=()
  in_list "$p" "${PB[@]}" && pb=(-pb)
  build 1.27 "$p"
  runprog 1.27 "$p" -series "${pb[@]}"
  build 1.21 "$p"
  if in_list "$p" "${LEAKS[@]}"; then
    runprog 1.21 "$p"
  else
    runprog 1.21 "$p" -trace=false
  fi
  if in_list "$p" "${EXP126[@]}"; then
    build 1.26 "$p" goroutineleakprofile
    runprog 1.26 "$p" -trace=false
    rm "$out/$p.go1.26.debug1.txt"
  fi
done

for p in "${DEADLOCK[@]}"; do
  selected "$p" || continue
  echo "regenerate.sh: $p" >&2
  for v in 1.27 1.21; do
    build "$v" "$p"
    (cd "$out" && expect_exit 2 "$bin/$p-$v" > /dev/null 2> "$p.go$v.stderr.txt")
  done
done

for p in "${GOTEST[@]}"; do
  selected "$p" || continue
  echo "regenerate.sh: $p" >&2
  for v in 1.27 1.21; do
    expect_exit 1 gocmd "$v" test -trimpath -count=1 -timeout 2s "./$p" > "$out/$p.go$v.gotest.txt" 2>&1
  done
done

# Compress every trace (so that their names do not change from run to run)
# and every other file over 64 KB; pprof's .pb.gz files are gzipped already.
for f in "$out"/*; do
  case $f in
    *.gz) ;;
    *.trace) gzip -9n "$f" ;;
    *) if [ "$(stat -c %s "$f")" -gt 65536 ]; then gzip -9n "$f"; fi ;;
  esac
done

# Keep the old files of programs that were not rebuilt.
if [ ${#only[@]} -gt 0 ] && [ -d "$here/out" ]; then
  for f in "$here/out"/*; do
    [ -e "$f" ] || continue
    b=$(basename "$f")
    in_list "${b%%.go1.*}" "${only[@]}" || cp -p "$f" "$out/"
  done
fi

# Rewrite the `files` entries of the manifest from what is now in $out.
python3 - "$here/manifest.json" "$out" "$work/manifest.json" <<'EOF'
import json, os, re, sys
src, out, dst = sys.argv[1:]
m = json.load(open(src))
names = sorted(os.listdir(out))
kinds = [  # (key, suffix regexp after NAME.goV.)
    ("debug2", r"debug2\.txt"), ("debug1", r"debug1\.txt"), ("trace", r"trace"),
    ("goroutineleak_debug1", r"goroutineleak\.debug1\.txt"),
    ("goroutineleak_debug2", r"goroutineleak\.debug2\.txt"),
    ("pb", r"pb"), ("goroutineleak_pb", r"goroutineleak\.pb"),
    ("stderr", r"stderr\.txt"), ("gotest", r"gotest\.txt"),
]
for prog in m["programs"]:
    files = {}
    for n in names:
        mm = re.fullmatch(re.escape(prog["name"]) + r"\.(go1\.\d+)\.(.*?)(\.gz)?", n)
        if not mm:
            continue
        v, rest = mm.group(1), mm.group(2)
        ent = files.setdefault(v, {})
        s = re.fullmatch(r"debug2\.(\d+)\.txt", rest)
        if s:
            ent.setdefault("series", []).append((int(s.group(1)), "out/" + n))
            continue
        for key, rx in kinds:
            if re.fullmatch(rx, rest):
                ent[key] = "out/" + n
                break
        else:
            sys.exit(f"regenerate.sh: unexpected file {n}")
    for ent in files.values():
        if "series" in ent:
            ent["series"] = [p for _, p in sorted(ent["series"])]
    if not files:
        sys.exit(f"regenerate.sh: no files for {prog['name']}")
    prog["files"] = {v: files[v] for v in sorted(files, key=lambda v: -int(v.split(".")[1]))}
with open(dst, "w") as f:
    json.dump(m, f, indent=1)
    f.write("\n")
EOF

python3 "$here/check_manifest.py" --manifest "$work/manifest.json" --out "$out" || die "the new fixtures do not match manifest.json"

rm -rf "$here/out"
mv "$out" "$here/out"
mv "$work/manifest.json" "$here/manifest.json"
echo "regenerate.sh: $(ls "$here/out" | wc -l) files checked and written to $here/out in $(( $(date +%s) - start )) s ($(du -sh "$here" | cut -f1) in all)" >&2
