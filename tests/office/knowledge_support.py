"""The knowledge pages over real HTTP: an entry's form as the page gives it, posted back."""

from __future__ import annotations

import html
import re
from typing import Any

from aiohttp.test_utils import TestClient

FIELD = re.compile(
    r"<(input)([^>]*)>()|<(textarea|select)([^>]*)>(.*?)</(?:textarea|select)>", re.S
)
NAME = re.compile(r'\bname="([^"]+)"')
VALUE = re.compile(r'\bvalue="([^"]*)"')


def form_fields(page: str, form_id: str = "entry-form") -> dict[str, str]:
    """The named fields of the page's form with their values, as a browser would send them."""
    found = re.search(rf'<form[^>]*id="{form_id}"[^>]*>(.*?)</form>', page, re.S)
    assert found, f"no form #{form_id}"
    values: dict[str, str] = {}
    for found_field in FIELD.finditer(found.group(1)):
        tag, attributes, inner = [part for part in found_field.groups() if part is not None]
        named = NAME.search(attributes)
        if named is None:
            continue
        name = named.group(1)
        given = VALUE.search(attributes)
        value = given.group(1) if given else ""
        if tag == "textarea":
            values[name] = html.unescape(inner)
        elif tag == "select":
            chosen = re.search(r"<option[^>]*selected[^>]*>([^<]*)<", inner) or re.search(
                r"<option[^>]*>([^<]*)<", inner
            )
            values[name] = html.unescape(chosen.group(1)) if chosen else ""
        else:
            values[name] = html.unescape(value)
    return values


async def entry_form(client: TestClient, entry_id: str) -> dict[str, str]:
    response = await client.get(f"/office/knowledge/{entry_id}")
    assert response.status == 200, response.status
    return form_fields(await response.text())


async def post_entry(
    client: TestClient, entry_id: str, changes: dict[str, str], **fields: Any
) -> Any:
    values = await entry_form(client, entry_id)
    values.update(changes)
    return await client.post(f"/office/knowledge/{entry_id}", data=values, **fields)
