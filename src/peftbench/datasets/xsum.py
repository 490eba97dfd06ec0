"""XSum extreme summarisation (EdinburghNLP/xsum; train -> test): ROUGE-L headline, ROUGE-1/2 too.

The seed document's extra task. The article comes first and the instruction last, so a prompt
cut from the left to fit `max_length` loses the start of the article, not the instruction. The
hub repo keeps a loading script on its main branch, so the pinned Parquet files are read directly.
"""

from __future__ import annotations

from typing import Any

from peftbench.datasets.base import Example, first_line, register
from peftbench.datasets.hub import HubSource, hub_spec

# The hub's Parquet conversion of the splits on main (the repository's loading script stays beside
# it, so the files are read directly).
REVISION = "7d4d486c2f8ef850b1a11aead99b894ff3dd7da9"
FILES = {s: f"data/{s}-00000-of-00001.parquet" for s in ("train", "validation", "test")}


def build_xsum(split: str, i: int, row: dict[str, Any]) -> Example | None:
    document, summary = str(row["document"] or "").strip(), str(row["summary"] or "").strip()
    if not document or not summary:
        return None
    prompt = f"Article:\n{document}\n\nSummarise the article above in one sentence."
    return Example(f"{split}-{row.get('id', i)}", prompt, summary, summary)


def parse_summary(text: str) -> str | None:
    return first_line(text) or None


register(
    hub_spec(
        name="xsum",
        source=HubSource("EdinburghNLP/xsum", None, REVISION, FILES),
        build=build_xsum,
        parse=parse_summary,
        group="summarization",
        description="BBC articles to one-sentence summaries (the seed document's extra task)",
        metric="rouge_l",
        extra_metrics=("rouge_1", "rouge_2"),
        splits=("train", "test"),
        max_new_tokens=64,
        system_prompt="Answer with a one-sentence summary only.",
    )
)
