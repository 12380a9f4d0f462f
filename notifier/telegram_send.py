"""Handing one message to the Telegram Bot API (sendMessage), with errors the outbox understands."""

from __future__ import annotations

import json
from typing import Any

import httpx

from loonbode.settings import Settings
from notifier.mailer import SendError

TIMEOUT_SECONDS = 20.0


def send_telegram(settings: Settings, *, chat_id: str, text: str, reply_markup: dict[str, Any] | None = None) -> None:
    """Raise SendError: `relay_down` when the Bot API cannot be reached, `permanent` when it refuses the
    chat for good (blocked, not found)."""
    url = f"{settings.telegram_base_url}{settings.telegram_token}/sendMessage"
    try:
        data = {"chat_id": chat_id, "text": text}
        if reply_markup:
            data["reply_markup"] = json.dumps(reply_markup)
        answer = httpx.post(url, data=data, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise SendError(f"Bot API onbereikbaar: {type(exc).__name__}", relay_down=True) from exc
    if answer.status_code == 200:
        return
    try:
        description = str(answer.json().get("description", ""))
    except ValueError:
        description = answer.text[:200]
    raise SendError(f"Bot API {answer.status_code}: {description}",
                    permanent=answer.status_code in (400, 403), relay_down=answer.status_code in (401, 404, 502, 503))
