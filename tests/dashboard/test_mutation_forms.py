"""Mutations handed in by form, and what an employer sent: the forms per type, the draft a form becomes
in the bureau's queue, per-field validation, the employer's own roster only, CSRF, and the status page
over mail, form and leave with the bureau's decisions in the employer's words."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote_plus

import pytest
from sqlmodel import Session, col, func, select

from parsers.fields import FIELD_MODELS, REQUIRED_FIELDS
from parsers.labels import field_label
from tests.dashboard.conftest import Dashboard, page_csrf
from workflows.export import export_period
from workflows.form_mutations import PAGE_SIZE, FormError, submit_mutation
from workflows.leave_ledger import accrue_year, decide, request_leave
from workflows.models import AuditEvent, DraftRow, DraftStatus, Employee
from workflows.review import approve, reject

GARAGE_ID, ATELIER_ID = "garage-hoek", "atelier-noorderlicht"
ATELIER_PEOPLE = ("Hannah", "Moore", "Daniel", "Okafor", "Noorderlicht")
VALID_BSN, VALID_IBAN = "111222333", "NL91ABNA0417164300"


def send(client, mutation_type: str, **form: str):  # type: ignore[no-untyped-def]
    token = page_csrf(client, "/mutations/new")
    return client.post(f"/mutations/new/{mutation_type}", data={"csrf_token": token, **form})


def draft_count(board: Dashboard) -> int:
    with Session(board.engine) as session:
        return session.exec(select(func.count()).select_from(DraftRow)).one()


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'<span class="error" id="fout-{name}">([^<]*)</span>', html)
    return found.group(1) if found else None


def rows_of(html: str) -> dict[int, str]:
    """The status page's rows: draft id -> the row's text, tags removed."""
    rows = re.findall(r'(<tr>\s*<td><a href="/drafts/(\d+)">.*?</tr>)', html, flags=re.S)
    return {int(i): " ".join(re.sub(r"<[^>]+>", " ", body).split()) for body, i in rows}


# --- the forms -----------------------------------------------------------------------------------------------------


def test_the_kinds_are_offered_in_dutch_with_a_link_in_the_menu(dashboard: Dashboard):
    html = dashboard.login("garage").get("/mutations/new").text
    assert '<a href="/mutations/new" aria-current="page">Insturen</a>' in html
    for kind in FIELD_MODELS:
        assert f'href="/mutations/new/{kind}"' in html, kind
    assert "Ziekmelding" in html and "Indienstmelding" in html and "Wijziging persoonsgegevens" in html
    assert 'href="/mutations"' in html
    # The bureau picks the employer first; its menu has no "Insturen".
    bureau = dashboard.login("bureau").get("/mutations/new").text
    assert "Insturen</a>" not in bureau and "Kies eerst de werkgever" in bureau and "/mutations/new/sick" not in bureau
    chosen = dashboard.login("bureau").get(f"/mutations/new?employer={GARAGE_ID}").text
    assert f'href="/mutations/new/sick?employer={GARAGE_ID}"' in chosen


@pytest.mark.parametrize("mutation_type", list(FIELD_MODELS))
def test_every_kind_has_a_form_with_its_fields(dashboard: Dashboard, mutation_type: str):
    answer = dashboard.login("garage").get(f"/mutations/new/{mutation_type}")
    assert answer.status_code == 200
    html = answer.text
    for name in FIELD_MODELS[mutation_type].model_fields:
        assert f'name="{name}"' in html, name
        label = field_label(name)
        assert label[:1].upper() + label[1:] in html, name
    for name in REQUIRED_FIELDS[mutation_type]:
        assert re.search(rf'name="{name}"[^>]* required', html), f"{name} is not marked required"
    if mutation_type == "hire":
        assert 'name="employee_name"' in html and 'name="employee"' not in html
    else:  # the employee is chosen from the employer's own roster, by number and name
        options = re.findall(r'<option value="(\d+)" >([^<]+)</option>', html)
        assert ("72", "Priya Ramdin (72)") in options and len(options) == 7
        assert not [p for p in ATELIER_PEOPLE if p in html]
    assert 'name="csrf_token"' in html and f'action="/mutations/new/{mutation_type}"' in html


def test_the_inputs_fit_their_fields(dashboard: Dashboard):
    client = dashboard.login("garage")
    sick = client.get("/mutations/new/sick").text
    assert re.search(r'name="start_date" type="date"', sick)
    assert re.search(r'name="percentage" type="number" value="100" step="any"', sick)  # the model's default
    hours = client.get("/mutations/new/hours").text
    assert re.search(r'name="period" type="month"', hours) and '<option value="overtime" >overuren</option>' in hours
    hire = client.get("/mutations/new/hire").text
    assert re.search(r'name="email" type="email"', hire) and re.search(r'name="phone" type="tel"', hire)
    assert '<option value="month" >per maand</option>' in hire
    assert dashboard.login("garage").get("/mutations/new/leave").status_code == 404  # a decision, no form


# --- a sick report by form, into the bureau's queue ----------------------------------------------------------------


def test_a_sick_report_by_form_appears_in_the_bureaus_queue(dashboard: Dashboard):
    client = dashboard.login("garage")
    answer = send(client, "sick", employee="72", start_date="2026-03-16", percentage="50")
    assert answer.status_code == 303
    location = answer.headers["location"]
    found = re.fullmatch(r"/mutations\?received=(\d+)", location)
    assert found, location
    assert "Priya" not in unquote_plus(location) and "Ramdin" not in unquote_plus(location)  # no names in URLs
    draft = dashboard.draft(int(found.group(1)))
    assert (draft.inbound_id, draft.employer_id, draft.type, draft.employee_id, draft.employee_name) == (
        None, GARAGE_ID, "sick", "72", "Priya Ramdin")
    assert draft.fields == {"start_date": "2026-03-16", "percentage": 50}
    assert draft.source["part"] == "form" and draft.source["location"] == "formulier door ria@garagehoek.example"
    assert draft.source["text"] == "Ziekmelding Priya Ramdin (72): ingangsdatum 16-03-2026, percentage 50%"
    assert (draft.confidence, draft.status, draft.period) == (1.0, DraftStatus.NEW, "2026-03")
    assert not any(i["severity"] == "error" for i in draft.issues)
    with Session(dashboard.engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "draft_from_form")).all()
    assert (event.actor, event.subject_id, event.detail) == (
        "ria@garagehoek.example", str(draft.id), {"employer_id": GARAGE_ID, "type": "sick"})

    page = client.get(location).text
    assert "Ziekmelding van Priya Ramdin ontvangen" in page

    bureau = dashboard.login("bureau")
    queue = bureau.get("/queue").text
    assert f'<a href="/drafts/{draft.id}" class="row-link">{draft.id}</a>' in queue
    shown = bureau.get(f"/drafts/{draft.id}").text
    assert "Ingevoerd via het formulier door ria@garagehoek.example" in shown
    assert "Oorspronkelijke mail" not in shown and "gelezen uit de mail" not in shown
    assert "ingevoerd via het formulier" in shown  # the history
    assert approve_via_dashboard(bureau, draft.id or 0).status_code == 303
    assert dashboard.draft(draft.id or 0).status == DraftStatus.APPROVED


def approve_via_dashboard(client, draft_id: int):  # type: ignore[no-untyped-def]
    token = page_csrf(client, f"/drafts/{draft_id}")
    return client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token})


def test_a_new_hire_is_named_in_the_form_and_warnings_are_kept(dashboard: Dashboard):
    client = dashboard.login("garage")
    answer = send(client, "hire", employee_name="  Noor   El Amrani ", start_date="2026-05-01",
                  bsn="1112.22.333", hours_per_week="32", salary_amount="2.950,00", salary_period="month")
    assert answer.status_code == 303
    draft = dashboard.draft(int(answer.headers["location"].rsplit("=", 1)[1]))
    assert (draft.employee_id, draft.employee_name) == (None, "Noor El Amrani")
    assert draft.fields == {"start_date": "2026-05-01", "bsn": VALID_BSN, "hours_per_week": 32,
                            "salary_amount": 2950, "salary_period": "month"}
    assert "*****2333" in draft.source["text"] and VALID_BSN not in draft.source["text"]
    [warning] = [i for i in draft.issues if i["message"].startswith("ontbreekt")]
    assert warning["severity"] == "warning" and "geboortedatum" in warning["message"]


def test_the_bureau_hands_in_for_an_employer_it_picks(dashboard: Dashboard):
    client = dashboard.login("bureau")
    assert client.get("/mutations/new/sick").status_code == 303  # no employer chosen yet
    assert client.get("/mutations/new/sick?employer=bestaat-niet").status_code == 404
    form = client.get(f"/mutations/new/sick?employer={ATELIER_ID}").text
    assert "Hannah Moore (9001)" in form and "Priya" not in form
    answer = send(client, "sick", employer=ATELIER_ID, employee="9002", start_date="2026-03-16")
    assert answer.status_code == 303
    assert re.fullmatch(rf"/mutations\?employer={ATELIER_ID}&received=\d+", answer.headers["location"])
    draft = dashboard.draft(int(answer.headers["location"].rsplit("=", 1)[1]))
    assert (draft.employer_id, draft.employee_id, draft.source["location"]) == (
        ATELIER_ID, "9002", "formulier door anna@bureau.example")
    assert send(client, "sick", employer=ATELIER_ID, employee="72", start_date="2026-03-16").status_code == 422


# --- validation -----------------------------------------------------------------------------------------------------


def test_a_missing_required_field_is_shown_at_that_field(dashboard: Dashboard):
    client = dashboard.login("garage")
    before = draft_count(dashboard)
    answer = send(client, "sick", employee="72", percentage="")
    assert answer.status_code == 422
    assert field_error(answer.text, "start_date") == "vul ingangsdatum in"
    assert field_error(answer.text, "percentage") is None  # the model's default (100) stands in
    assert field_error(answer.text, "employee") is None
    assert '<option value="72" selected>' in answer.text  # what was chosen stays chosen
    assert draft_count(dashboard) == before
    none_chosen = send(client, "hours", hours="", kind="")
    assert none_chosen.status_code == 422
    assert field_error(none_chosen.text, "employee") == "kies een medewerker"
    assert field_error(none_chosen.text, "hours") == "vul uren in"
    assert field_error(none_chosen.text, "kind") == "vul soort uren in"
    nothing_new = send(client, "personal_data_change", employee="72", effective_date="2026-04-01")
    assert nothing_new.status_code == 422 and "ontbreekt: de nieuwe gegevens" in nothing_new.text
    unnamed = send(client, "hire", start_date="2026-05-01")
    assert unnamed.status_code == 422
    assert field_error(unnamed.text, "employee_name") == "vul de naam van de nieuwe medewerker in"
    assert draft_count(dashboard) == before


def test_values_that_cannot_be_read_are_named_per_field(dashboard: Dashboard):
    client = dashboard.login("garage")
    before = draft_count(dashboard)
    answer = send(client, "salary_change", employee="73", effective_date="31-02-2026", salary_amount="veel",
                  salary_period="decennium")
    assert answer.status_code == 422
    assert field_error(answer.text, "effective_date") == "geen geldige datum"
    assert field_error(answer.text, "salary_amount") == "geen getal"
    assert field_error(answer.text, "salary_period") == "kies een van de mogelijkheden"
    assert 'value="31-02-2026"' in answer.text  # what was typed is kept to correct
    both = send(client, "hire", employee_name="Noor El Amrani", start_date="2026-05-01", hours_per_week="veel",
                bsn="123456789")
    assert both.status_code == 422  # a value that cannot be read does not hide what is wrong elsewhere
    assert field_error(both.text, "hours_per_week") == "geen getal"
    assert "11-proef" in (field_error(both.text, "bsn") or "")
    assert draft_count(dashboard) == before


def test_a_bad_iban_or_bsn_is_refused_at_its_field(dashboard: Dashboard):
    client = dashboard.login("garage")
    before = draft_count(dashboard)
    iban = send(client, "personal_data_change", employee="74", iban="NL91ABNA0417164301")
    assert iban.status_code == 422
    assert "ongeldig (controlegetal klopt niet)" in (field_error(iban.text, "iban") or "")
    hire = send(client, "hire", employee_name="Noor El Amrani", start_date="2026-05-01", bsn="123456789",
                iban="NL00 RABO 0123 4567 89")
    assert hire.status_code == 422
    assert "11-proef" in (field_error(hire.text, "bsn") or "")
    assert "ongeldig" in (field_error(hire.text, "iban") or "")
    assert draft_count(dashboard) == before
    good = send(client, "personal_data_change", employee="74", iban="nl91 abna 0417 1643 00")
    assert good.status_code == 303
    assert dashboard.draft(int(good.headers["location"].rsplit("=", 1)[1])).fields == {"iban": VALID_IBAN}


# --- only the employer's own -----------------------------------------------------------------------------------------


def test_another_employers_employee_or_employer_is_refused(dashboard: Dashboard):
    client = dashboard.login("garage")
    before = draft_count(dashboard)
    forged = send(client, "sick", employee="9001", start_date="2026-03-16")  # Hannah Moore, of the atelier
    assert forged.status_code == 422
    assert field_error(forged.text, "employee") == "deze medewerker staat niet in uw personeelsbestand"
    assert not [p for p in ATELIER_PEOPLE if p in forged.text]
    other = send(client, "sick", employer=ATELIER_ID, employee="9001", start_date="2026-03-16")
    assert other.status_code == 404 and "Hannah" not in other.text
    assert client.get(f"/mutations/new/sick?employer={ATELIER_ID}").status_code == 404
    assert draft_count(dashboard) == before
    with pytest.raises(FormError) as refused:
        submit_mutation(dashboard.engine, employer_id=GARAGE_ID, employee_number="9002", mutation_type="sick",
                        form={"start_date": "2026-03-16"}, actor="test", now=dt.datetime(2026, 3, 17, tzinfo=dt.UTC))
    assert set(refused.value.errors) == {"employee"}


def test_a_form_needs_the_sessions_csrf_token(dashboard: Dashboard):
    client = dashboard.login("garage")
    before = draft_count(dashboard)
    form = {"employee": "72", "start_date": "2026-03-16"}
    assert client.post("/mutations/new/sick", data=form).status_code == 403
    assert client.post("/mutations/new/sick", data={**form, "csrf_token": "vervalst"}).status_code == 403
    other = page_csrf(dashboard.login("atelier"))
    assert client.post("/mutations/new/sick", data={**form, "csrf_token": other}).status_code == 403
    assert draft_count(dashboard) == before
    anonymous = dashboard.client().post("/mutations/new/sick", data=form)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/mutations/new/sick"


# --- what the employer sent, with its status --------------------------------------------------------------------------


def test_the_status_page_shows_mail_form_and_leave_of_the_own_employer_only(dashboard: Dashboard):
    client = dashboard.login("garage")
    by_form = send(client, "hours", employee="71", hours="7,5", kind="overtime", rate_percentage="125")
    form_id = int(by_form.headers["location"].rsplit("=", 1)[1])
    with Session(dashboard.engine) as session:
        priya = session.exec(select(Employee).where(Employee.employer_id == GARAGE_ID,
                                                    Employee.number == "72")).one()
    assert priya.id is not None
    accrue_year(dashboard.engine, priya.id, 2026, actor="test")
    leave = request_leave(dashboard.engine, priya.id, "unpaid", dt.date(2026, 3, 23), dt.date(2026, 3, 25), 24,
                          "telegram", "Mag ik drie dagen onbetaald vrij?")
    decide(dashboard.engine, leave.id or 0, True, actor="ria@garagehoek.example", today=dt.date(2026, 3, 20))
    with Session(dashboard.engine) as session:
        leave_id = session.exec(select(DraftRow.id).where(DraftRow.leave_request_id == leave.id)).one()
    mail_ids = dashboard.drafts[GARAGE_ID]
    sick, hours, salary = (next(i for i in mail_ids if dashboard.draft(i).type == t)
                           for t in ("sick", "hours", "salary_change"))

    approve(dashboard.engine, sick, scope=None, actor="anna@bureau.example")
    reject(dashboard.engine, hours, "al verwerkt in februari", scope=None, actor="anna@bureau.example")
    export_period(dashboard.engine, GARAGE_ID, "2026-03", "anna@bureau.example")
    approve(dashboard.engine, salary, scope=None, actor="anna@bureau.example")

    html = client.get("/mutations").text
    rows = rows_of(html)
    assert list(rows) == sorted(rows, reverse=True)  # newest first
    assert set(rows) == {*mail_ids, form_id, leave_id}
    assert "verwerkt" in rows[sick] and " mail " in f" {rows[sick]} " and "Priya Ramdin (72)" in rows[sick]
    assert rows[hours].endswith("afgewezen: al verwerkt in februari")
    assert rows[salary].endswith("goedgekeurd")
    assert "formulier" in rows[form_id] and rows[form_id].endswith("in behandeling")
    assert "Gerrit Hoek (71)" in rows[form_id] and "uren: 7,5" in rows[form_id]
    assert "verlof" in rows[leave_id] and "onbetaald verlof" in rows[leave_id]
    assert "Wat ik heb ingestuurd" in html
    assert not [p for p in ATELIER_PEOPLE if p in html]
    # The atelier sees its own only, and asking for the garage changes nothing.
    atelier = dashboard.login("atelier").get(f"/mutations?employer={GARAGE_ID}")
    assert atelier.status_code == 200
    assert set(rows_of(atelier.text)) == set(dashboard.drafts[ATELIER_ID])
    assert "Priya" not in atelier.text and "Gerrit" not in atelier.text
    # A received-notice for a draft of another employer says nothing.
    assert "ontvangen (nummer" not in dashboard.login("atelier").get(f"/mutations?received={form_id}").text


def test_the_rejection_reason_reaches_the_employer(dashboard: Dashboard):
    client = dashboard.login("garage")
    answer = send(client, "one_off_payment", employee="73", amount="250", description="bonus")
    draft_id = int(answer.headers["location"].rsplit("=", 1)[1])
    bureau = dashboard.login("bureau")
    token = page_csrf(bureau, f"/drafts/{draft_id}")
    rejected = bureau.post(f"/drafts/{draft_id}/reject",
                           data={"csrf_token": token, "reason": "bonus gaat via de cao-regeling"})
    assert rejected.status_code == 303
    assert rows_of(client.get("/mutations").text)[draft_id].endswith("afgewezen: bonus gaat via de cao-regeling")


def test_the_bureau_sees_it_per_employer(dashboard: Dashboard):
    client = dashboard.login("bureau")
    everyone = rows_of(client.get("/mutations").text)
    assert set(everyone) == set(dashboard.drafts[GARAGE_ID]) | set(dashboard.drafts[ATELIER_ID])
    garage = client.get(f"/mutations?employer={GARAGE_ID}").text
    assert set(rows_of(garage)) == set(dashboard.drafts[GARAGE_ID]) and "Ingestuurd door Garage Hoek B.V." in garage


def test_the_status_page_is_paged_by_fifty(dashboard: Dashboard):
    now = dt.datetime(2026, 3, 17, 9, tzinfo=dt.UTC)
    for _ in range(PAGE_SIZE):
        submit_mutation(dashboard.engine, employer_id=GARAGE_ID, employee_number="75", mutation_type="expense",
                        form={"amount": "12,50", "description": "parkeren"}, actor="test", now=now)
    client = dashboard.login("garage")
    first = client.get("/mutations")
    total = PAGE_SIZE + len(dashboard.drafts[GARAGE_ID])
    assert len(rows_of(first.text)) == PAGE_SIZE and f"{total} mutaties" in first.text
    assert 'href="/mutations?page=2"' in first.text
    second = rows_of(client.get("/mutations?page=2").text)
    assert set(second) == set(dashboard.drafts[GARAGE_ID])
    with Session(dashboard.engine) as session:
        newest = session.exec(select(DraftRow.id).order_by(col(DraftRow.id).desc())).first()
    assert next(iter(rows_of(first.text))) == newest
