"""Rendering pages: the Jinja2 environment (autoescaped) and the helpers templates may call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from dashboard.display import mutation_label, shown_fields, shown_value, status_label
from parsers.labels import field_label
from workflows.sender_checks import RESULT_LABELS

TEMPLATES = Path(__file__).with_name("templates")


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=str(TEMPLATES))  # autoescape is on for .html
    # Templates are read once: a deploy that swaps files under a running server must not mix a new
    # template with the old code that fills it.
    found.env.auto_reload = False
    found.env.globals.update(field_label=field_label, mutation_label=mutation_label, shown_fields=shown_fields,
                             shown_value=shown_value,
                             status_label=status_label, sender_label=RESULT_LABELS.get)
    return found


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """A page with the signed-in user (if any) in its context."""
    user = getattr(request.state, "user", None)
    return request.app.state.templates.TemplateResponse(request, name, {"user": user, **context},
                                                        status_code=status_code)
