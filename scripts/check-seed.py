#!/usr/bin/env python3
"""Check the bundled seed sets in feedback/seed/ before they reach training or review.

    scripts/check-seed.py [SEED_DIR]

Checks every line of sft.jsonl, sft-heldout.jsonl and prompts.jsonl: it parses as one JSON
object, roles come in a valid order (optional system, then user/assistant alternating,
ending with assistant), nothing is empty, the example fits the length budget of the 135M
model, metadata (category, language, red_flag) is valid, the answer follows the convention
of its category (see feedback/seed/README.md), and no prompt appears twice across the
files (after normalisation) or as a near-paraphrase. Prints counts per category and
language. Exits 1 after printing `file:line: reason` for every problem. Standard library
only, so it runs before anything is installed.
"""
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

CATEGORIES = ("patient-question", "documentation", "medication", "triage")
LANGUAGES = ("en", "ja")
# Total characters over all messages of one example. Japanese costs about three tokens a
# character in the SmolLM2 tokenizer, English about a quarter token; both budgets keep an
# example near 300 tokens so CPU training of the 135M model stays short.
MAX_CHARS = {"en": 900, "ja": 400}
MIN_SFT = 300
# Two prompts whose character-trigram sets overlap this much are the same question reworded.
NEAR_DUPLICATE_JACCARD = 0.8

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
UNICODE_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")

# Answer conventions, checked on the last assistant message (README: "Answer conventions").
PATIENT_END = {"en": "When to seek care:", "ja": "受診の目安："}
MEDICATION_END = {"en": "Confirm with your prescriber or pharmacist", "ja": "処方医・薬剤師に確認："}
TRIAGE_START = {"en": "Urgency:", "ja": "緊急度："}
EMERGENCY = {"en": "emergency department", "ja": "救急外来"}
DOC_HEADINGS = {
    "en": ("Diagnosis:", "Hospital course:", "Medications on discharge:", "Follow-up:"),
    "ja": ("診断：", "入院経過：", "退院時処方：", "フォローアップ："),
}
LETTER_START = {"en": "Dear Dr", "ja": "先生 御侍史"}
SUMMARY_WORDS = {"en": ("discharge summary",), "ja": ("退院サマリー",)}
LETTER_WORDS = {"en": ("referral", "letter"), "ja": ("紹介状", "返書")}


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, reason):
        self.items.append(f"{where}: {reason}")


