"""Language identification of real exam questions (4 classes) from the `evals` wheel.

The `evals` registry ships school-exam questions written by people in many languages
(`<language>-exams-qa`, MIT). Here the task is to name the language of a question: Croatian,
Hungarian, Polish or Turkish (all Latin script, so the script alone does not give it away).
It is a classification task on real human-written text that SmolLM2-135M can learn within the
default suite's budget, unlike news-headline sarcasm (still registered as `sarcasm`): the
zero-shot model often names a wrong or related language, a few dozen training steps teach it the
four labels and their cues. The label comes from the file a question was published in. The
parser accepts an answer that names exactly one of the four languages on its first line, so a
zero-shot sentence ("This text is written in Polish.") counts; 8 new tokens leave room for it.

Per language the questions are de-duplicated, shuffled with a fixed seed and cut once: the first
`EVAL_PER_LANGUAGE` go to eval, the next `TRAIN_PER_LANGUAGE` to train (disjoint). Each question
is cut to its first `CHARS` characters (about 22 tokens; v1 kept 120, about 47) to keep
sequences short: on a CPU a prompt's prefill, not its answer, is what evaluation costs.
"""

from __future__ import annotations

import random
import re

from peftbench.cache import wheel_member
from peftbench.datasets.base import DatasetSpec, Example, LoadContext, first_line, register
from peftbench.datasets.splits import SPLIT_SEED, dedupe, last_message, read_jsonl

PACKAGE, VERSION = "evals", "3.0.1.post1"
LANGUAGES = ("croatian", "hungarian", "polish", "turkish")
MEMBER = "evals/registry/data/{}-exams-qa/samples.jsonl"
EVAL_PER_LANGUAGE, TRAIN_PER_LANGUAGE = 150, 600
CHARS = 64


def _snippet(text: str) -> str:
    """The question stem's first CHARS characters on one line, cut at a word boundary."""
    flat = " ".join(text.split("\nA.")[0].split())
    return flat if len(flat) <= CHARS else flat[:CHARS].rsplit(" ", 1)[0]


def _rows(language: str, split: str, ctx: LoadContext) -> list[str]:
    path = wheel_member(PACKAGE, VERSION, MEMBER.format(language), ctx.cache_dir)
    texts = [_snippet(last_message(r)) for r in dedupe(read_jsonl(path), last_message)]
    texts = list(dict.fromkeys(t for t in texts if t))  # equal snippets: keep one
    random.Random(SPLIT_SEED).shuffle(texts)
    if split == "eval":
        return texts[:EVAL_PER_LANGUAGE]
    if split == "train":
        return texts[EVAL_PER_LANGUAGE : EVAL_PER_LANGUAGE + TRAIN_PER_LANGUAGE]
    raise ValueError(f"unknown split '{split}' (expected 'train' or 'eval')")


def parse_language(text: str) -> str | None:
    """The one language the first line names ("Polish", "This text is written in Polish."), or
    None when it names none or several ("Polish or Turkish?"): a zero-shot model that answers
    in a sentence is read fairly, a hedge is not an answer."""
    named = {w for w in re.findall(r"[a-z]+", first_line(text).lower()) if w in LANGUAGES}
    return named.pop() if len(named) == 1 else None


def load(split: str, ctx: LoadContext) -> list[Example]:
    per_language = {lang: _rows(lang, split, ctx) for lang in LANGUAGES}
    n = min(len(v) for v in per_language.values())
    options = ", ".join(LANGUAGES[:-1]) + f" or {LANGUAGES[-1]}"
    out: list[Example] = []
    for i in range(n):  # interleaved, so any prefix of a split is balanced
        for lang in LANGUAGES:
            text = per_language[lang][i]
            prompt = f"Which language is this text written in? Answer {options}.\nText: {text}"
            out.append(Example(id=f"{split}-{len(out)}", prompt=prompt, answer=lang, gold=lang))
    return out


register(
    DatasetSpec(
        name="exam-langid",
        group="classification",
        description="language of real exam questions: croatian, hungarian, polish or turkish",
        source=f"package index: {PACKAGE}=={VERSION} wheel, "
        + ", ".join(MEMBER.format(lang) for lang in LANGUAGES),
        load=load,
        parse=parse_language,
        metric="accuracy",
        max_new_tokens=8,
        labels=LANGUAGES,
        system_prompt="Answer with one word.",
        version=f"{PACKAGE}-{VERSION}-v2",
        notes=(
            f"per language: de-duplicated, seeded shuffle, {EVAL_PER_LANGUAGE} eval / "
            f"{TRAIN_PER_LANGUAGE} train questions (disjoint), first {CHARS} characters"
        ),
    )
)
