"""Whatever an employer, an employee or a stranger writes is shown as text, on every page it reaches.

Markup goes in where each kind of text really enters: mail bodies, subjects, sender names,
attachment names and spreadsheet cells through the intake pipeline (`store_inbound` +
`run_pending`); employer and employee names through a roster import; rejection reasons through
the dashboard's own forms; leave texts through a leave request. Every page that shows them is then
read element by element: no script, event handler, style, `javascript:` link or element came from
the input, the input itself is visible as text, and `{{7*7}}` stays `{{7*7}}`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from email.utils import formataddr
from pathlib import Path

import httpx
import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.leave_approvals import request_notifier
from parsers.roster import Roster
from tests.dashboard.conftest import Dashboard, page_csrf, seeded_dashboard
from tests.parsers.conftest import build_mail
from tests.security.conftest import Page, active_content, read_page
from workflows.export import export_period
from workflows.inbound import store_inbound
from workflows.leave_ledger import accrue_year, decide, request_leave
from workflows.models import DraftRow, Employee, InboundMessage, InboundStatus, OutboundMessage
from workflows.pipeline import run_pending
from workflows.review import approve
from workflows.roster_store import import_roster

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = '<a href="javascript:alert(1)">klik</a>'
STYLE = "<style>body{display:none}</style>"
TEMPLATE = "TPL{{7*7}}END"
QUOTES = "x\" onmouseover=\"alert(1)\" y='z' onfocus='alert(2)' <!--"
PAYLOAD = f"{SCRIPT} {IMG} {LINK} {STYLE} {TEMPLATE} {QUOTES}"
SHORT = f"{SCRIPT}{IMG}{TEMPLATE}"  # fits a name column
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME = f"{IMG} {TEMPLATE}.xlsx"
HOSTILE_ID = "kwaad-bv"
HOSTILE_SENDER = "loon@kwaad.example"


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Mutaties"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Hostile:
    """A dashboard where every free text a user or sender controls holds the payload."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.board: Dashboard = seeded_dashboard(engine, data_dir)
        self.engine, self.data_dir = engine, data_dir
        import_roster(engine, Roster.model_validate({"employers": [{
            "id": HOSTILE_ID, "name": f"Kwaad {SHORT}", "senders": [HOSTILE_SENDER],
            "employees": [{"number": "1", "first_name": f"{IMG}{TEMPLATE}", "last_name": f"{SCRIPT}{STYLE}",
                           "hours_per_week": 40, "email": "medewerker@kwaad.example"}]}]}), actor="test")
        self.mail = self._mail(build_mail(
            f"Goedemorgen,\n\nZie de bijlage.\n{PAYLOAD}\nPriya Ramdin is sinds maandag ziek.\n\nGroet, Ria",
            sender=formataddr((f"Ria {SHORT}", "ria@garagehoek.example")), subject=f"Mutaties {PAYLOAD}",
            html=f"<p>Zie de bijlage.</p><p>{PAYLOAD}</p><p>Priya Ramdin is sinds maandag ziek.</p>",
            attachments=[(SHEET_NAME, workbook([
                ["Pnr", "Medewerker", "Soort mutatie", "Ingangsdatum", "Aantal uren", "Bedrag", "Opmerking"],
                [72, "Priya Ramdin", "Declaratie", None, None, 38.5, PAYLOAD],
                [None, f"Invaller {PAYLOAD}", "Gewerkte uren", None, 9, None, None]]), XLSX)]))
        self.quarantined = self._mail(build_mail(
            f"{PAYLOAD}\nGraag 8 overuren voor Piet.", sender=formataddr((f"Vreemde {SHORT}", "vreemd@elders.example")),
            subject=f"Vraag {PAYLOAD}"))
        hostile_mail = self._mail(build_mail(
            "Uren in de bijlage.", sender=HOSTILE_SENDER, subject="Uren",
            attachments=[("uren.xlsx", workbook([["Pnr", "Medewerker", "Soort mutatie", "Aantal uren"],
                                                  [1, "medewerker", "Gewerkte uren", 8]]), XLSX)]))
        with Session(engine) as session:
            mail_drafts = list(session.exec(select(DraftRow).where(DraftRow.inbound_id == self.mail)
                                            .order_by(col(DraftRow.id))))
            hostile_drafts = list(session.exec(select(DraftRow).where(DraftRow.inbound_id == hostile_mail)))
            assert session.get(InboundMessage, self.quarantined).status == InboundStatus.QUARANTINED  # type: ignore[union-attr]
        self.expense = next(d.id for d in mail_drafts if d.type == "expense")
        self.stranger = next(d.id for d in mail_drafts if d.employee_name and d.employee_name.startswith("Invaller"))
        self.sick = next(d.id for d in mail_drafts if d.type == "sick")
        assert hostile_drafts
        for draft in hostile_drafts:
            approve(engine, draft.id or 0, scope=None, actor="test")
        self.batch = export_period(engine, HOSTILE_ID, hostile_drafts[0].period or "", "test").batch_id
        self._leave()

    def _mail(self, raw: bytes) -> int:
        inbound_id = store_inbound(self.engine, self.data_dir, raw, channel="smtp")
        run_pending(self.engine, self.data_dir, "test")
        return inbound_id

    def _leave(self) -> None:
        settings = Settings(data_dir=self.data_dir, public_url="https://loon.bureau.example/")  # type: ignore[call-arg]
        with Session(self.engine) as session:
            priya = session.exec(select(Employee).where(Employee.number == "72")).one()
            assert priya.id is not None
            priya_id = priya.id
        accrue_year(self.engine, priya_id, 2026, actor="test")
        unpaid = request_leave(self.engine, priya_id, "unpaid", dt.date(2026, 12, 7), dt.date(2026, 12, 8), 16,
                               "telegram", f"Onbetaald {PAYLOAD}")
        decide(self.engine, unpaid.id or 0, True, actor="ria@garagehoek.example", today=dt.date(2026, 11, 1))
        self.rejected_leave = request_leave(self.engine, priya_id, "vacation", dt.date(2026, 12, 14),
                                            dt.date(2026, 12, 15), 8, "telegram", f"Vakantie {PAYLOAD}").id
        self.pending_leave = request_leave(self.engine, priya_id, "vacation", dt.date(2026, 12, 21),
                                           dt.date(2026, 12, 22), 8, "telegram", f"Kerst {PAYLOAD}",
                                           on_requested=request_notifier(settings)).id
        with Session(self.engine) as session:
            self.leave_draft = session.exec(select(DraftRow).where(DraftRow.leave_request_id == unpaid.id)).one().id
            mail = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "leave_request")).one()
        found = re.search(r"https://loon\.bureau\.example/leave/decide/(\S+)", mail.body)
        assert found
        self.token = found.group(1)


