"""Settings from the environment and `.env`.

Platform credentials keep the platform's usual names (each channel's fields are a mixin
composed in :mod:`bot.channels.settings`); the assistant's own settings start with
``OPTOBOT_``. Every secret may instead be given as a file, ``NAME_FILE=/run/secrets/name``
(Docker secrets), and is never shown in an error.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.channels.settings import SECRET_FIELDS, ChannelSettings

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = ("de", "en")
KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"

SECRETS = (
    "database_url",  # holds the database password
    "smtp_password",
    *SECRET_FIELDS,
)
"""The settings that may come from a file and whose value an error never repeats."""


class Settings(ChannelSettings, BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OPTOBOT_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    data_dir: Path = Path("./var")
    database_url: str | None = None
    knowledge_dir: Path = KNOWLEDGE_DIR
    default_language: Language = "de"
    staff_language: Language = "de"  # staff cards, e-mails and notices to the office
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    kb_reload_seconds: float = Field(default=5, gt=0)
    """How often every worker looks for entries saved in the office (and then serves them)."""
    kb_stale_days: int = Field(default=180, ge=1)
    """The office's list marks an entry not reviewed for this long."""
    kb_gaps_digest: bool = True
    """A weekly digest of the top unanswered questions to the staff chats."""

    office_email: str | None = None
    office_contact_email: str = "info@optonet-jena.de"
    office_website: str = "https://optonet-jena.de"
    office_timezone: str = "Europe/Berlin"
    """Times the command line shows staff (lead and outbox lists) are in this zone."""

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_sender: str = "optobot@optonet-jena.de"

    outbox_max_attempts: int = Field(default=8, ge=1)
    dialogue_expiry_days: int = Field(default=7, ge=1)
    reminder_hours: float = Field(default=24, gt=0)
    question_retention_days: int = Field(default=90, ge=1)
    outbox_retention_days: int = Field(default=30, ge=1)
    """Copies of sent messages are emptied after this; the platform's reference stays."""
    registration_retention_days: int = Field(default=365, ge=1)
    """Registrations lose their personal data this long after the training ended, as the
    registration's consent promises; the attendance figures stay."""
    rate_limit_per_minute: int = Field(default=20, ge=1)
    """Messages (text, stickers, photos, edits) per member and minute."""
    rate_limit_presses_per_minute: int = Field(default=60, ge=1)
    """Button presses per member and minute: a budget of its own, since a member clicks
    through a form faster than they type, but a forged press costs as much as a message."""

    http_host: str = "0.0.0.0"
    http_port: int = Field(default=8080, ge=1, le=65535)
    http_reuse_port: bool = False
    """Share the ports with other ``serve`` processes (set by ``serve --workers``)."""
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, le=65535)
    """``/metrics`` on a listener of its own, by default reachable from this machine only
    (the port Prometheus exporters commonly take; 0 lets the system pick one)."""
    http_access_log: bool = False
    """One log line per HTTP request: off by default, the proxy in front keeps those."""
    public_url: str | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = SecretFiles(settings_cls, env_settings, dotenv_settings)
        return init_settings, files, env_settings, dotenv_settings, file_secret_settings

    @field_validator("default_language", "staff_language", mode="before")
    @classmethod
    def _lower_language(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("office_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Berlin") from None
        return value

    @property
    def office_zone(self) -> ZoneInfo:
        return ZoneInfo(self.office_timezone)

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'optobot.sqlite3').resolve()}"

    @property
    def office(self) -> dict[str, str]:
        """What knowledge-base answers and templates may say about the office."""
        return {"email": self.office_contact_email, "website": self.office_website}

    def staff_targets(self) -> list[str]:
        """The configured ways of telling the office, by name: each channel with a staff
        chat, then e-mail."""
        # imported here, so loading the settings does not load the channel package
        from bot.channels.registry import staff_chats

        targets = list(staff_chats(self))
        if self.office_email and self.smtp_host:
            targets.append("email")
        return targets


class SettingsError(Exception):
    """A setting has a wrong value; the message names it in one line."""


class SecretFiles(PydanticBaseSettingsSource):
    """``NAME_FILE`` for each secret ``NAME``, from the environment or ``.env``: the value
    is the file's content without its final newline. Setting both is refused."""

    def __init__(self, settings_cls: type[BaseSettings], *sources: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self.sources = [source for source in sources if isinstance(source, EnvSettingsSource)]

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything happens in __call__

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in SECRETS:
            variable = _variable_name(field)
            path = self._lookup(variable + "_FILE")
            if not path:
                continue
            if self._lookup(variable):
                raise SettingsError(
                    f"invalid setting {variable}_FILE: set {variable} or {variable}_FILE, not both"
                )
            try:
                values[field] = Path(path).read_text().removesuffix("\n").removesuffix("\r")
            except OSError as error:
                raise SettingsError(
                    f"invalid setting {variable}_FILE: cannot read {path}: {error.strerror}"
                ) from None
        return values

    def _lookup(self, variable: str) -> str | None:
        for source in self.sources:
            value = source.env_vars.get(variable.lower())
            if value:
                return value
        return None


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            secret = field.lower() in SECRETS  # an alias is the field's name in capitals
            shown = "" if secret else f" (got {error.get('input')!r})"
            problems.append(f"{_variable_name(field)}: {error['msg']}{shown}")
        raise SettingsError("invalid setting " + "; ".join(problems)) from None


def _variable_name(field: str) -> str:
    """The environment variable of a field (or of an alias, as errors report them)."""
    if field.isupper():  # a platform setting, reported under its alias
        return field
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"OPTOBOT_{field.upper()}"
