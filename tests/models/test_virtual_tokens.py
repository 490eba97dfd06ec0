"""The one table of where peft puts virtual tokens names real peft prompt-learning types."""

from __future__ import annotations

from peftbench.models.virtual_tokens import PEFT_VIRTUAL_TOKENS


def test_every_listed_type_is_a_peft_type_of_the_installed_peft() -> None:
    from peft import PeftType

    values = {t.value for t in PeftType}
    assert set(PEFT_VIRTUAL_TOKENS) <= values  # a rename in peft would silently drop a fast path


def test_only_types_that_need_task_ids_leave_decoding_to_peft() -> None:
    assert {k for k, v in PEFT_VIRTUAL_TOKENS.items() if not v.own_decoding} == {
        "MULTITASK_PROMPT_TUNING"
    }
