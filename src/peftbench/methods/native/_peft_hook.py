"""Registering peftbench's own tuners with peft, through peft's `register_peft_method` hook.

peft's hook only accepts names that are members of its closed `PeftType` enum. A tuner defined
outside peft therefore first needs its member added to that enum; after that, the hook fills the
same four tables (config, tuner, prefix) that peft's built-in tuners use, so `get_peft_model`,
`save_pretrained`, `PeftConfig.from_pretrained` and `PeftModel.from_pretrained` treat the tuner
like any other. The enum member has the same name and value as a built-in one would
(`PeftType.BITFIT == "BITFIT"`), so `adapter_config.json` reads `"peft_type": "BITFIT"`.

Loading a saved adapter in a fresh process needs the tuner module imported first (it registers at
import time), exactly as for any out-of-tree peft extension.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peft.utils.peft_types import PeftType, register_peft_method

if TYPE_CHECKING:  # annotations only
    from peft.config import PeftConfig
    from peft.tuners.tuners_utils import BaseTuner


def _add_peft_type(member_name: str) -> None:
    """Add `member_name` to `PeftType` the way the enum machinery would have at class creation.

    `PeftType` is a `str` enum, so a member is a `str` instance of the enum class; it must appear in
    the name and value maps (lookups `PeftType[...]`, `PeftType(...)`), in the member list
    (iteration, which `register_peft_method` checks) and as a class attribute (`PeftType.X`).
    """
    if member_name in PeftType.__members__:
        return
    member = str.__new__(PeftType, member_name)
    member._name_ = member_name
    member._value_ = member_name
    PeftType._member_map_[member_name] = member
    PeftType._value2member_map_[member_name] = member
    PeftType._member_names_.append(member_name)
    type.__setattr__(PeftType, member_name, member)


def register_native_peft_method(
    name: str, config_cls: type[PeftConfig], model_cls: type[BaseTuner]
) -> None:
    """Register a peftbench tuner with peft (idempotent: re-importing the module is harmless).

    A second registration of the same tuner (same module and class name, e.g. after a module
    reload) replaces the tables' entries; a clash with a tuner from elsewhere is an error, so
    peftbench never silently shadows a method that a future peft release might add.
    """
    from peft.mapping import (
        PEFT_TYPE_TO_CONFIG_MAPPING,
        PEFT_TYPE_TO_PREFIX_MAPPING,
        PEFT_TYPE_TO_TUNER_MAPPING,
    )

    _add_peft_type(name.upper())
    peft_type = PeftType[name.upper()]
    existing = PEFT_TYPE_TO_TUNER_MAPPING.get(peft_type)
    if existing is not None:
        owner = f"{existing.__module__}.{existing.__qualname__}"
        if owner != f"{model_cls.__module__}.{model_cls.__qualname__}":
            raise KeyError(f"peft already has a method '{name}' ({owner})")
        PEFT_TYPE_TO_CONFIG_MAPPING[peft_type] = config_cls
        PEFT_TYPE_TO_TUNER_MAPPING[peft_type] = model_cls
        PEFT_TYPE_TO_PREFIX_MAPPING[peft_type] = model_cls.prefix
        return
    register_peft_method(
        name=name, config_cls=config_cls, model_cls=model_cls, prefix=model_cls.prefix
    )
