#!/usr/bin/env bash
# Runs the runtime benchmark plain, under the recorder (LD_PRELOAD) and
# built with ThreadSanitizer, and prints each mode's median time and its
# overhead ratio against plain. Builds nothing: point it at a build tree.
#   test/bench/runtime/run.sh <build-dir> [repeats=5] [modes...]
set -euo pipefail
build=${1:?usage: run.sh <build-dir> [repeats] [modes...]}
repeats=${2:-5}
shift $(( $# >= 2 ? 2 : $# ))
modes=("$@")
[ ${#modes[@]} -eq 0 ] && modes=(flat nested graph churn workqueue)

find_one() { find "$build" -name "$1" -type f -perm -u+x -print -quit 2>/dev/null; }
bench=$(find_one rt_bench)
tsan=$(find_one rt_bench_tsan)
rt=$(find "$build" -name libfearless_rt.so -print -quit)
[ -n "$bench" ] && [ -n "$rt" ] || { echo "rt_bench or libfearless_rt.so not found under $build" >&2; exit 2; }

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Each run is bounded so a regression cannot hang the script.
one() { timeout 600 "$@" | awk '{print $2}'; }

printf "%-10s %10s %10s %10s %9s %9s\n" mode plain recorder tsan rec/plain tsan/plain
for m in "${modes[@]}"; do
  p=$(for i in $(seq "$repeats"); do one "$bench" "$m"; done | median)
  r=$(for i in $(seq "$repeats"); do
        one env LD_PRELOAD="$rt" FEARLESS_OPTIONS="exitcode=0" "$bench" "$m"; done | median)
  if [ -n "$tsan" ]; then
    t=$(for i in $(seq "$repeats"); do one env TSAN_OPTIONS=report_bugs=0 "$tsan" "$m"; done | median)
  else
    t=nan
  fi
  awk -v m="$m" -v p="$p" -v r="$r" -v t="$t" 'BEGIN {
    printf "%-10s %10.4f %10.4f %10s %9.2f %9s\n", m, p, r, t, r / p,
           (t == "nan" ? "n/a" : sprintf("%.2f", t / p)) }'
done
