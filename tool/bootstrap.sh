#!/usr/bin/env bash
# Installs what fearless needs (Debian bookworm packages), builds it, and
# then either runs it on the bundled samples (default) or runs the whole
# test suite (`test`). Safe to run again: installed packages are skipped and
# the build is incremental.
#
#   bash tool/bootstrap.sh          install + build + analyse samples/
#   bash tool/bootstrap.sh test     install + build + full test suite
#
# Environment: BUILD_DIR (default: build), JOBS (default: nproc), CMAKE_ARGS
# (extra -D options for the first configure).
set -euo pipefail

mode="${1:-run}"
case "$mode" in
  run|test|build) ;;
  *) echo "usage: bash tool/bootstrap.sh [run|test|build]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-$(nproc)}"

packages=(
  cmake ninja-build g++ git
  clang-19 clang-tidy-19 libclang-19-dev libclang-cpp19-dev llvm-19-dev
  libclang-rt-19-dev
  libboost-graph-dev libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "fearless: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "fearless: need root or sudo to install ${missing[*]}" >&2; exit 2; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086 # CMAKE_ARGS is a list of -D options
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
fi
cmake --build "$build" -j "$jobs"

case "$mode" in
  run)
    echo "fearless: analysing the bundled samples (bad*.cpp carry defects, good*.cpp none)"
    set +e
    "$build/tool/fearless" analyze -p "$build" "$root/samples"
    rc=$?
    set -e
    # 1 means "findings reported", which is what the bad samples are for.
    [ "$rc" -le 1 ] || exit "$rc"
    ;;
  test)
    ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 600
    ;;
esac
