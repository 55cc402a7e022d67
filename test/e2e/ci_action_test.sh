#!/usr/bin/env bash
# Runs the steps of the fearless GitHub action (fearless-ci.sh, the same
# script the GitLab recipe and the pre-commit hook use) on a copy of
# samples/ci-project in a fresh git repository: baseline, a clean gate, a
# change that adds one finding (exit 1, only that finding), the same run
# without the change (exit 0), SARIF checked by the official validator, and
# the project's tests under the recorder. Every command has a time limit.
#   ci_action_test.sh FEARLESS_BIN SOURCE_DIR MULTITOOL [LIBFEARLESS_RT]
set -euo pipefail
fearless="$1" src="$2" multitool="$3" rt="${4:-}"
ci="$src/.github/actions/fearless/fearless-ci.sh"
work="$(mktemp -d /tmp/fearless-ci.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
t() { timeout 300 "$@"; }
g() { t git -C "$work/proj" -c user.name=ci -c user.email=ci@localhost -c commit.gpgsign=false "$@"; }

cp -r "$src/samples/ci-project" "$work/proj"
g init -q
g add -A
g commit -q -m "project"

export FEARLESS_BIN="$fearless" PROJECT_DIR="$work/proj" SARIF="$work/out.sarif"
t bash "$ci" configure >/dev/null
[ -f "$work/proj/build/compile_commands.json" ] || fail "no compile_commands.json"

# Adoption: the legacy finding goes into the baseline, which is committed.
t bash "$ci" baseline
grep -q '"check": "fearless-thread-not-joined", "file": "src/legacy.cpp", "line": 5' \
  "$work/proj/.fearless-baseline.json" || fail "baseline lacks the legacy finding: $(cat "$work/proj/.fearless-baseline.json")"
[ "$(grep -c '"fingerprint"' "$work/proj/.fearless-baseline.json")" = 1 ] || fail "baseline has more than the legacy finding"
g add .fearless-baseline.json
g commit -q -m "fearless baseline"

validate() {
  DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 t "$multitool" validate "$1" \
    --output "$work/validation.sarif" --level "Error;Warning" --quiet >/dev/null || true
  [ -f "$work/validation.sarif" ] || fail "validator wrote no log for $1"
  python3 - "$work/validation.sarif" <<'PY' || fail "SARIF $1 does not validate"
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
for r in results:
    print(r["level"], r["ruleId"], r["message"].get("arguments"), file=sys.stderr)
sys.exit(1 if results else 0)
PY
  rm -f "$work/validation.sarif"
}

# The gate on a clean change: exit 0, SARIF valid and empty of results.
set +e
DIFF_BASE=HEAD~1 t bash "$ci" analyze > "$work/clean.txt" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "clean run exited $rc: $(cat "$work/clean.txt")"
validate "$work/out.sarif"
grep -q '"results": \[\]' "$work/out.sarif" || fail "clean SARIF has results"

# A change that adds one new finding: a lock-order inversion between an
# account's mutex and a new journal mutex.
cat >> "$work/proj/src/ledger.cpp" <<'CPP'

std::mutex journal_mu;
void journal_transfer(Account &a) {
  std::lock_guard<std::mutex> j(journal_mu);
  std::lock_guard<std::mutex> l(a.mu);
}
void audit(Account &a) {
  std::lock_guard<std::mutex> l(a.mu);
  std::lock_guard<std::mutex> j(journal_mu);
}
CPP
g commit -q -am "audit"
set +e
DIFF_BASE=HEAD~1 t bash "$ci" analyze > "$work/new.txt" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "run with the new finding exited $rc: $(cat "$work/new.txt")"
[ "$(grep -c ': warning: ' "$work/new.txt")" = 1 ] || fail "expected exactly one finding: $(cat "$work/new.txt")"
grep -q "src/ledger.cpp:32:31: warning: lock order inversion between 'Account::mu' and 'journal_mu'" "$work/new.txt" \
  || fail "not the new finding: $(cat "$work/new.txt")"
validate "$work/out.sarif"
[ "$(grep -c '"ruleId"' "$work/out.sarif")" = 1 ] || fail "SARIF should carry exactly one result"

# The same run without the change: clean again.
g reset -q --hard HEAD~1
set +e
DIFF_BASE=HEAD~1 t bash "$ci" analyze > "$work/again.txt" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "run without the change exited $rc: $(cat "$work/again.txt")"

# The project's tests under the recorder.
if [ -n "$rt" ]; then
  FEARLESS_RT="$rt" t bash "$ci" test > "$work/test.txt" 2>&1 || fail "tests under the recorder: $(cat "$work/test.txt")"
  grep -q "100% tests passed" "$work/test.txt" || fail "ctest did not pass: $(cat "$work/test.txt")"
fi
echo "ci action steps: ok"