@pytest.fixture
def hostile(engine: Engine, data_dir: Path) -> Hostile:
    return Hostile(engine, data_dir)


def problems(answer: httpx.Response, *, shows: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a page: anything active, `{{7*7}}` evaluated, or payload text it should show but does not."""
    if answer.status_code != 200:
        return [f"status {answer.status_code}"]
    page: Page = read_page(answer.text)
    found = active_content(page)
    if "TPL49END" in answer.text:
        found.append("{{7*7}} was evaluated")
    found += [f"does not show {text[:40]!r} as text" for text in shows if text not in page.text]
    return found


def test_the_pipeline_really_carries_the_payload(hostile: Hostile):
    """The rest of this module is only worth something if the payload reached the stored rows."""
    expense = hostile.board.draft(hostile.expense)
    stranger = hostile.board.draft(hostile.stranger)
    assert PAYLOAD in str(expense.fields.get("description"))
    assert stranger.employee_name == f"Invaller {PAYLOAD}"
    assert stranger.source["part"] == f"attachment:{SHEET_NAME}"
    with Session(hostile.engine) as session:
        mail = session.get(InboundMessage, hostile.mail)
        assert mail is not None and mail.subject == f"Mutaties {PAYLOAD}"


def test_no_page_runs_or_restyles_anything_from_mail_rosters_or_forms(hostile: Hostile):
    bureau, garage = hostile.board.login("bureau"), hostile.board.login("garage")
    reason = f"Afgewezen {PAYLOAD}"
    assert bureau.post(f"/drafts/{hostile.sick}/reject", data={"csrf_token": page_csrf(bureau),
                                                                "reason": reason}).status_code == 303
    assert garage.post(f"/leave/{hostile.rejected_leave}/reject", data={"csrf_token": page_csrf(garage, "/leave"),
                                                                         "reason": reason}).status_code == 303
    htmx = {"HX-Request": "true", "HX-Target": "queue-table"}
    # The reject form trims the reason to single spaces; the payload has none to lose.
    pages: dict[str, tuple[httpx.Response, tuple[str, ...]]] = {
        "bureau /queue": (bureau.get("/queue?status=all"), (f"Invaller {PAYLOAD}", PAYLOAD)),
        "bureau /queue fragment": (bureau.get("/queue?status=all", headers=htmx), (f"Invaller {PAYLOAD}",)),
        "bureau /queue search": (bureau.get("/queue", params={"q": PAYLOAD, "notice": PAYLOAD}), (PAYLOAD,)),
        "garage /queue": (garage.get("/queue?status=all"), (f"Invaller {PAYLOAD}",)),
        "expense draft": (bureau.get(f"/drafts/{hostile.expense}"), (PAYLOAD, f"Mutaties {PAYLOAD}", SHEET_NAME)),
        "stranger draft": (bureau.get(f"/drafts/{hostile.stranger}"), (f"Invaller {PAYLOAD}", SHEET_NAME)),
        "stranger draft, garage": (garage.get(f"/drafts/{hostile.stranger}"), (f"Invaller {PAYLOAD}",)),
        "rejected draft": (bureau.get(f"/drafts/{hostile.sick}"), (reason, f"Mutaties {PAYLOAD}")),
        "leave draft": (bureau.get(f"/drafts/{hostile.leave_draft}"), (f"Onbetaald {PAYLOAD}",)),
        "/quarantine": (bureau.get("/quarantine"), (f"Vraag {PAYLOAD}", PAYLOAD)),
        "bureau /leave": (bureau.get("/leave"), (reason, f"{IMG}{TEMPLATE}")),
        "bureau /leave hostile rules": (bureau.get(f"/leave?employer={HOSTILE_ID}&notice=x"), (f"Kwaad {SHORT}",)),
        "garage /leave": (garage.get("/leave", params={"notice": PAYLOAD}), (reason, PAYLOAD)),
        "bureau /periods": (bureau.get("/periods"), (f"Kwaad {SHORT}",)),
        "hostile /periods": (bureau.get(f"/periods/{HOSTILE_ID}"), (f"Kwaad {SHORT}",)),
        "garage /periods": (garage.get("/periods", params={"notice": PAYLOAD}), (PAYLOAD,)),
        "/exports": (bureau.get("/exports", params={"error": PAYLOAD}), (f"Kwaad {SHORT}", PAYLOAD)),
        "/exports/{id}": (bureau.get(f"/exports/{hostile.batch}"), (f"Kwaad {SHORT}",)),
        "/employers": (bureau.get("/employers", params={"notice": PAYLOAD}), (f"Kwaad {SHORT}", PAYLOAD)),
        "hostile employer": (bureau.get(f"/employers/{HOSTILE_ID}"), (f"Kwaad {SHORT}", f"{IMG}{TEMPLATE}")),
        "decision link": (hostile.board.client().get(f"/leave/decide/{hostile.token}"), (f"Kerst {PAYLOAD}",)),
        "login next": (hostile.board.client().get("/login", params={"next": f"/{PAYLOAD}"}), (f"/{PAYLOAD}",)),
    }
    admin = hostile.board.login("admin")
    pages["/users"] = (admin.get("/users", params={"error": PAYLOAD}), (PAYLOAD,))
    pages["/settings/reminders"] = (admin.get("/settings/reminders", params={"error": PAYLOAD}), (PAYLOAD,))
    found = {what: problems(answer, shows=shows) for what, (answer, shows) in pages.items()}
    assert {what: p for what, p in found.items() if p} == {}


def test_the_check_itself_sees_markup_that_is_not_escaped():
    """The reader must catch each payload when a template would print it raw."""
    for raw in (SCRIPT, IMG, LINK, STYLE, f'<p title="{QUOTES}">'):
        page = read_page(f"<html><body><p>{raw}</p></body></html>")
        assert active_content(page), raw
    safe = read_page('<html><head><script src="/static/htmx.min.js"></script></head><body>'
                     '<p title="&lt;img src=x onerror=alert(1)&gt;">'
                     '&lt;script&gt;alert(1)&lt;/script&gt;</p></body></html>')
    assert active_content(safe) == [] and SCRIPT in safe.text and IMG in safe.text


def test_a_template_expression_in_a_mail_is_never_evaluated(hostile: Hostile):
    bureau = hostile.board.login("bureau")
    page = bureau.get(f"/drafts/{hostile.expense}").text
    assert TEMPLATE in read_page(page).text and "TPL49END" not in page
    assert "{{" in page  # shown literally, in the subject, the body and the sheet


def test_the_attachment_name_and_the_sheet_cells_are_text_in_the_source_view(hostile: Hostile):
    bureau = hostile.board.login("bureau")
    page = read_page(bureau.get(f"/drafts/{hostile.stranger}").text)
    strong = [e for e in page.elements if e.tag == "strong"]
    assert strong and not active_content(page)
    assert SHEET_NAME in page.text
    cells = [e for e in page.elements if e.tag == "td" and e.attrs.get("class") == "source"]
    assert cells, "the sheet view did not show the source row"
