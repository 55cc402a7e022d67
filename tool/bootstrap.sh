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

# The official SARIF validator (Sarif.Multitool, a self-contained .NET
# program shipped as an npm package) for the tests that validate every SARIF
# report. It goes into the project-local .tools/ (git-ignored), never a
# global prefix. Node.js and npm come from Debian when absent.
sarif_version=5.7.0
tools="$root/.tools"
multitool="$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ "$mode" = test ] || [ -n "${FEARLESS_INSTALL_TOOLS:-}" ]; then
  if [ ! -x "$multitool" ] || ! grep -q "\"version\": \"$sarif_version\"" \
      "$tools/node_modules/@microsoft/sarif-multitool-linux/package.json" 2>/dev/null; then
    if ! command -v npm >/dev/null; then
      echo "fearless: installing nodejs npm (for the SARIF validator)"
      sudo=""
      [ "$(id -u)" -eq 0 ] || sudo="sudo"
      export DEBIAN_FRONTEND=noninteractive
      $sudo apt-get update -qq
      $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    fi
    # .NET needs ICU unless told to run without it; the tests run it with
    # DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1, so ICU is optional.
    echo "fearless: installing @microsoft/sarif-multitool-linux@$sarif_version into $tools"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error \
      "@microsoft/sarif-multitool-linux@$sarif_version" >/dev/null
    # npm may skip the package's postinstall (chmod u+x).
    chmod +x "$multitool"
  fi
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
