"""One draft: the page, the marked source, corrections, approve/reject/duplicate/reopen,
what employers may and may not do, masking, and mail content that must stay inert."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from tests.dashboard.conftest import GARAGE, Dashboard, page_csrf
from tests.parsers.conftest import build_mail
from workflows.inbound import store_inbound
from workflows.models import AuditEvent, DraftRow, DraftStatus
from workflows.pipeline import run_pending


def of_type(dashboard: Dashboard, employer: str, mutation_type: str) -> int:
    return next(i for i in dashboard.drafts[employer] if dashboard.draft(i).type == mutation_type)


def act(client, draft_id: int, action: str, **form: str):  # type: ignore[no-untyped-def]
    return client.post(f"/drafts/{draft_id}/{action}", data={"csrf_token": page_csrf(client, f"/drafts/{draft_id}"),
                                                             **form})


def test_the_page_shows_fields_the_mail_and_marks_the_source_line(dashboard: Dashboard):
    sick = of_type(dashboard, "garage-hoek", "sick")
    html = dashboard.login("bureau").get(f"/drafts/{sick}").text
    assert "Ziekmelding" in html and "Priya Ramdin (72)" in html
    marked = re.findall(r'<mark id="bron-\d+" class="source">([^<]*)</mark>', html)
    assert marked == ["Priya Ramdin is sinds maandag ziek."]
    assert "Gerrit heeft 6 overuren" in html  # the rest of the mail is there, unmarked
    assert 'name="start_date" value="2026-03-16"' in html
    siblings = re.findall(r'<li><a href="/drafts/(\d+)">', html)
    assert sorted(int(s) for s in siblings) == sorted(set(dashboard.drafts["garage-hoek"]) - {sick})


def test_an_employer_cannot_open_another_employers_draft(dashboard: Dashboard):
    other = dashboard.drafts["atelier-noorderlicht"][0]
    client = dashboard.login("garage")
    assert client.get(f"/drafts/{other}").status_code == 404
    assert client.get("/drafts/999999").status_code == 404
    assert "Hannah" not in client.get(f"/drafts/{other}").text


def test_an_employer_sees_its_own_draft_but_cannot_act_on_it(dashboard: Dashboard):
    own = dashboard.drafts["garage-hoek"][0]
    client = dashboard.login("garage")
    html = client.get(f"/drafts/{own}").text
    assert "Goedkeuren" not in html and "<form method=\"post\" action=\"/drafts" not in html
    for action in ("approve", "reject", "reopen", "duplicate", "fields"):
        assert act(client, own, action, reason="nee").status_code == 403, action
    assert dashboard.draft(own).status == DraftStatus.NEW


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_the_bureau_approves_and_reopens(dashboard: Dashboard, who: str):
    sick = of_type(dashboard, "garage-hoek", "sick")
    client = dashboard.login(who)
    answer = act(client, sick, "approve")
    assert answer.status_code == 303 and dashboard.draft(sick).status == DraftStatus.APPROVED
    assert act(client, sick, "approve").status_code == 422  # twice is not possible
    assert act(client, sick, "reopen").status_code == 303 and dashboard.draft(sick).status == DraftStatus.NEW
    html = client.get(f"/drafts/{sick}").text
    assert "goedgekeurd" in html and "heropend" in html  # the history


def test_htmx_actions_swap_the_panel(dashboard: Dashboard):
    sick = of_type(dashboard, "garage-hoek", "sick")
    client = dashboard.login("bureau")
    token = page_csrf(client)
    answer = client.post(f"/drafts/{sick}/approve", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert answer.status_code == 200 and "<html" not in answer.text and "goedgekeurd" in answer.text
    assert dashboard.draft(sick).status == DraftStatus.APPROVED


def test_reject_needs_a_reason_and_keeps_it(dashboard: Dashboard):
    hours = of_type(dashboard, "garage-hoek", "hours")
    client = dashboard.login("bureau")
    empty = act(client, hours, "reject", reason="  ")
    assert empty.status_code == 422 and "reden" in empty.text and dashboard.draft(hours).status == DraftStatus.NEW
    assert act(client, hours, "reject", reason="al verwerkt in februari").status_code == 303
    draft = dashboard.draft(hours)
    assert (draft.status, draft.reason) == (DraftStatus.REJECTED, "al verwerkt in februari")


def test_a_correction_is_validated_like_the_parser_does(dashboard: Dashboard):
    salary = of_type(dashboard, "garage-hoek", "salary_change")
    client = dashboard.login("bureau")
    wrong = act(client, salary, "fields", effective_date="31-02-2026", salary_amount="3100")
    assert wrong.status_code == 422 and "ingangsdatum" in wrong.text
    assert act(client, salary, "fields", effective_date="2026-05-01", salary_amount="3250,50",
               salary_period="month").status_code == 303
    draft = dashboard.draft(salary)
    assert draft.fields == {"effective_date": "2026-05-01", "salary_amount": 3250.5, "salary_period": "month"}
    assert draft.period == "2026-05"
    with Session(dashboard.engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "corrected")).all()
    assert event.detail == {"changed": ["effective_date", "salary_amount"]}


def test_a_missing_required_field_becomes_an_issue_that_blocks_approval(dashboard: Dashboard):
    salary = of_type(dashboard, "garage-hoek", "salary_change")
    client = dashboard.login("bureau")
    assert act(client, salary, "fields", effective_date="2026-05-01").status_code == 303
    assert any(i["severity"] == "error" for i in dashboard.draft(salary).issues)
    refused = act(client, salary, "approve")
    assert refused.status_code == 422 and "fouten" in refused.text


def test_bsn_and_iban_are_masked_except_in_the_edit_field(dashboard: Dashboard):
    store_inbound(dashboard.engine, dashboard.data_dir, build_mail(
        "Karin Verbeek heeft een nieuw rekeningnummer: NL91 ABNA 0417 1643 00.", sender=GARAGE,
        subject="IBAN"), channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    with Session(dashboard.engine) as session:
        change = session.exec(select(DraftRow).where(DraftRow.type == "personal_data_change")).one()
    client = dashboard.login("bureau")
    queue = client.get("/queue").text
    assert "NL91ABNA0417164300" not in queue and "*****4300" in queue
    page = client.get(f"/drafts/{change.id}").text
    assert 'name="iban" value="NL91ABNA0417164300"' in page  # where it is edited
    assert act(client, change.id or 0, "approve").status_code == 303
    approved = client.get(f"/drafts/{change.id}").text
    assert "NL91ABNA0417164300" not in approved.split("Oorspronkelijke mail")[0] and "*****4300" in approved


def test_duplicates_are_marked_within_one_employer_only(dashboard: Dashboard):
    garage, atelier = dashboard.drafts["garage-hoek"], dashboard.drafts["atelier-noorderlicht"]
    client = dashboard.login("bureau")
    assert act(client, garage[1], "duplicate", of=str(atelier[0])).status_code == 422
    assert act(client, garage[1], "duplicate", of=str(garage[1])).status_code == 422
    assert act(client, garage[1], "duplicate", of=f"#{garage[0]}").status_code == 303
    draft = dashboard.draft(garage[1])
    assert (draft.status, draft.duplicate_of) == (DraftStatus.DUPLICATE, garage[0])


def test_actions_need_the_csrf_token(dashboard: Dashboard):
    sick = of_type(dashboard, "garage-hoek", "sick")
    client = dashboard.login("bureau")
    assert client.post(f"/drafts/{sick}/approve", data={"csrf_token": "vervalst"}).status_code == 403
    assert client.post(f"/drafts/{sick}/approve").status_code == 403
    assert dashboard.draft(sick).status == DraftStatus.NEW


def test_unknown_actions_and_drafts_are_not_found(dashboard: Dashboard):
    client = dashboard.login("bureau")
    sick = of_type(dashboard, "garage-hoek", "sick")
    assert act(client, sick, "delete").status_code == 404
    assert client.post("/drafts/999999/approve", data={"csrf_token": page_csrf(client)}).status_code == 404


def test_script_in_a_mail_shows_as_text(dashboard: Dashboard):
    store_inbound(dashboard.engine, dashboard.data_dir, build_mail(
        'Gerrit Hoek heeft 3 overuren gemaakt. <script>alert("x")</script> <img src=x onerror="alert(1)">',
        sender=GARAGE, subject="<script>document.title='x'</script>"), channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    with Session(dashboard.engine) as session:
        newest = session.exec(select(DraftRow).order_by(DraftRow.id.desc())).first()  # type: ignore[union-attr]
    assert newest is not None
    html = dashboard.login("bureau").get(f"/drafts/{newest.id}").text
    assert "<script>alert" not in html and "<img src=x" not in html and "<script>document" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert" in html


def test_the_reviewer_chooses_the_employee_the_parser_could_not(dashboard: Dashboard):
    store_inbound(dashboard.engine, dashboard.data_dir, build_mail("Pieter krijgt een bonus van 250 euro.",
                                                                   sender=GARAGE, subject="Bonus"), channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    with Session(dashboard.engine) as session:
        bonus = session.exec(select(DraftRow).where(DraftRow.type == "one_off_payment")).one()
    assert bonus.employee_id is None and any(i["severity"] == "error" for i in bonus.issues)
    client = dashboard.login("bureau")
    page = client.get(f"/drafts/{bonus.id}").text
    assert '<option value="74" >Karin  Verbeek (74)</option>' in page
    assert act(client, bonus.id or 0, "approve").status_code == 422  # still unknown: not approvable
    assert act(client, bonus.id or 0, "fields", amount="250").status_code == 303
    assert any("personeelsbestand" in i["message"] for i in dashboard.draft(bonus.id or 0).issues)
    assert act(client, bonus.id or 0, "fields", employee="9001", amount="250").status_code == 422  # other employer
    assert act(client, bonus.id or 0, "fields", employee="74", amount="250").status_code == 303
    chosen = dashboard.draft(bonus.id or 0)
    assert (chosen.employee_id, chosen.employee_name, chosen.issues) == ("74", "Karin Verbeek", [])
    assert act(client, bonus.id or 0, "approve").status_code == 303


def test_a_draft_from_a_sheet_shows_the_sheet_with_its_cells_marked(dashboard: Dashboard):
    from tests.parsers.test_mail_sheets import XLSX, workbook

    sheet = workbook(("Uren maart", [["Overzicht uren maart 2026"], [],
                                     ["Personeelsnr", "Naam", "Overuren", "Opmerking"],
                                     [71, "Gerrit Hoek", 5, ""], [74, "Karin Verbeek", 3, "<b>avond</b>"]]))
    store_inbound(dashboard.engine, dashboard.data_dir, build_mail(
        "Zie de bijlage.", sender=GARAGE, subject="Uren maart", attachments=[("uren.xlsx", sheet, XLSX)]),
        channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    with Session(dashboard.engine) as session:
        karin = session.exec(select(DraftRow).where(DraftRow.employee_id == "74", DraftRow.type == "hours")).one()
    assert karin.source["part"] == "attachment:uren.xlsx", karin.source
    html = dashboard.login("bureau").get(f"/drafts/{karin.id}").text
    assert 'class="sheet"' in html and "Gelezen uit <strong>uren.xlsx</strong>, blad Uren maart" in html
    marked = re.findall(r'<td class="source">([^<]*)</td>', html)
    assert "Karin Verbeek" in marked and "Gerrit Hoek" not in marked
    assert "Overzicht uren maart 2026" in html  # the title rows stay for context
    assert "&lt;b&gt;avond&lt;/b&gt;" in html and "<b>avond</b>" not in html
