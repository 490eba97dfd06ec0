"""XSum extreme summarisation (EdinburghNLP/xsum; train -> test): ROUGE-L headline, ROUGE-1/2 too.

The seed document's extra task. The article comes first and the instruction last, so a prompt
cut from the left to fit `max_length` loses the start of the article, not the instruction. The
hub repo keeps a loading script on its main branch, so the pinned Parquet files are read directly.
The source and limits are in `hub_datasets.toml` ([summarization.xsum]); this module reads rows.
"""

from __future__ import annotations

from peftbench.datasets.base import Example, Row, first_line


def build_xsum(split: str, i: int, row: Row) -> Example | None:
    document, summary = str(row["document"] or "").strip(), str(row["summary"] or "").strip()
    if not document or not summary:
        return None
    prompt = f"Article:\n{document}\n\nSummarise the article above in one sentence."
    return Example(f"{split}-{row.get('id', i)}", prompt, summary, summary)


def parse_summary(text: str) -> str | None:
    return first_line(text) or None
