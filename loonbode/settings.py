"""Loonbode's configuration: `LOONBODE_*` environment variables or a `.env` file.

Built by `load_settings()`, never at import time, so tests and tools pass their own.
The names and defaults are the contract in `shared/spec/cli.md`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOONBODE_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./loonbode-data")
    database_url: str | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    intake_addresses: str = "mutaties@bureau.example"
    relay_url: str | None = None
    from_address: str = "mutaties@bureau.example"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    imap_url: str | None = None
    telegram_token: str | None = None
    telegram_api_url: str | None = None
    secret_key: str | None = None  # unset: generated into the data dir on first start (`signing_key`)
    public_url: str | None = None  # how employers reach the dashboard, for links in mail; unset: http://HOST:PORT
    max_message_bytes: int = Field(default=25_000_000, description="SMTP answers 552 above this size")
    replies_per_sender_per_hour: int = 10
    smtp_tls_cert: Path | None = None
    smtp_tls_key: Path | None = None
    smtp_auth_users: str | None = None  # "user:password,user2:password2" enables AUTH
    smtp_timeout_seconds: float = Field(default=300.0, gt=0, description="an SMTP client silent this long "
                                        "(or one DATA taking longer) is disconnected")
    smtp_max_connections: int = Field(default=100, ge=1, description="SMTP sessions at once; more get 421")
    imap_poll_seconds: int = 60
    # Who really sent a mail (workflows/sender_checks.py): require | warn | off, unless the employer has its own.
    sender_policy: Literal["require", "warn", "off"] = "warn"
    trusted_authserv_ids: str = ""  # comma-separated: whose Authentication-Results header (the top one) to believe
    dkim_dns: bool = True  # look up DKIM keys in DNS; off: signatures are shown as not checked
    worker_poll_seconds: float = 1.0
    # Raw mail (and the attachments inside it) is deleted this many days after its drafts were all
    # exported or rejected; the drafts stay (workflows/retention.py). Quarantined and failed mail stays.
    retention_days: int = Field(default=90, ge=1)
    # Bureau and admin users must log in with a second factor (workflows/two_factor.py); `serve --demo` runs
    # with it off unless it is set. Employers' users need one when their employer requires it.
    require_two_factor_for_bureau: bool = True

    @property
    def trusted_authserv_list(self) -> list[str]:
        return [a.strip().lower() for a in self.trusted_authserv_ids.split(",") if a.strip()]

    @property
    def intake_list(self) -> list[str]:
        return [a.strip().lower() for a in self.intake_addresses.split(",") if a.strip()]

    @property
    def telegram_base_url(self) -> str:
        """LOONBODE_TELEGRAM_API_URL as python-telegram-bot wants it: ending in /bot (the token follows)."""
        return telegram_base_url(self.telegram_api_url)

    @property
    def dashboard_url(self) -> str:
        """The dashboard's address as links in outgoing mail give it, without a trailing slash."""
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @property
    def database(self) -> str:
        """The SQLAlchemy URL: the configured one, else a SQLite file in the data dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'loonbode.sqlite3').resolve()}"


def signing_key(settings: Settings) -> bytes:
    """LOONBODE_SECRET_KEY, or the key generated into the data dir on first start (kept 0600)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)  # atomic and never overwrites: a second process keeps the first key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is leeg; verwijder het bestand of zet LOONBODE_SECRET_KEY")
    return key.encode()


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def telegram_base_url(configured: str | None) -> str:
    base = (configured or "https://api.telegram.org").rstrip("/")
    return base if base.endswith("/bot") else f"{base}/bot"
