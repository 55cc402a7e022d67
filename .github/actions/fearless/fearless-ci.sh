#!/usr/bin/env bash
# The steps of the fearless CI gate, shared by the GitHub action
# (action.yml beside this file), the GitLab recipe and the pre-commit hook
# in docs/ci.md. Each step is a subcommand; configuration is environment:
#
#   FEARLESS_SOURCE     fearless checkout to build from (build-fearless)
#   FEARLESS_BIN        the fearless CLI (default: $FEARLESS_SOURCE/build/tool/fearless)
#   FEARLESS_RT         libfearless_rt.so for `test` (default: next to the CLI's build)
#   PROJECT_DIR         the project to analyse (default: .)
#   PROJECT_BUILD_DIR   its CMake build directory (default: $PROJECT_DIR/build)
#   BASELINE            baseline file (default: $PROJECT_DIR/.fearless-baseline.json);
#                       used when it exists
#   DIFF_BASE           git revision: report only findings on lines changed since
#   SARIF               where `analyze` writes SARIF (default: fearless.sarif)
#   FAIL_ON             error | warning | note (default: note)
#
#   fearless-ci.sh build-fearless   bootstrap + build fearless from source
#   fearless-ci.sh configure        cmake -DCMAKE_EXPORT_COMPILE_COMMANDS=ON + build
#   fearless-ci.sh baseline         write $BASELINE from today's findings
#   fearless-ci.sh analyze          analyse; SARIF to $SARIF, text to the log;
#                                   exit 1 on new findings
#   fearless-ci.sh test             run the project's ctest under the recorder
set -euo pipefail

step="${1:?usage: fearless-ci.sh build-fearless|configure|baseline|analyze|test}"
project="$(cd "${PROJECT_DIR:-.}" && pwd)"
build="${PROJECT_BUILD_DIR:-$project/build}"
case "$build" in /*) ;; *) build="$project/$build" ;; esac
baseline="${BASELINE:-$project/.fearless-baseline.json}"
fearless_bin="${FEARLESS_BIN:-${FEARLESS_SOURCE:-.}/build/tool/fearless}"

case "$step" in
  build-fearless)
    : "${FEARLESS_SOURCE:?FEARLESS_SOURCE must name a fearless checkout}"
    bash "$FEARLESS_SOURCE/tool/bootstrap.sh" build
    ;;
  configure)
    cmake -S "$project" -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      -DCMAKE_BUILD_TYPE=Debug ${CMAKE_ARGS:-} >/dev/null
    cmake --build "$build"
    ;;
  baseline)
    "$fearless_bin" baseline -q -p "$build" --source-root "$project" -o "$baseline"
    echo "fearless: baseline written to $baseline"
    ;;
  analyze)
    args=(-p "$build" --source-root "$project" --fail-on "${FAIL_ON:-note}")
    [ -f "$baseline" ] && args+=(--baseline "$baseline")
    [ -n "${DIFF_BASE:-}" ] && args+=(--diff-base "$DIFF_BASE")
    # SARIF for code scanning, and the same findings as text in the log.
    set +e
    "$fearless_bin" analyze -q "${args[@]}" --format sarif -o "${SARIF:-fearless.sarif}"
    rc=$?
    set -e
    [ "$rc" -eq 2 ] && exit 2
    "$fearless_bin" analyze -q "${args[@]}" || true
    exit "$rc"
    ;;
  test)
    rt="${FEARLESS_RT:-$(dirname "$(dirname "$fearless_bin")")/lib/runtime/libfearless_rt.so}"
    [ -f "$rt" ] || { echo "fearless: error: no recorder at '$rt' (set FEARLESS_RT)" >&2; exit 2; }
    # A run that closes a lock-order cycle exits 66 and fails its test.
    LD_PRELOAD="$rt" FEARLESS_OPTIONS="${FEARLESS_OPTIONS:-exitcode=66}" \
      ctest --test-dir "$build" --output-on-failure --timeout "${TEST_TIMEOUT:-300}"
    ;;
  *)
    echo "fearless: error: unknown step '$step'" >&2
    exit 2
    ;;
esac
