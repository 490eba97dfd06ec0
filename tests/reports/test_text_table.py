"""The one fixed-width table printer."""

from __future__ import annotations

from peftbench.reports.text_table import fixed_width


def test_plain_columns_pad_to_the_widest_cell_and_align_numbers_right() -> None:
    text = fixed_width(["name", "score"], [["lora", "81.2"], ["ia3", "9.5"]], right=[False, True])
    assert text.splitlines() == [
        "name  score",
        "----  -----",
        "lora   81.2",
        "ia3     9.5",
    ]


def test_markdown_form_is_a_pipe_table() -> None:
    text = fixed_width(["a", "bb"], [["xyz", "1"]], markdown=True)
    assert text.splitlines() == ["| a   | bb |", "|-----|----|", "| xyz | 1  |"]
