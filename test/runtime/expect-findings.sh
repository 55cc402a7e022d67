#!/bin/sh
# Runs a program under `fearless run` and requires exactly the given set of
# runtime finding ids in its merged JSON report.
#   expect-findings.sh FEARLESS REPORT_JSON "ID..." PROGRAM [ARGS...]
fearless=$1 json=$2 want=$3
shift 3
rm -f "$json"
"$fearless" run -q --watchdog 500 --json "$json" -- "$@" >/dev/null 2>&1
[ -f "$json" ] || { echo "no report written to $json"; exit 1; }
got=$(grep -o '"id": *"fearless-rt-[a-z-]*"' "$json" | sed 's/.*"\(fearless-rt-[a-z-]*\)"/\1/' | sort -u | tr '\n' ' ')
want=$(for id in $want; do echo "$id"; done | sort -u | tr '\n' ' ')
if [ "$got" != "$want" ]; then
  echo "expected finding ids: $want"
  echo "reported finding ids: $got"
  exit 1
fi
echo "reported exactly: $got"
