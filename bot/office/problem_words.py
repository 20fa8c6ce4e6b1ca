"""A checker's problem in the staff member's language, for the office's forms.

The checks of ``knowledge/`` speak English for the CLI; a problem with a ``code`` is worded
from its block in ``office/problems.j2``, and one without (or with a code no block has yet)
keeps its English message, so a problem is never shown blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.templates import Templates

PROBLEMS = "office/problems"


def worded(
    templates: Templates, language: str, code: str, params: Mapping[str, Any], message: str
) -> str:
    if code and templates.has_block(language, PROBLEMS, code):
        return templates.render_block(language, PROBLEMS, code, **params)
    return message
