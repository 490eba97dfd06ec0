"""The one silencer of library chatter that says nothing about a run (deprecation notices, peft's
remarks about layer types and defaults); used by runs, tuning and `ls methods --params`."""

from __future__ import annotations

import warnings


def quiet_libraries() -> None:
    warnings.filterwarnings("ignore", message=".*past_key_values.*")
    warnings.filterwarnings("ignore", message=".*[Pp]osition ids are not supported.*")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="peft")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
    except ImportError:
        pass
