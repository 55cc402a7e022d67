#!/usr/bin/env bash
# Runs the runtime benchmark plain, under the recorder (LD_PRELOAD), under
# a preload library that only forwards the lock calls (the cost of
# interposition itself) and built with ThreadSanitizer, and prints each
# mode's median time over the repetitions, the spread of the recorder's
# times, the overhead ratios of the medians against plain, and the median
# of the per-repetition recorder/plain ratios ("paired"). Builds nothing:
# point it at a build tree.
#   test/bench/runtime/run.sh <build-dir> [repeats=5] [modes...]
# Each repetition runs plain, recorder, forwarding-only and TSan back to
# back, so a slow phase of a shared machine weighs on all of them alike;
# the order rotates from one repetition to the next, so no variant always
# runs first or right after TSan.
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

echo "repeats: $repeats (median of each; spread = (max-min)/median of the recorder's times;"
echo "         paired = median over repetitions of recorder/plain of the same repetition)"
printf "%-11s %9s %9s %9s %9s %7s %9s %7s %9s %10s\n" mode plain recorder forward tsan spread rec/plain paired fwd/plain tsan/plain
variants=(plain recorder forward tsan)
# One variant's times of the current mode, one per line, in repetition order.
col() { tr ' ' '\n' <<<"${T[$1]:-}" | grep . || true; }
for m in "${modes[@]}"; do
  declare -A T=()
  for i in $(seq "$repeats"); do
    for k in 0 1 2 3; do
      v=${variants[$(( (i + k) % 4 ))]}
      case $v in
        plain) t=$(one "$bench" "$m") ;;
        recorder) t=$(one env LD_PRELOAD="$rt" FEARLESS_OPTIONS="exitcode=0" "$bench" "$m") ;;
        forward) [ -n "$fwd" ] || continue; t=$(one env LD_PRELOAD="$fwd" "$bench" "$m") ;;
        tsan) [ -n "$tsan" ] || continue; t=$(one env TSAN_OPTIONS=report_bugs=0 "$tsan" "$m") ;;
      esac
      T[$v]+="$t "
    done
  done
  p=$(col plain | median)
  r=$(col recorder | median)
  s=$(col recorder | spread)
  f=nan t=nan
  [ -n "${T[forward]:-}" ] && f=$(col forward | median)
  [ -n "${T[tsan]:-}" ] && t=$(col tsan | median)
  paired=$(paste <(col recorder) <(col plain) | awk '{print $1 / $2}' | median)
  unset T
  awk -v m="$m" -v p="$p" -v r="$r" -v f="$f" -v t="$t" -v s="$s" -v q="$paired" 'BEGIN {
    printf "%-11s %9.4f %9.4f %9s %9s %7s %9.2f %7.2f %9s %10s\n", m, p, r, f, t, s, r / p, q,
           (f == "nan" ? "n/a" : sprintf("%.2f", f / p)),
           (t == "nan" ? "n/a" : sprintf("%.2f", t / p)) }'
done
