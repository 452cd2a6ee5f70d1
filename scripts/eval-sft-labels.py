#!/usr/bin/env python3
"""Correct rates of a `rounds eval-sft --answers FILE` comparison judged against the prompt
file's own red-flag labels instead of the simulated reviewers' red-flag word list.

    scripts/eval-sft-labels.py ANSWERS.json PROMPTS.jsonl [--rounds 4000] [--seed 0]

The simulated reviewers decide whether a prompt has a red flag from a list of words
(`ScriptedReviewer.redFlagMarkers`). On `feedback/seed/prompts.jsonl` the list agrees with the
labels (a test checks it); on `feedback/seed/sft-heldout.jsonl` it finds none of the 5
labelled red-flag prompts, so there an answer that sends such a patient to emergency care
counts as wrong. This prints, per policy, the share of answers whose emergency mention
(`shape.mentionsEmergency`, the rule's own marker list) matches the label (non-triage prompts
count as no red flag; an empty answer is wrong), with a 95% Wilson interval, and the
difference with a 95% paired percentile bootstrap over prompts (a prompt's answers resampled
together), as `rounds eval-sft` does for its own figures. Standard library only.
"""
import argparse
import json
import math
import random


def wilson(k, n, z=1.959964):
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers")
    parser.add_argument("prompts")
    parser.add_argument("--rounds", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    dump = json.load(open(args.answers, encoding="utf-8"))
    labels = [json.loads(line) for line in open(args.prompts, encoding="utf-8") if line.strip()]
    if len(labels) < len(dump["prompts"]):
        raise SystemExit(f"{args.prompts}: {len(labels)} lines, but {args.answers} answers {len(dump['prompts'])} prompts")
    red = [bool(labels[i].get("red_flag")) for i in range(len(dump["prompts"]))]
    per_prompt = {}
    for who in ("candidate", "baseline"):
        hits = [[0, 0] for _ in dump["prompts"]]
        for a in dump[who]:
            ok = bool(a["text"].strip()) and a["shape"]["mentionsEmergency"] == red[a["prompt"]]
            hits[a["prompt"]][0] += ok
            hits[a["prompt"]][1] += 1
        per_prompt[who] = hits
        k, n = sum(h[0] for h in hits), sum(h[1] for h in hits)
        lo, hi = wilson(k, n)
        name = dump["baselineName"] if who == "baseline" else "candidate"
        print(f"correct by the file's labels, {name}: {k}/{n} = {k / n:.3f}  95% Wilson [{lo:.3f}, {hi:.3f}]")
    rng = random.Random(args.seed)
    m = len(dump["prompts"])
    diffs = []
    for _ in range(args.rounds):
        idx = [rng.randrange(m) for _ in range(m)]
        c = sum(per_prompt["candidate"][i][0] for i in idx) / max(1, sum(per_prompt["candidate"][i][1] for i in idx))
        b = sum(per_prompt["baseline"][i][0] for i in idx) / max(1, sum(per_prompt["baseline"][i][1] for i in idx))
        diffs.append(c - b)
    diffs.sort()
    c = sum(h[0] for h in per_prompt["candidate"]) / sum(h[1] for h in per_prompt["candidate"])
    b = sum(h[0] for h in per_prompt["baseline"]) / sum(h[1] for h in per_prompt["baseline"])
    lo, hi = diffs[int(0.025 * len(diffs))], diffs[int(0.975 * len(diffs)) - 1]
    print(f"difference candidate − baseline: {c - b:+.3f}  95% paired bootstrap over prompts [{lo:+.3f}, {hi:+.3f}]")
    print(f"labelled red-flag prompts: {sum(red)} of {m}")


if __name__ == "__main__":
    main()
