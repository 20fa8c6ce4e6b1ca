"""``optobot config``: the effective settings, secrets masked, and who gets told of leads."""

from __future__ import annotations

import argparse
import json

from pydantic import AliasChoices, SecretStr
from sqlalchemy.engine import make_url

from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "config",
        help="show the effective settings",
        description="Show the effective settings (secrets masked) and the staff targets.",
    )
    command.add_argument("--json", action="store_true", help="print JSON")
    command.set_defaults(run=run)


def effective(settings: Settings) -> dict[str, object]:
    shown: dict[str, object] = {}
    for name, info in type(settings).model_fields.items():
        value = getattr(settings, name)
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            key = str(alias.choices[0])
        else:
            key = f"OPTOBOT_{name.upper()}"
        if isinstance(value, SecretStr):
            value = "***" if value.get_secret_value() else ""
        elif isinstance(value, frozenset):
            value = sorted(value)
        elif value is not None and not isinstance(value, bool | int | float | list):
            value = str(value)
        shown[str(key)] = value
    shown["OPTOBOT_DATABASE_URL"] = make_url(settings.effective_database_url).render_as_string(
        hide_password=True
    )
    return shown


def run(settings: Settings, args: argparse.Namespace) -> int:
    shown = effective(settings)
    targets = settings.staff_targets()
    if args.json:
        print(json.dumps({"settings": shown, "staff_targets": targets}, indent=2))
        return 0
    width = max(len(key) for key in shown)
    for key, value in shown.items():
        print(f"{key:<{width}}  {'' if value is None else value}")
    print()
    if targets:
        print("staff are notified via: " + ", ".join(targets))
    else:
        print("staff targets: none configured: leads are stored, but nobody is notified")
    return 0
