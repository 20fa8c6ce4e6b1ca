"""The kinds of field a channel's settings mixin is made of, so every platform reads its
credentials and its staff ids the same way."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field
from pydantic_settings import NoDecode


def platform_env(name: str) -> Any:
    """A platform setting read under its usual name, without the ``OPTOBOT_`` prefix."""
    return Field(default=None, validation_alias=AliasChoices(name))


def _id_list(value: Any) -> Any:
    """Accept ids as an admin writes them: ``U01AB,U02CD`` or a JSON list."""
    if value is None or isinstance(value, list | tuple | frozenset | set):
        return value
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        return [str(item) for item in json.loads(text)]
    return [part.strip() for part in text.split(",") if part.strip()]


IdList = Annotated[frozenset[str], NoDecode, BeforeValidator(_id_list)]
"""A set of platform user ids (``OPTOBOT_STAFF_…_IDS``)."""
