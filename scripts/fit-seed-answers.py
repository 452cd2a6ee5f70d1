#!/usr/bin/env python3
"""Shorten the final answer of every seed example that the sampler could not finish.

    scripts/.venv-bench/bin/python scripts/fit-seed-answers.py [--budget 112] [--check] FILE...

The main job samples at most 128 new tokens per answer, so an SFT target longer than that
teaches the policy answers it will be cut off in (docs/sft-results.md). This keeps whole
lines of an over-budget answer, in their order, until the answer fits BUDGET tokens of the
base model's tokenizer (end-of-turn not counted):

- the lines the conventions require stay (feedback/seed/README.md): a triage answer's first
  line (`Urgency:` / `緊急度：`), a patient answer's `When to seek care:` / `受診の目安：` line and
  a medication answer's `Confirm with your prescriber…` / `処方医・薬剤師に確認：` line, and the
  first line of every answer (the letter's salutation, the summary's patient line, the
  answer's opening sentence);
- a heading line (ending in `:` / `：`, e.g. `While you wait:`) is kept only with the line
  after it;
- lines are added in order and adding stops at the first that does not fit, so what is kept
  is the answer's opening and its required closing line;
- when the required lines alone are over budget, they are cut after their first sentence(s)
  that fit (a triage answer's disposition line stays whole).

Documents are left whole (a discharge summary needs all four headings, a letter its
closing), and so are answers that still do not fit:
`rounds sft --max-answer-tokens` leaves them out of training. Every other line of the file
is written back unchanged. --check prints what would change and writes nothing.
Needs the base model (scripts/fetch-model.sh) and transformers (the bench venv).
"""
import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIRED_LAST = {
    "patient-question": ("When to seek care:", "受診の目安："),
    "medication": ("Confirm with your prescriber or pharmacist", "処方医・薬剤師に確認："),
}
SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+")


def tokenizer():
    from transformers import AutoTokenizer
    model = ROOT / "policies/base"
    return AutoTokenizer.from_pretrained(str(model), gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")


def required(category, lines):
    """Indices of the lines the conventions (and the answer's opening) need."""
    keep = {0}
    ends = REQUIRED_LAST.get(category)
    if ends:
        for i in range(len(lines) - 1, -1, -1):
            if lines[i].startswith(ends):
                keep.add(i)
                break
    return keep


def render(lines, keep):
    """The kept lines in order; a blank line between two kept lines stays (once)."""
    out, gap = [], False
    for i, line in enumerate(lines):
        if not line.strip():
            gap = bool(out)
            continue
        if i in keep:
            if gap:
                out.append("")
            out.append(line)
            gap = False
    return "\n".join(out)


def first_sentences(line, fits):
    """The longest prefix of whole sentences of `line` for which `fits` holds (at least one)."""
    parts = [p for p in SENTENCE_END.split(line) if p]
    best = parts[0].strip()
    for n in range(2, len(parts) + 1):
        candidate = "".join(p if re.search(r"[。！？]$", p) else p + " " for p in parts[:n]).strip()
        if fits(candidate):
            best = candidate
        else:
            break
    return best


def shorten(answer, category, count, budget):
    if category == "documentation" or count(answer) <= budget:
        return answer
    lines = answer.split("\n")
    keep = required(category, lines)
    fits = lambda ks: count(render(lines, ks)) <= budget
    if not fits(keep):
        # The triage disposition line stays whole; other required lines lose sentences.
        for i in sorted(keep - {0} if category == "triage" else keep):
            others = render(lines, keep - {i})
            lines[i] = first_sentences(lines[i], lambda s: count(others + "\n" + s) <= budget)
        if not fits(keep):
            return answer
    i = 0
    while i < len(lines):
        if i in keep or not lines[i].strip():
            i += 1
            continue
        group = {i}
        if lines[i].rstrip().endswith((":", "：")) and i + 1 < len(lines) and lines[i + 1].strip():
            group.add(i + 1)
        if not fits(keep | group):
            break  # the lines kept stay a prefix of the answer (no bullet without its heading)
        keep |= group
        i += max(group) - i + 1
    return render(lines, keep)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--budget", type=int, default=112)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    tok = tokenizer()
    count = lambda text: len(tok(text, add_special_tokens=False)["input_ids"])
    for name in args.files:
        path = Path(name)
        out, changed, still = [], 0, 0
        for line in path.read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            answer = obj["messages"][-1]["content"]
            short = shorten(answer, obj["category"], count, args.budget)
            if short != answer:
                changed += 1
                obj["messages"][-1]["content"] = short
                line = json.dumps(obj, ensure_ascii=False)
            if count(short) > args.budget:
                still += 1
            out.append(line)
        print(f"{name}: {changed} answers shortened, {still} still over {args.budget} tokens")
        if not args.check:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("\n".join(out) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)


if __name__ == "__main__":
    main(sys.argv[1:])
