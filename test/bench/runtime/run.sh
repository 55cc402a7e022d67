#!/usr/bin/env bash
# Runs the runtime benchmark plain, under the recorder (LD_PRELOAD), under
# a preload library that only forwards the lock calls (the cost of
# interposition itself) and built with ThreadSanitizer, and prints each
# mode's median time over the repetitions, the spread of the recorder's
# times, and the overhead ratios of the medians against plain. Builds
# nothing: point it at a build tree.
#   test/bench/runtime/run.sh <build-dir> [repeats=5] [modes...]
# Each repetition runs plain, recorder, forwarding-only and TSan back to
# back, so a slow phase of a shared machine weighs on all of them alike.
set -euo pipefail
build=${1:?usage: run.sh <build-dir> [repeats] [modes...]}
repeats=${2:-5}
shift $(( $# >= 2 ? 2 : $# ))
modes=("$@")
[ ${#modes[@]} -eq 0 ] && modes=(flat nested graph churn churn_first workqueue)

find_one() { find "$build" -name "$1" -type f -perm -u+x -print -quit 2>/dev/null; }
bench=$(find_one rt_bench)
tsan=$(find_one rt_bench_tsan)
rt=$(find "$build" -name libfearless_rt.so -print -quit)
fwd=$(find "$build" -name librt_bench_passthrough.so -print -quit)
[ -n "$bench" ] && [ -n "$rt" ] || { echo "rt_bench or libfearless_rt.so not found under $build" >&2; exit 2; }

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
spread() { sort -g | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.0f%%", (a[NR]-a[1]) / m * 100}'; }
# Each run is bounded so a regression cannot hang the script.
one() { timeout 600 "$@" | awk '{print $2}'; }

echo "repeats: $repeats (median of each; spread = (max-min)/median of the recorder's times)"
printf "%-11s %9s %9s %9s %9s %7s %9s %9s %10s\n" mode plain recorder forward tsan spread rec/plain fwd/plain tsan/plain
for m in "${modes[@]}"; do
  P=() R=() F=() T=()
  for i in $(seq "$repeats"); do
    P+=("$(one "$bench" "$m")")
    R+=("$(one env LD_PRELOAD="$rt" FEARLESS_OPTIONS="exitcode=0" "$bench" "$m")")
    if [ -n "$fwd" ]; then F+=("$(one env LD_PRELOAD="$fwd" "$bench" "$m")"); fi
    if [ -n "$tsan" ]; then T+=("$(one env TSAN_OPTIONS=report_bugs=0 "$tsan" "$m")"); fi
  done
  p=$(printf '%s\n' "${P[@]}" | median)
  r=$(printf '%s\n' "${R[@]}" | median)
  s=$(printf '%s\n' "${R[@]}" | spread)
  t=nan f=nan
  [ ${#T[@]} -gt 0 ] && t=$(printf '%s\n' "${T[@]}" | median)
  [ ${#F[@]} -gt 0 ] && f=$(printf '%s\n' "${F[@]}" | median)
  awk -v m="$m" -v p="$p" -v r="$r" -v f="$f" -v t="$t" -v s="$s" 'BEGIN {
    printf "%-11s %9.4f %9.4f %9s %9s %7s %9.2f %9s %10s\n", m, p, r, f, t, s, r / p,
           (f == "nan" ? "n/a" : sprintf("%.2f", f / p)),
           (t == "nan" ? "n/a" : sprintf("%.2f", t / p)) }'
done