def normalise(text):
    """NFKC, case-folded, letters and digits only: 'Is it OK?' and 'is it ok' collide."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def trigrams(text):
    return {text[i:i + 3] for i in range(max(1, len(text) - 2))}


def check_meta(obj, where, problems, allow_missing_red_flag=False):
    category, language = obj.get("category"), obj.get("language")
    if category not in CATEGORIES:
        problems.add(where, f"category must be one of {', '.join(CATEGORIES)} (got {category!r})")
    if language not in LANGUAGES:
        problems.add(where, f"language must be 'en' or 'ja' (got {language!r})")
    if category == "triage":
        if not isinstance(obj.get("red_flag"), bool):
            problems.add(where, "triage items need \"red_flag\": true or false")
    elif "red_flag" in obj:
        problems.add(where, "red_flag belongs to triage items only; remove it")
    return category, language


def check_language(text, language, where, problems):
    has_japanese = bool(JAPANESE.search(text))
    if language == "ja" and not has_japanese:
        problems.add(where, "language is 'ja' but the prompt has no Japanese text")
    if language == "en" and has_japanese:
        problems.add(where, "language is 'en' but the prompt contains Japanese text")


def check_conventions(obj, answer, where, problems):
    category, language = obj.get("category"), obj.get("language")
    if language not in LANGUAGES:
        return
    last_line = answer.strip().splitlines()[-1]
    if category == "patient-question" and not last_line.startswith(PATIENT_END[language]):
        problems.add(where, f"patient answers end with a line starting {PATIENT_END[language]!r}")
    elif category == "medication" and not last_line.startswith(MEDICATION_END[language]):
        problems.add(where, f"medication answers end with a line starting {MEDICATION_END[language]!r}")
    elif category == "triage":
        if not answer.startswith(TRIAGE_START[language]):
            problems.add(where, f"triage answers start with {TRIAGE_START[language]!r}")
        names_emergency = EMERGENCY[language] in answer
        if obj.get("red_flag") is True and not names_emergency:
            problems.add(where, f"red-flag triage answer must name {EMERGENCY[language]!r}")
        if obj.get("red_flag") is False and names_emergency:
            problems.add(where, f"non-red-flag triage answer must not send to {EMERGENCY[language]!r}")
    elif category == "documentation":
        # The first prompt names the document (later turns ask for edits); the answer must
        # take that document's shape.
        prompt = next(m["content"] for m in obj["messages"] if m["role"] == "user").casefold()
        headings = DOC_HEADINGS[language]
        missing = [h for h in headings if h not in answer]
        first_line = answer.strip().splitlines()[0]
        if any(word in prompt for word in SUMMARY_WORDS[language]):
            if missing:
                problems.add(where, f"discharge summary is missing heading(s) {missing}")
        elif any(word in prompt for word in LETTER_WORDS[language]):
            if LETTER_START[language] not in first_line:
                problems.add(where, f"letters start with a line containing {LETTER_START[language]!r}")
        elif len(missing) < len(headings) and missing:
            problems.add(where, f"discharge summary is missing heading(s) {missing}")
        elif re.search(r"^[^\n]{1,30}[:：]", answer, re.M) is None:
            problems.add(where, "documents use headings ('X:') or start like a letter")


def check_chat_line(obj, where, problems):
    messages = obj.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        problems.add(where, "needs \"messages\": a list of at least a user and an assistant message")
        return None
    roles = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            problems.add(where, f"messages[{i}] is not an object")
            return None
        role, content = message.get("role"), message.get("content")
        if role not in ("system", "user", "assistant"):
            problems.add(where, f"messages[{i}].role must be system, user or assistant (got {role!r})")
        if not isinstance(content, str) or not content.strip():
            problems.add(where, f"messages[{i}].content is empty or not a string")
            return None
        if content != content.strip():
            problems.add(where, f"messages[{i}].content has leading or trailing whitespace")
        roles.append(role)
    body = roles[1:] if roles[0] == "system" else roles
    expected = ["user", "assistant"] * (len(body) // 2)
    if body != expected or not body:
        problems.add(where, f"roles must be [system], user, assistant, user, assistant…; got {roles}")
        return None
    category, language = check_meta(obj, where, problems)
    prompt = next(m["content"] for m in messages if m["role"] == "user")
    check_language(prompt, language, where, problems)
    total = sum(len(m["content"]) for m in messages)
    if language in MAX_CHARS and total > MAX_CHARS[language]:
        problems.add(where, f"{total} characters; {language} examples stay under {MAX_CHARS[language]}")
    check_conventions(obj, messages[-1]["content"], where, problems)
    return prompt, len(body) // 2


def check_prompt_line(obj, where, problems):
    prompt = obj.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        problems.add(where, "needs a non-empty \"prompt\" string")
        return None
    category, language = check_meta(obj, where, problems)
    check_language(prompt, language, where, problems)
    if language in MAX_CHARS and len(prompt) > MAX_CHARS[language] // 2:
        problems.add(where, f"prompt is {len(prompt)} characters; keep it under {MAX_CHARS[language] // 2}")
    return prompt, 1


def read_file(path, kind, problems):
    """Returns [(where, obj, prompt, turns)] for the lines that passed the structural checks."""
    rows = []
    if not path.exists():
        problems.add(str(path), "file is missing")
        return rows
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.add(str(path), f"not UTF-8 ({error})")
        return rows
    if not text:
        problems.add(str(path), "file is empty")
        return rows
    if not text.endswith("\n"):
        problems.add(f"{path}:{text.count(chr(10)) + 1}", "last line needs a newline")
    lines = text.split("\n")
    for number, line in enumerate(lines[:-1] if text.endswith("\n") else lines, 1):
        where = f"{path}:{number}"
        if not line.strip():
            problems.add(where, "empty line; JSONL has one object on every line")
            continue
        if UNICODE_ESCAPE.search(line):
            problems.add(where, "write characters as UTF-8, not \\u escapes (json.dumps(..., ensure_ascii=False))")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            problems.add(where, f"not valid JSON: {error}")
            continue
        if not isinstance(obj, dict):
            problems.add(where, "each line is one JSON object")
            continue
        checked = check_chat_line(obj, where, problems) if kind == "chat" else check_prompt_line(obj, where, problems)
        if checked:
            rows.append((where, obj, checked[0], checked[1]))
    return rows


def check_duplicates(all_rows, problems):
    seen = {}
    grams = []
    for where, _, prompt, _ in all_rows:
        key = normalise(prompt)
        if key in seen:
            problems.add(where, f"duplicate prompt (first at {seen[key]})")
            continue
        seen[key] = where
        grams.append((where, trigrams(key)))
    for i, (where_a, a) in enumerate(grams):
        for where_b, b in grams[i + 1:]:
            overlap = len(a & b) / len(a | b)
            if overlap >= NEAR_DUPLICATE_JACCARD:
                problems.add(where_b, f"near-duplicate of {where_a} (trigram overlap {overlap:.2f})")


def print_counts(name, rows):
    counts = Counter((obj.get("category"), obj.get("language")) for _, obj, _, _ in rows)
    red = Counter(obj.get("language") for _, obj, _, _ in rows if obj.get("red_flag") is True)
    multi = sum(1 for *_, turns in rows if turns > 1)
    print(f"{name}: {len(rows)} items ({multi} multi-turn)")
    print(f"  {'category':<18}{'en':>5}{'ja':>5}{'total':>7}")
    for category in CATEGORIES:
        en, ja = counts[(category, "en")], counts[(category, "ja")]
        print(f"  {category:<18}{en:>5}{ja:>5}{en + ja:>7}")
    en_total = sum(v for (c, l), v in counts.items() if l == "en")
    ja_total = sum(v for (c, l), v in counts.items() if l == "ja")
    print(f"  {'all':<18}{en_total:>5}{ja_total:>5}{en_total + ja_total:>7}"
          f"   ja share {ja_total / max(1, en_total + ja_total):.0%}")
    print(f"  triage red-flag: en {red['en']}, ja {red['ja']}")


def main(argv):
    root = Path(__file__).resolve().parent.parent
    seed = Path(argv[1]) if len(argv) > 1 else root / "feedback" / "seed"
    try:
        seed = seed.resolve().relative_to(Path.cwd())
    except ValueError:
        pass
    problems = Problems()
    files = [("sft.jsonl", "chat"), ("sft-heldout.jsonl", "chat"), ("prompts.jsonl", "prompt")]
    rows_by_file = {name: read_file(seed / name, kind, problems) for name, kind in files}
    if 0 < len(rows_by_file["sft.jsonl"]) < MIN_SFT:
        problems.add(str(seed / "sft.jsonl"), f"{len(rows_by_file['sft.jsonl'])} examples; the seed needs at least {MIN_SFT}")
    check_duplicates([row for rows in rows_by_file.values() for row in rows], problems)
    for name, _ in files:
        print_counts(name, rows_by_file[name])
    for problem in problems.items:
        print(problem, file=sys.stderr)
    if problems.items:
        print(f"{len(problems.items)} problem(s)", file=sys.stderr)
        return 1
    print("seed sets OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
