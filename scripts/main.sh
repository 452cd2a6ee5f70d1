#!/usr/bin/env bash
# The main job of Rounds on the bundled defaults, start to finish:
#   set up → SFT (policy v1) → sample answers → review (interactive at a terminal,
#   otherwise clearly labelled simulated reviewers) → DPO on the comparisons and
#   KTO on the judgments → sample again → statistics report.
# Safe to run again: finished steps are skipped (policies are never overwritten).
# Work folder: ROUNDS_HOME (default: this checkout). Step sizes: ROUNDS_SFT_STEPS,
# ROUNDS_PROMPTS, ROUNDS_PREF_STEPS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

rounds=.build/release/rounds
home=${ROUNDS_HOME:-.}
db="$home/feedback/rounds.sqlite"
policies="$home/policies"
sft_steps=${ROUNDS_SFT_STEPS:-30}
prompts=${ROUNDS_PROMPTS:-16}
pref_steps=${ROUNDS_PREF_STEPS:-8}
mkdir -p "$home/feedback/reports" "$policies"
[ "$policies" = "./policies" ] || ln -sfn "$(pwd)/policies/base" "$policies/base"
step() { printf '\n== %s\n' "$*"; }

step "prompts for the review queue"
$rounds prompts import feedback/seed/prompts.jsonl --db "$db"

step "SFT: base model → sft-v1 ($sft_steps steps on feedback/seed/sft.jsonl)"
if ! $rounds policy show sft-v1 --policies "$policies" >/dev/null 2>&1; then
    $rounds sft --policies "$policies" --base policies/base --data feedback/seed/sft.jsonl \
        --validation feedback/seed/sft-heldout.jsonl --out sft-v1 --max-steps "$sft_steps" \
        --eval-every 0 --checkpoint-every 10 --resume
    $rounds policy promote sft-v1 --policies "$policies" --by main.sh --reason "first supervised policy"
fi

step "sampling: two answers from sft-v1 and one from the base model per prompt"
$rounds sample --db "$db" --policies "$policies" --policy "$policies/base" --n 1 --prompts "$prompts" --max-tokens 160
$rounds sample --db "$db" --policies "$policies" --policy sft-v1 --n 2 --prompts "$prompts" --max-tokens 160

step "review"
if [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; then
    me=${USER:-$(id -un)}
    $rounds reviewer add "$me" --db "$db" 2>/dev/null || true
    echo "Rate the queued answers (press ? for the guidelines, q to stop)."
    $rounds review --reviewer "$me" --db "$db"
fi
echo "Filling what is left of the queue with SIMULATED reviewers (scripted triage rule, labelled simulated-reviewer-N)."
$rounds simulate-review --db "$db"

step "preference training on the ratings: DPO from comparisons, KTO from judgments"
$rounds export --db "$db" --format preference --out "$home/feedback/reports/pairs.jsonl"
$rounds export --db "$db" --format unpaired --out "$home/feedback/reports/judgments.jsonl"
if [ -s "$home/feedback/reports/pairs.jsonl" ] && ! $rounds policy show dpo-v2 --policies "$policies" >/dev/null 2>&1; then
    $rounds dpo --policies "$policies" --policy sft-v1 --data "$home/feedback/reports/pairs.jsonl" --out dpo-v2 \
        --max-steps "$pref_steps" --batch-size 2 --max-length 384 --resume
fi
if [ -s "$home/feedback/reports/judgments.jsonl" ] && ! $rounds policy show kto-v2 --policies "$policies" >/dev/null 2>&1; then
    $rounds kto --policies "$policies" --policy sft-v1 --data "$home/feedback/reports/judgments.jsonl" --out kto-v2 \
        --max-steps "$pref_steps" --batch-size 4 --max-length 384 --resume
fi
if $rounds policy show dpo-v2 --policies "$policies" >/dev/null 2>&1; then
    $rounds sample --db "$db" --policies "$policies" --policy dpo-v2 --n 1 --prompts "$prompts" --max-tokens 160 --baseline sft-v1
fi

step "statistics"
$rounds stats --db "$db"
$rounds stats --db "$db" --format html --out "$home/feedback/reports/stats.html"
$rounds policy list --policies "$policies"
echo "Report: $home/feedback/reports/stats.html"
