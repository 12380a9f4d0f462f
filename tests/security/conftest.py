"""What the adversarial tests share: the dashboard of `tests.dashboard.conftest` with one object of
every kind per employer (a leave request with its mailed decision links, a payroll period, an
export), a database snapshot to prove that a refused request changed nothing, and a reading of
a page that says which elements and attributes it really has.

Every check here is one an attacker would try; each can fail, and the tests that use them also
show the positive case, so a refusal is never the only thing a test sees.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from loonbode.settings import Settings
from notifier.leave_approvals import request_notifier
from tests.dashboard.conftest import Dashboard, seeded_dashboard
from tests.parsers.conftest import build_mail
from workflows.export import export_period
from workflows.inbound import store_inbound
from workflows.leave_ledger import accrue_year, request_leave
from workflows.models import (
    DraftRow,
    DraftStatus,
    Employee,
    ExportBatch,
    InboundMessage,
    OutboundMessage,
    SenderAddress,
    User,
)
from workflows.payroll_periods import ensure_period
from workflows.pipeline import run_pending
from workflows.review import approve

GARAGE_ID, ATELIER_ID = "garage-hoek", "atelier-noorderlicht"
EMPLOYER_OF = {"garage": GARAGE_ID, "atelier": ATELIER_ID}  # employer user -> its employer
OTHER = {"garage": "atelier", "atelier": "garage"}
PERIOD = "2026-03"
LEAVE_EMPLOYEE = {GARAGE_ID: "72", ATELIER_ID: "9001"}  # Priya Ramdin, Hannah Moore
# Words that only ever appear on a page of that employer: its name, id, mail domain and people.
MARKERS = {GARAGE_ID: ("Garage Hoek", GARAGE_ID, "garagehoek.example", "Ramdin", "Verbeek", "Gerrit", "Priya"),
           ATELIER_ID: ("Noorderlicht", ATELIER_ID, "noorderlicht.example", "Hannah", "Moore", "Okafor", "Daniel")}
LINK = re.compile(r"https://loon\.bureau\.example/leave/decide/(\S+)")


@dataclass
class World:
    """The seeded dashboard and, per employer, the id of one object of every kind it owns, keyed by
    the path parameter that names it (`draft_id`, `request_id`, …)."""

    board: Dashboard
    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    quarantined: list[int] = field(default_factory=list)  # two mails from unknown senders

    @property
    def engine(self) -> Engine:
        return self.board.engine


def build_world(engine: Engine, data_dir: Path) -> World:
    board = seeded_dashboard(engine, data_dir)
    settings = Settings(data_dir=data_dir, public_url="https://loon.bureau.example/")  # type: ignore[call-arg]
    world = World(board=board)
    for sender in ("Onbekend <iemand@elders.example>", "Ander <ander@elders.example>"):
        world.quarantined.append(store_inbound(engine, data_dir, build_mail(
            "Graag Piet de Vries 8 overuren uitbetalen.", sender=sender), channel="smtp"))
    run_pending(engine, data_dir, "test")
    for employer_id in (GARAGE_ID, ATELIER_ID):
        drafts = [board.draft(i) for i in board.drafts[employer_id]]
        exportable = next(d for d in drafts if d.period == PERIOD
                          and not any(i["severity"] == "error" for i in d.issues))
        assert exportable.id is not None
        approve(engine, exportable.id, scope=None, actor="test")
        export = export_period(engine, employer_id, PERIOD, "test")
        with Session(engine) as session:
            employee = session.exec(select(Employee).where(Employee.employer_id == employer_id,
                                                           Employee.number == LEAVE_EMPLOYEE[employer_id])).one()
            employee_id = employee.id
            assert employee_id is not None
            ensure_period(session, employer_id, PERIOD)
            session.commit()
        accrue_year(engine, employee_id, 2026, actor="test")
        leave = request_leave(engine, employee_id, "vacation", dt.date(2026, 12, 14), dt.date(2026, 12, 15), 8,
                              "telegram", "Twee dagen vrij graag.", on_requested=request_notifier(settings))
        with Session(engine) as session:
            new_draft = session.exec(select(DraftRow).where(DraftRow.employer_id == employer_id,
                                                            DraftRow.status == DraftStatus.NEW)
                                     .order_by(col(DraftRow.id))).first()
            inbound = session.exec(select(InboundMessage).where(InboundMessage.employer_id == employer_id)).first()
            address = session.exec(select(SenderAddress).where(SenderAddress.employer_id == employer_id)).first()
            user = session.exec(select(User).where(User.employer_id == employer_id)).one()
            batch = session.get(ExportBatch, export.batch_id)
            mail = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "leave_request",
                                                              OutboundMessage.to_address == user.email)).one()
        assert new_draft and inbound and address and batch and leave.id
        world.ids[employer_id] = {
            "draft_id": str(new_draft.id), "inbound_id": str(inbound.id), "employer_id": employer_id,
            "employee_id": str(employee_id), "request_id": str(leave.id), "period": PERIOD,
            "batch_id": str(batch.id), "name": sorted(batch.files)[0], "address_id": str(address.id),
            "user_id": str(user.id), "token": LINK.findall(mail.body)[0]}
    return world


@pytest.fixture
def world(engine: Engine, data_dir: Path) -> World:
    return build_world(engine, data_dir)


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as text: two equal snapshots mean nothing was written."""
    tables: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(table.select()).mappings().all()
            tables[table.name] = sorted(json.dumps(dict(r), sort_keys=True, default=str) for r in rows)
    return tables


def foreign_markers(text: str, employer_id: str) -> list[str]:
    """The marker words of `employer_id` found in a page."""
    return [m for m in MARKERS[employer_id] if m.lower() in text.lower()]


# ---------------------------------------------------------------------------------------------------------------
# What a page really is, element by element


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


@dataclass
class Page:
    html: str
    elements: list[Element]
    text: str  # the text a reader sees (entities decoded), with attribute values after it

    def tags(self, name: str) -> list[Element]:
        return [e for e in self.elements if e.tag == name]


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    attribute_text = [v for e in reader.elements for v in e.attrs.values()]
    return Page(html=html, elements=reader.elements, text="\n".join(reader.texts + attribute_text))


URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href", "poster", "background")
FORBIDDEN_TAGS = ("img", "style", "iframe", "object", "embed", "svg", "math", "base", "frame", "frameset")


def active_content(page: Page) -> list[str]:
    """Everything in a page that could run, restyle or navigate without the dashboard's own code:
    inline scripts, event handler and style attributes, script-capable URLs, and elements the
    templates never write (img, style, iframe, …). Empty for a safe page."""
    found: list[str] = []
    for element in page.elements:
        if element.tag == "script" and not element.attrs.get("src", "").startswith("/static/"):
            found.append(f"inline or foreign <script {element.attrs}>")
        if element.tag in FORBIDDEN_TAGS:
            found.append(f"<{element.tag} {element.attrs}>")
        if element.tag == "meta" and element.attrs.get("http-equiv", "").lower() == "refresh":
            found.append(f"<meta refresh {element.attrs}>")
        for name, value in element.attrs.items():
            if name.startswith("on"):
                found.append(f"event handler {name}= on <{element.tag}>")
            if name == "style":
                found.append(f"style attribute on <{element.tag}>")
            scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name in URL_ATTRIBUTES and scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                found.append(f"{name}={value!r} on <{element.tag}>")
    for raw in ("<script>alert", "<img src=x", "<style>body", "<a href=\"javascript:", "<svg", "<iframe"):
        if raw in page.html:
            found.append(f"raw {raw!r} in the HTML")
    return found


