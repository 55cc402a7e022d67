#!/usr/bin/env bash
# Whole-program lock-order analysis as the project grows.
#
#   bash test/bench/static/scale.sh [BUILD_DIR] [N...]     (default N: 10 100 1000)
#
# For each N, writes a synthetic project of N translation units with known
# planted lock-order cycles (gen_lock_project), then measures, with -j 2:
#   cold:  fearless analyze, empty cache (parse + extract + merge)
#   warm:  the same command again, nothing changed (cache reused: merge only)
#   merge: fearless merge over the facts files alone
# and prints the times, warm/cold as a ratio, and cycles found against
# cycles planted. Exits 1 when the numbers of cycles differ, so the suite
# can run it on a small N as a correctness check; the timings are never
# asserted.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${1:-$root/build}"
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000)
fearless="$build/tool/fearless"
gen="$build/test/bench/static/gen_lock_project"
for tool in "$fearless" "$gen"; do
  [ -x "$tool" ] || { echo "missing $tool (build the project with tests first)" >&2; exit 2; }
done
work="$(mktemp -d "${TMPDIR:-/tmp}/fearless-scale.XXXXXX")"
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
status=0
printf '%6s %10s %10s %10s %10s %8s %8s\n' N cold_s warm_s merge_s warm/cold planted found
for n in "${sizes[@]}"; do
  dir="$work/p$n"
  planted=$("$gen" "$dir" "$n" | sed 's/planted //')
  args=(analyze -q -j 2 -p "$dir" --cache-dir "$dir/cache" --facts-dir "$dir/facts"
        --checks fearless-lock-order-inversion --format json)
  t0=$(now)
  "$fearless" "${args[@]}" -o "$dir/cold.json" || [ $? -eq 1 ]
  t1=$(now)
  "$fearless" "${args[@]}" -o "$dir/warm.json" || [ $? -eq 1 ]
  t2=$(now)
  "$fearless" merge -q --checks fearless-lock-order-inversion --format json \
    -o "$dir/merged.json" "$dir/facts" || [ $? -eq 1 ]
  t3=$(now)
  found=$(grep -c '"check": "fearless-lock-order-inversion"' "$dir/cold.json" || true)
  for other in warm merged; do
    if ! cmp -s <(grep -v '"fingerprint"' "$dir/cold.json") \
                <(grep -v '"fingerprint"' "$dir/$other.json"); then
      echo "N=$n: the $other report differs from the cold one" >&2
      status=1
    fi
  done
  awk -v n="$n" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" \
      -v planted="$planted" -v found="$found" 'BEGIN {
    printf "%6s %10.2f %10.2f %10.2f %9.3fx %8s %8s\n", n, t1 - t0, t2 - t1,
           t3 - t2, (t2 - t1) / (t1 - t0), planted, found }' 
  [ "$planted" = "$found" ] || status=1
done
exit $status
