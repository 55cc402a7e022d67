#!/usr/bin/env bash
# Static analysis cost on a real code base, as a ratio against the compiler
# front end on the same translation units, measured side by side.
#
#   bash test/bench/static/run.sh [BUILD_DIR] [PACKAGE]
#
# Fetches the Debian source package (default: leveldb) with apt-get source
# into a private work directory (its own source list, nothing system-wide is
# changed), configures it with CMake to get compile_commands.json, then
# times, on one core each so the numbers compare:
#   reference: clang++-19 -fsyntax-only on every unit
#   fearless:  fearless analyze -j 1 with all checks, cold (the facts
#              cache is emptied first), whole-program merge included
# and prints the ratio and the findings per check. Not part of the test
# suite; nothing here is a pass/fail assertion.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${1:-$root/build}"
pkg="${2:-leveldb}"
work="${FEARLESS_BENCH_DIR:-/tmp/fearless-bench}"
fearless="$build/tool/fearless"
[ -x "$fearless" ] || { echo "no fearless binary in $build (build first)" >&2; exit 2; }

mkdir -p "$work/apt/lists/partial"
echo "deb-src http://deb.debian.org/debian bookworm main" > "$work/apt/sources.list"
apt_opts=(-q -o "Dir::Etc::SourceList=$work/apt/sources.list"
          -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/apt/lists")
if ! ls "$work/src/$pkg"_*.orig.tar.* >/dev/null 2>&1; then
  apt-get "${apt_opts[@]}" update >/dev/null
  mkdir -p "$work/src"
  (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only "$pkg" >/dev/null 2>&1)
fi
tree="$work/tree/$pkg"
if [ ! -d "$tree" ]; then
  mkdir -p "$tree"
  tar -xf "$work/src/$pkg"_*.orig.tar.* -C "$tree" --strip-components=1
fi
if [ ! -f "$tree/build/compile_commands.json" ]; then
  cmake -S "$tree" -B "$tree/build" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_C_COMPILER=clang-19 \
    -DLEVELDB_BUILD_TESTS=OFF -DLEVELDB_BUILD_BENCHMARKS=OFF >/dev/null
fi
db="$tree/build/compile_commands.json"
units=$(grep -c '"file"' "$db")

# Reference: the same commands, front end only. CPU time (user + system,
# children included) is measured besides wall time: on a machine shared
# with other work, CPU time is the steadier of the two.
ref_start=$(date +%s.%N)
python_free_list=$(grep '"command"' "$db" | sed -e 's/^ *"command": "//' -e 's/",\{0,1\}$//')
dirs=$(grep '"directory"' "$db" | sed -e 's/^ *"directory": "//' -e 's/",\{0,1\}$//')
paste -d '\n' <(echo "$dirs") <(echo "$python_free_list") > "$work/commands.txt"
/usr/bin/time -f "%U %S" -o "$work/ref.cpu" bash -c '
  while read -r dir && read -r cmd; do
    # Drop "-o out" and "-c", add -fsyntax-only.
    cmd=$(echo "$cmd" | sed -e "s/ -o [^ ]*//" -e "s/ -c / /")
    (cd "$dir" && eval "$cmd -fsyntax-only -w")
  done < "$1"' _ "$work/commands.txt"
ref_end=$(date +%s.%N)

# Cold: no facts cached from an earlier run.
rm -rf "$tree/build/.fearless-cache"
fl_start=$(date +%s.%N)
set +e
/usr/bin/time -f "%U %S" -o "$work/fearless.cpu" \
  "$fearless" analyze -q -j 1 --no-cache -p "$tree/build" --format json -o "$work/report.json"
rc=$?
set -e
fl_end=$(date +%s.%N)
[ "$rc" -le 1 ] || { echo "fearless failed ($rc)" >&2; exit 2; }

ref=$(echo "$ref_end - $ref_start" | bc)
fl=$(echo "$fl_end - $fl_start" | bc)
echo "package:        $pkg ($units translation units)"
echo "clang++ -fsyntax-only: ${ref}s"
echo "fearless analyze:      ${fl}s"
echo "ratio (wall):          $(echo "scale=2; $fl / $ref" | bc)x"
ref_cpu=$(tail -n 1 "$work/ref.cpu" | awk '{print $1 + $2}')
fl_cpu=$(tail -n 1 "$work/fearless.cpu" | awk '{print $1 + $2}')
echo "clang++ CPU time:      ${ref_cpu}s"
echo "fearless CPU time:     ${fl_cpu}s"
echo "ratio (CPU):           $(echo "scale=2; $fl_cpu / $ref_cpu" | bc)x"
echo "findings per check:"
grep -o '"check": "[^"]*"' "$work/report.json" | sort | uniq -c | sed 's/"check": //' || echo "  none"
