"""The review queue: what each role sees, the filters, paging and bulk approval."""

from __future__ import annotations

import re

from sqlmodel import Session

from tests.dashboard.conftest import Dashboard, page_csrf
from workflows.models import DraftRow, DraftStatus
from workflows.review_queue import PAGE_SIZE


def draft_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/drafts/(\d+)" class="row-link"', html)]


def test_the_bureau_sees_every_employer_newest_first(dashboard: Dashboard):
    html = dashboard.login("bureau").get("/queue").text
    everything = sorted(dashboard.drafts["garage-hoek"] + dashboard.drafts["atelier-noorderlicht"], reverse=True)
    assert draft_ids(html) == everything
    assert "Garage Hoek B.V." in html and "Atelier Noorderlicht" in html
    assert re.search(r"Garage Hoek B.V.</a>\s*<span class=\"count\">3</span>", html)


def test_an_employer_sees_only_its_own_drafts_whatever_it_asks_for(dashboard: Dashboard):
    client = dashboard.login("garage")
    own = sorted(dashboard.drafts["garage-hoek"], reverse=True)
    assert draft_ids(client.get("/queue").text) == own
    assert draft_ids(client.get("/queue?employer=atelier-noorderlicht").text) == []
    assert draft_ids(client.get("/queue?q=Hannah&status=all").text) == []
    html = client.get("/queue").text
    assert "Atelier Noorderlicht" not in html and "Selectie goedkeuren" not in html


def test_filters_narrow_the_queue(dashboard: Dashboard):
    client = dashboard.login("bureau")
    garage = dashboard.drafts["garage-hoek"]
    assert sorted(draft_ids(client.get("/queue?employer=garage-hoek").text)) == garage
    sick = draft_ids(client.get("/queue?type=sick").text)
    assert sick and all(dashboard.draft(i).type == "sick" for i in sick) and len(sick) == 2
    assert [dashboard.draft(i).employee_id for i in draft_ids(client.get("/queue?q=ramdin").text)] == ["72"]
    assert [dashboard.draft(i).employee_id for i in draft_ids(client.get("/queue?q=9001").text)] == ["9001"]
    assert draft_ids(client.get("/queue?status=approved").text) == []
    assert draft_ids(client.get("/queue?period=2026-04").text) == [
        i for i in sorted(garage, reverse=True) if dashboard.draft(i).period == "2026-04"] != []
    with_issues = draft_ids(client.get("/queue?issues=1&status=all").text)
    assert all(dashboard.draft(i).issues for i in with_issues)
    assert {i for i in garage + dashboard.drafts["atelier-noorderlicht"] if dashboard.draft(i).issues} == set(
        with_issues)


def test_low_confidence_shows_only_unsure_drafts(dashboard: Dashboard):
    target = dashboard.drafts["garage-hoek"][0]
    with Session(dashboard.engine) as session:
        draft = session.get(DraftRow, target)
        assert draft is not None
        draft.confidence = 0.3
        session.add(draft)
        session.commit()
    assert draft_ids(dashboard.login("bureau").get("/queue?low=1").text) == [target]


def test_htmx_gets_only_the_table(dashboard: Dashboard):
    answer = dashboard.login("bureau").get("/queue?type=sick", headers={"HX-Request": "true",
                                                                         "HX-Target": "queue-table"})
    assert answer.status_code == 200
    assert "<html" not in answer.text and 'class="drafts"' in answer.text


def test_the_queue_pages_by_fifty(dashboard: Dashboard):
    first = dashboard.drafts["garage-hoek"][0]
    with Session(dashboard.engine) as session:
        original = session.get(DraftRow, first)
        assert original is not None
        for n in range(PAGE_SIZE + 10):
            session.add(DraftRow(inbound_id=original.inbound_id, employer_id="garage-hoek", type="hours",
                                 employee_id="71", employee_name="Gerrit Hoek",
                                 fields={"hours": n + 1, "kind": "worked"},
                                 source=original.source, confidence=0.9, period="2026-03"))
        session.commit()
    client = dashboard.login("bureau")
    one = client.get("/queue").text
    assert len(draft_ids(one)) == PAGE_SIZE and "pagina 1 van 2" in one and 'rel="next"' in one
    two = client.get("/queue?page=2").text
    assert len(draft_ids(two)) == PAGE_SIZE + 10 + 5 - PAGE_SIZE
    assert not set(draft_ids(one)) & set(draft_ids(two))
    assert draft_ids(client.get("/queue?page=99").text) == draft_ids(two)  # past the end: the last page


def test_bulk_approve_approves_the_selection_and_says_what_it_could_not(dashboard: Dashboard):
    client = dashboard.login("bureau")
    garage = dashboard.drafts["garage-hoek"]
    answer = client.post("/queue/approve", data={"csrf_token": page_csrf(client), "draft": [str(i) for i in garage],
                                                 "back": "/queue?employer=garage-hoek"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/queue?employer=garage-hoek&notice=")
    statuses = {i: dashboard.draft(i).status for i in garage}
    approved = [i for i in garage if statuses[i] == DraftStatus.APPROVED]
    refused = [i for i in garage if dashboard.draft(i).issues and any(
        x["severity"] == "error" for x in dashboard.draft(i).issues)]
    assert len(approved) + len(refused) == len(garage)
    assert all(dashboard.draft(i).decided_by == "anna@bureau.example" for i in approved)


def test_bulk_approve_is_for_the_bureau_and_needs_the_token(dashboard: Dashboard):
    employer = dashboard.login("garage")
    own = dashboard.drafts["garage-hoek"]
    assert employer.post("/queue/approve", data={"csrf_token": page_csrf(employer),
                                                  "draft": [str(i) for i in own]}).status_code == 403
    bureau = dashboard.login("bureau")
    assert bureau.post("/queue/approve", data={"csrf_token": "vervalst", "draft": [str(own[0])]}).status_code == 403
    assert all(dashboard.draft(i).status == DraftStatus.NEW for i in own)


def test_bulk_approve_never_goes_back_to_another_site(dashboard: Dashboard):
    client = dashboard.login("bureau")
    answer = client.post("/queue/approve", data={"csrf_token": page_csrf(client), "back": "https://evil.example/"})
    assert answer.headers["location"].startswith("/queue?notice=")


def test_the_search_box_posts_and_the_address_keeps_only_the_filters(dashboard: Dashboard):
    client = dashboard.login("bureau")
    csrf = page_csrf(client)
    found = client.post("/queue", data={"csrf_token": csrf, "q": "ramdin", "status": "all", "type": ""},
                        headers={"HX-Request": "true", "HX-Target": "queue-table"})
    assert [dashboard.draft(i).employee_id for i in draft_ids(found.text)] == ["72"]
    assert found.headers["HX-Push-Url"] == "/queue?status=all&type="
    assert client.post("/queue", data={"q": "ramdin"}).status_code == 403  # a form like any other: CSRF
