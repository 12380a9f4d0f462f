"""The timed reminders: on the right day and not before or after, once (also from four threads at once),
silent when switched off, in English for a contact who writes English, and the bureau's daily digest.

Time is moved by passing `now`. The roster has two employers without dashboard users, so their
sender addresses are reminded: garage-hoek at loon@ and ria@ (Dutch), atelier-noorderlicht at
office@ (English: its latest mail was English). March 2026 runs on Wednesday the 25th with the
deadline five working days earlier, Wednesday 18 March; three working days before that is
Friday 13 March.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.reminders import (
    MAIL_KINDS,
    TEXT,
    bureau_digest,
    remind_leave_waiting,
    remind_nothing_received,
    remind_poortwachter,
    run_reminders,
)
from parsers.roster import Roster
from tests.notifier import make_settings
from tests.parsers.conftest import ROSTER
from workflows import reminder_settings
from workflows.leave_ledger import accrue_year, request_leave
from workflows.models import DraftRow, DraftStatus, Employee, InboundMessage, OutboundMessage, SentNotice
from workflows.payroll_periods import ensure_period, mark_run_done
from workflows.periods import AMSTERDAM
from workflows.roster_store import import_roster
from workflows.users import create_user, set_active

D = dt.date
GARAGE = ["loon@garagehoek.example", "ria@garagehoek.example"]
ATELIER = ["office@noorderlicht.example"]
BUREAU = ["beheer@bureau.example", "anna@bureau.example"]
SIX_WEEKS_BEFORE_13_MARCH = D(2026, 2, 6)  # a Friday: week 6 of illness begins on Friday 13 March


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(dt.UTC)


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    """Two employers; an admin, a bureau user, a switched-off bureau user and an employer user elsewhere."""
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    for email, role in (("beheer@bureau.example", "admin"), ("anna@bureau.example", "bureau")):
        create_user(engine, email, role=role, password="correct horse battery", actor="test")
    gone = create_user(engine, "oud@bureau.example", role="bureau", password="correct horse battery", actor="test")
    assert gone.id is not None
    set_active(engine, gone.id, False, actor="test")
    with Session(engine) as session:  # the atelier's office last wrote in English
        session.add(InboundMessage(channel="smtp", content_sha256="0" * 64, raw_path="x", size=1,
                                   sender="Office@Noorderlicht.example", language="en",
                                   received_at=local(2026, 3, 2)))
        session.commit()
    return make_settings(tmp_path / "data")


def employee_id(engine: Engine, number: str) -> int:
    with Session(engine) as session:
        found = session.exec(select(Employee.id).where(Employee.number == number)).one()
    assert found is not None
    return found


def pending_leave(engine: Engine, number: str) -> int:
    """A pending holiday request for 13 and 14 April (16 hours)."""
    employee = employee_id(engine, number)
    accrue_year(engine, employee, 2026, actor="test")
    request = request_leave(engine, employee, "vacation", D(2026, 4, 13), D(2026, 4, 14), 16, "telegram")
    assert request.id is not None
    return request.id


def sick(engine: Engine, employer: str, number: str, name: str, first_sick_day: dt.date, *,
         status: str = DraftStatus.APPROVED) -> int:
    with Session(engine) as session:
        draft = DraftRow(employer_id=employer, type="sick", employee_id=number, employee_name=name,
                         fields={"start_date": first_sick_day.isoformat(), "percentage": 100},
                         source={"part": "body", "text": f"{name} heeft griep met hoge koorts"},
                         status=status, period=f"{first_sick_day:%Y-%m}")
        session.add(draft)
        session.commit()
        assert draft.id is not None
        return draft.id


def draft(engine: Engine, employer: str, created_at: dt.datetime, period: str = "2026-03") -> None:
    with Session(engine) as session:
        session.add(DraftRow(employer_id=employer, type="hours", employee_id="71", employee_name="Gerrit Hoek",
                             fields={"hours": 6}, status=DraftStatus.NEW, period=period, created_at=created_at))
        session.commit()


def outbox(engine: Engine, kind: str) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).where(OutboundMessage.kind == MAIL_KINDS[kind])
                                 .order_by(col(OutboundMessage.id))))


def by_address(engine: Engine, kind: str) -> dict[str, OutboundMessage]:
    mails = outbox(engine, kind)
    found = {m.to_address: m for m in mails}
    assert len(found) == len(mails), "an address got the same reminder twice"
    return found


# --- nothing received -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "expected"), [
    (D(2026, 3, 12), []),                  # Thursday: four working days before the deadline
    (D(2026, 3, 13), GARAGE + ATELIER),    # Friday: three working days before
    (D(2026, 3, 18), GARAGE + ATELIER),    # the deadline day itself
    (D(2026, 3, 19), []),                  # after the deadline: too late to remind
    (D(2026, 4, 13), []),                  # April's window opens on Tuesday 14 April
    (D(2026, 4, 14), GARAGE + ATELIER),
])
def test_nothing_received_fires_in_the_window_before_the_deadline(engine: Engine, settings: Settings, day: dt.date,
                                                                   expected: list[str]) -> None:
    assert remind_nothing_received(engine, settings, now=local(day.year, day.month, day.day)) == len(expected)
    assert sorted(by_address(engine, "nothing_received")) == sorted(expected)


def test_nothing_received_says_what_is_due_in_the_contacts_language(engine: Engine, settings: Settings) -> None:
    assert remind_nothing_received(engine, settings, now=local(2026, 3, 13)) == 3
    mails = by_address(engine, "nothing_received")
    dutch, english = mails["ria@garagehoek.example"], mails["office@noorderlicht.example"]
    assert dutch.subject == "Herinnering: nog geen mutaties voor maart 2026 (Garage Hoek B.V.)"
    assert "uiterlijk 18-03-2026 binnen zijn; de verloning draait op 25-03-2026" in dutch.body
    assert "mailen naar mutaties@bureau.example" in dutch.body
    assert english.subject == "Reminder: no payroll changes yet for March 2026 (Atelier Noorderlicht)"
    assert "Changes are due by 18 March 2026; the payroll runs on 25 March 2026." in english.body
    assert dutch.raw is not None and b"Auto-Submitted: auto-generated" in dutch.raw
    assert dutch.message_id.startswith("<") and "@bureau.example>" in dutch.message_id
    # Later runs in the window give nothing new: each (period, address) once.
    assert remind_nothing_received(engine, settings, now=local(2026, 3, 16)) == 0
    assert remind_nothing_received(engine, settings, now=local(2026, 3, 18, 16)) == 0
    assert len(outbox(engine, "nothing_received")) == 3


def test_an_employer_that_sent_something_is_not_reminded(engine: Engine, settings: Settings) -> None:
    draft(engine, "garage-hoek", local(2026, 3, 10))
    assert remind_nothing_received(engine, settings, now=local(2026, 3, 13)) == 1
    assert list(by_address(engine, "nothing_received")) == ATELIER


def test_the_window_follows_the_admins_days_before(engine: Engine, settings: Settings) -> None:
    reminder_settings.save(engine, "nothing_received", True, 0, actor="test")
    assert remind_nothing_received(engine, settings, now=local(2026, 3, 17)) == 0
    assert remind_nothing_received(engine, settings, now=local(2026, 3, 18)) == 3


# --- leave waiting --------------------------------------------------------------------------------------------

def test_leave_waiting_lists_the_requests_in_the_window(engine: Engine, settings: Settings) -> None:
    pending_leave(engine, "72")  # Priya Ramdin, garage-hoek
    pending_leave(engine, "9002")  # Daniel Okafor, atelier-noorderlicht (English)
    assert remind_leave_waiting(engine, settings, now=local(2026, 3, 12)) == 0
    assert remind_leave_waiting(engine, settings, now=local(2026, 3, 13)) == 3
    assert remind_leave_waiting(engine, settings, now=local(2026, 3, 18)) == 0  # once per period
    mails = by_address(engine, "leave_waiting")
    assert sorted(mails) == sorted(GARAGE + ATELIER)
    dutch, english = mails["loon@garagehoek.example"], mails["office@noorderlicht.example"]
    assert dutch.subject == "Herinnering: 1 verlofaanvraag wacht op uw besluit (Garage Hoek B.V.)"
    assert "  - Priya Ramdin: vakantieverlof, 13-04-2026 t/m 14-04-2026 (16 uur)" in dutch.body
    assert "Beslis uiterlijk 18-03-2026, dan nemen wij ze mee in de verloning van maart 2026" in dutch.body
    assert "Daniel" not in dutch.body
    assert english.subject == "Reminder: 1 leave request waiting for your decision (Atelier Noorderlicht)"
    assert "  - Daniel Okafor: holiday, 13 April 2026 to 14 April 2026 (16 hours)" in english.body
    # The next period's window brings it again while it still waits.
    assert remind_leave_waiting(engine, settings, now=local(2026, 4, 14)) == 3


def test_no_pending_leave_no_reminder(engine: Engine, settings: Settings) -> None:
    assert remind_leave_waiting(engine, settings, now=local(2026, 3, 13)) == 0


# --- Poortwachter ---------------------------------------------------------------------------------------------

def test_the_poortwachter_reminder_six_weeks_after_the_first_sick_day(engine: Engine, settings: Settings) -> None:
    case = sick(engine, "garage-hoek", "72", "Priya Ramdin", SIX_WEEKS_BEFORE_13_MARCH)
    assert remind_poortwachter(engine, settings, now=local(2026, 3, 12, 23, 59)) == 0
    assert remind_poortwachter(engine, settings, now=local(2026, 3, 13, 7)) == 4
    assert remind_poortwachter(engine, settings, now=local(2026, 3, 14)) == 0
    mails = by_address(engine, "poortwachter")
    assert sorted(mails) == sorted(GARAGE + BUREAU)  # not the switched-off bureau user
    for mail in mails.values():
        assert mail.subject == "Poortwachter week 6: probleemanalyse voor Priya Ramdin (Garage Hoek B.V.)"
        assert "ziek sinds 06-02-2026. Op 13-03-2026 begon week 6" in mail.body
        assert "  Probleemanalyse: De bedrijfsarts of arbodienst stelt de probleemanalyse op.\n" \
               "  Uiterlijk: 19-03-2026" in mail.body
        assert "griep" not in mail.body and "koorts" not in mail.body and "100" not in mail.body
        assert mail.related_draft_id == case
    with Session(engine) as session:
        keys = sorted(session.exec(select(SentNotice.key).where(SentNotice.kind == "poortwachter")))
    assert keys == sorted(f"poortwachter:{case}:6:{a}" for a in GARAGE + BUREAU)


def test_poortwachter_in_english_for_an_english_contact_and_dutch_for_the_bureau(engine: Engine,
                                                                                 settings: Settings) -> None:
    sick(engine, "atelier-noorderlicht", "9002", "Daniel Okafor", SIX_WEEKS_BEFORE_13_MARCH)
    assert remind_poortwachter(engine, settings, now=local(2026, 3, 13)) == 3
    mails = by_address(engine, "poortwachter")
    english = mails["office@noorderlicht.example"]
    assert english.subject == ("Gatekeeper Act (Poortwachter) week 6: problem analysis for Daniel Okafor "
                               "(Atelier Noorderlicht)")
    assert "has been sick since 6 February 2026" in english.body
    assert "Due by: 19 March 2026" in english.body
    assert mails["anna@bureau.example"].subject.startswith("Poortwachter week 6: probleemanalyse voor Daniel")


def test_later_milestones_and_a_case_entered_late(engine: Engine, settings: Settings) -> None:
    # First sick day Monday 5 January: week 6 began 9 February, week 8 on 23 February.
    sick(engine, "garage-hoek", "72", "Priya Ramdin", D(2026, 1, 5))
    assert remind_poortwachter(engine, settings, now=local(2026, 3, 9)) == 0  # week 8 began 14 days ago
    assert remind_poortwachter(engine, settings, now=local(2026, 3, 8)) == 4  # entered late: only week 8
    assert {m.subject.split(":")[0] for m in outbox(engine, "poortwachter")} == {"Poortwachter week 8"}
    assert remind_poortwachter(engine, settings, now=local(2026, 10, 19)) == 4  # week 42: report to UWV
    assert "ziekmelding UWV" in outbox(engine, "poortwachter")[-1].subject


def test_a_recovered_or_rejected_case_is_not_reminded(engine: Engine, settings: Settings) -> None:
    sick(engine, "garage-hoek", "72", "Priya Ramdin", SIX_WEEKS_BEFORE_13_MARCH, status=DraftStatus.REJECTED)
    sick(engine, "garage-hoek", "73", "Stijn van der Linden", SIX_WEEKS_BEFORE_13_MARCH)
    with Session(engine) as session:
        session.add(DraftRow(employer_id="garage-hoek", type="recovery", employee_id="73",
                             employee_name="Stijn van der Linden", fields={"date": "2026-03-02", "percentage": 100},
                             status=DraftStatus.APPROVED))
        session.commit()
    assert remind_poortwachter(engine, settings, now=local(2026, 3, 13)) == 0


# --- the bureau's digest --------------------------------------------------------------------------------------

def test_the_digest_per_employer(engine: Engine, settings: Settings) -> None:
    draft(engine, "garage-hoek", local(2026, 3, 16, 10))  # more than a working day old on Thursday morning
    draft(engine, "garage-hoek", local(2026, 3, 19, 8))   # this morning's
    pending_leave(engine, "72")
    with Session(engine) as session:  # February's row exists (Loonbode ran then); the atelier's does not
        ensure_period(session, "garage-hoek", "2026-02")
        session.commit()
    assert bureau_digest(engine, settings, now=local(2026, 3, 19, 7, 30)) == 2
    assert bureau_digest(engine, settings, now=local(2026, 3, 19, 16)) == 0  # once a day
    mails = by_address(engine, "bureau_digest")
    assert sorted(mails) == sorted(BUREAU)
    mail = mails["anna@bureau.example"]
    assert mail.subject == "Dagoverzicht 19-03-2026: 2 nieuw, 1 wachtend, 3 te laat, 1 verlof"
    assert ("Atelier Noorderlicht\n"
            "  - te laat: maart 2026 (deadline 18-03-2026): niets ontvangen\n\n"
            "Garage Hoek B.V.\n"
            "  - nieuwe mutaties: 2 (waarvan 1 langer dan een werkdag wachtend)\n"
            "  - te laat: februari 2026 (deadline 18-02-2026): niets ontvangen\n"
            "  - te laat: maart 2026 (deadline 18-03-2026): mutaties nog niet beoordeeld\n"
            "  - verlofaanvragen die op de werkgever wachten: 1\n") in mail.body
    assert "Wachtrij: http://" in mail.body and mail.body.rstrip().endswith("Loonbode")
    # Saturday: no digest; Monday: a new one, without February once its run is done.
    assert bureau_digest(engine, settings, now=local(2026, 3, 21)) == 0
    mark_run_done(engine, "garage-hoek", "2026-02", actor="test", now=local(2026, 3, 20))
    assert bureau_digest(engine, settings, now=local(2026, 3, 23, 7, 30)) == 2
    monday = outbox(engine, "bureau_digest")[-1]
    assert "februari" not in monday.body and "nieuwe mutaties: 2 (waarvan 2 langer" in monday.body


def test_a_quiet_day_gets_a_short_digest(engine: Engine, settings: Settings) -> None:
    assert bureau_digest(engine, settings, now=local(2026, 3, 2, 7, 30)) == 2
    mail = outbox(engine, "bureau_digest")[0]
    assert mail.subject == "Dagoverzicht 02-03-2026: niets openstaand"
    assert "niets open: geen nieuwe mutaties" in mail.body


# --- switches, once, languages ----------------------------------------------------------------------------------

@pytest.fixture
def busy_friday(engine: Engine, settings: Settings) -> dt.datetime:
    """Friday 13 March: every reminder has something to say."""
    pending_leave(engine, "72")
    sick(engine, "garage-hoek", "72", "Priya Ramdin", SIX_WEEKS_BEFORE_13_MARCH)
    return local(2026, 3, 13, 7, 30)


EXPECTED = {"nothing_received": 3, "leave_waiting": 2, "poortwachter": 4, "bureau_digest": 2}


def test_all_four_run_together_and_only_once(engine: Engine, settings: Settings, busy_friday: dt.datetime) -> None:
    assert run_reminders(engine, settings, now=busy_friday) == EXPECTED
    assert run_reminders(engine, settings, now=busy_friday + dt.timedelta(hours=3)) == dict.fromkeys(EXPECTED, 0)
    assert {kind: len(outbox(engine, kind)) for kind in EXPECTED} == EXPECTED


def test_four_threads_at_once_queue_each_reminder_once(engine: Engine, settings: Settings,
                                                       busy_friday: dt.datetime) -> None:
    results: list[dict[str, int]] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        results.append(run_reminders(engine, settings, now=busy_friday))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 4
    assert {kind: sum(r[kind] for r in results) for kind in EXPECTED} == EXPECTED
    for kind in EXPECTED:
        by_address(engine, kind)  # no address twice
    assert {kind: len(outbox(engine, kind)) for kind in EXPECTED} == EXPECTED


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_a_switched_off_reminder_sends_nothing(engine: Engine, settings: Settings, busy_friday: dt.datetime,
                                               kind: str) -> None:
    reminder_settings.save(engine, kind, False, None, actor="test")
    assert run_reminders(engine, settings, now=busy_friday) == {**EXPECTED, kind: 0}
    assert outbox(engine, kind) == []
    reminder_settings.save(engine, kind, True, None, actor="test")  # on again the same day: it comes after all
    assert run_reminders(engine, settings, now=busy_friday)[kind] == EXPECTED[kind]


def test_every_wording_has_dutch_and_english_with_the_same_parts() -> None:
    for words in TEXT.values():
        assert set(words) == {"nl", "en"} and set(words["nl"]) == set(words["en"])


def test_no_bsn_or_iban_leaves(engine: Engine, settings: Settings) -> None:
    sick(engine, "garage-hoek", "72", "Priya Ramdin 123456782 NL91ABNA0417164300", SIX_WEEKS_BEFORE_13_MARCH)
    assert remind_poortwachter(engine, settings, now=local(2026, 3, 13)) == 4
    for mail in outbox(engine, "poortwachter"):
        assert "123456782" not in mail.body + mail.subject and "0417164300" not in mail.body + mail.subject
        assert mail.raw is not None and b"123456782" not in mail.raw
