#!/usr/bin/env bash
# The nightly preference-training run, for cron (see README): builds rounds if needed, then
# `rounds nightly` with the settings and gates in feedback/nightly.json. Appends to
# feedback/reports/nightly.log. A run that is killed finishes when this script runs again;
# two runs never overlap (the second exits with a message).
# Environment: ROUNDS_HOME (folder holding feedback/ and policies/, default: this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=.build/release/rounds
[ -x "$rounds" ] || swift build -c release --product rounds >&2
home=${ROUNDS_HOME:-.}
mkdir -p "$home/feedback/reports"
log="$home/feedback/reports/nightly.log"
{
    echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) nightly run"
    "$rounds" nightly --db "$home/feedback/rounds.sqlite" --policies "$home/policies" \
        --config "${ROUNDS_NIGHTLY_CONFIG:-feedback/nightly.json}" --report "$home/feedback/reports/stats.html" "$@"
} 2>&1 | tee -a "$log"
exit "${PIPESTATUS[0]}"
