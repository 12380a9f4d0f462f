"""A dashboard over a real database with two employers, their mail read into drafts, and a
user per role. Requests go through FastAPI's TestClient (httpx); the database is real."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from dashboard.app import create_app
from loonbode.settings import Settings
from parsers.roster import Roster
from tests.parsers.conftest import ATELIER, GARAGE, ROSTER, build_mail
from workflows.inbound import store_inbound
from workflows.models import DraftRow
from workflows.pipeline import run_pending
from workflows.roster_store import import_roster
from workflows.users import create_user

PASSWORD = "correct horse battery"
USERS = {"admin": ("beheer@bureau.example", "admin", None),
         "bureau": ("anna@bureau.example", "bureau", None),
         "garage": ("ria@garagehoek.example", "employer", "garage-hoek"),
         "atelier": ("office@noorderlicht.example", "employer", "atelier-noorderlicht")}

GARAGE_MAIL = ("Goedemorgen,\n\nPriya Ramdin is sinds maandag ziek.\nGerrit heeft 6 overuren gemaakt à 125%.\n"
               "Stijn krijgt per 1 april een salaris van 3.100 euro per maand.\n\nMet vriendelijke groet,\nRia")
ATELIER_MAIL = "Hi,\n\nHannah Moore worked 4 hours overtime in March.\nDaniel is sick since Monday.\n\nBest, Office"


@dataclass
class Dashboard:
    engine: Engine
    data_dir: Path
    app: object
    drafts: dict[str, list[int]] = field(default_factory=dict)  # employer id -> draft ids

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver", follow_redirects=False)  # type: ignore[arg-type]

    def login(self, who: str) -> TestClient:
        client = self.client()
        log_in(client, USERS[who][0], PASSWORD)
        return client

    def draft(self, draft_id: int) -> DraftRow:
        with Session(self.engine) as session:
            found = session.get(DraftRow, draft_id)
            assert found is not None
            return found


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def log_in(client: TestClient, email: str, password: str) -> None:
    form = client.get("/login")
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/queue"


def page_csrf(client: TestClient, path: str = "/queue") -> str:
    return csrf_of(client.get(path).text)


@pytest.fixture
def dashboard(engine: Engine, data_dir: Path) -> Iterator[Dashboard]:
    yield seeded_dashboard(engine, data_dir)


def seeded_dashboard(engine: Engine, data_dir: Path) -> Dashboard:
    """Two employers, a user per role, and one mail per employer read into drafts."""
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    for email, role, employer in USERS.values():
        create_user(engine, email, role=role, password=PASSWORD, employer_id=employer, actor="test")
    store_inbound(engine, data_dir, build_mail(GARAGE_MAIL, sender=GARAGE), channel="smtp")
    store_inbound(engine, data_dir, build_mail(ATELIER_MAIL, sender=ATELIER, subject="Changes"), channel="smtp")
    run_pending(engine, data_dir, "test")
    # Two-factor login for the bureau is off here, so the suite logs in with a password; the tests of
    # two-factor login (tests/dashboard/test_two_factor.py) switch it on.
    board = Dashboard(engine=engine, data_dir=data_dir,
                      app=create_app(Settings(data_dir=data_dir, require_two_factor_for_bureau=False),  # type: ignore[call-arg]
                                     engine))
    with Session(engine) as session:
        for draft in session.exec(select(DraftRow).order_by(col(DraftRow.id))):
            board.drafts.setdefault(draft.employer_id or "", []).append(draft.id or 0)
    assert len(board.drafts.get("garage-hoek", [])) == 3 and len(board.drafts.get("atelier-noorderlicht", [])) == 2, \
        board.drafts
    return board


Login = Callable[[str], TestClient]
