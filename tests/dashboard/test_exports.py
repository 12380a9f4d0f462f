"""Exports in the dashboard: only the bureau makes and downloads them; files are the export's own."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.dashboard.conftest import Dashboard, page_csrf
from workflows.models import DraftStatus
from workflows.review import approve


def approve_all(dashboard: Dashboard, employer: str) -> list[int]:
    done = []
    for draft_id in dashboard.drafts[employer]:
        if not any(i["severity"] == "error" for i in dashboard.draft(draft_id).issues):
            approve(dashboard.engine, draft_id, scope=None, actor="test")
            done.append(draft_id)
    return done


def test_the_bureau_exports_a_period_and_downloads_its_files(dashboard: Dashboard):
    approved = approve_all(dashboard, "garage-hoek")
    march = [i for i in approved if dashboard.draft(i).period == "2026-03"]
    assert march
    client = dashboard.login("bureau")
    page = client.get("/exports").text
    assert "Garage Hoek B.V." in page and "Exporteer 2026-03" in page
    made = client.post("/exports", data={"csrf_token": page_csrf(client, "/exports"), "employer": "garage-hoek",
                                         "period": "2026-03"})
    assert made.status_code == 303
    batch_page = client.get(made.headers["location"]).text
    names = re.findall(r'/files/([^"]+)" download', batch_page)
    assert sorted(names) == sorted(["uren-garage-hoek-2026-03.xlsx", "looncomponenten-garage-hoek-2026-03.xlsx",
                                    "werklijst-garage-hoek-2026-03.xlsx", "werklijst-garage-hoek-2026-03.csv"])
    assert all(dashboard.draft(i).status == DraftStatus.EXPORTED for i in march)
    hours = client.get(f"{made.headers['location']}/files/uren-garage-hoek-2026-03.xlsx")
    assert hours.status_code == 200 and "attachment" in hours.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(hours.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["Personeelsnummer", "Periode"] and [str(v) for v in rows[1][:2]] == ["71", "2026-03"]
    again = client.get(f"{made.headers['location']}/files/uren-garage-hoek-2026-03.xlsx")
    assert again.content == hours.content  # reproducible
    second = client.post("/exports", data={"csrf_token": page_csrf(client, "/exports"), "employer": "garage-hoek",
                                           "period": "2026-03"})
    assert "error=" in second.headers["location"]  # nothing left: never exported twice


def test_employers_never_see_exports(dashboard: Dashboard):
    approve_all(dashboard, "garage-hoek")
    bureau = dashboard.login("bureau")
    made = bureau.post("/exports", data={"csrf_token": page_csrf(bureau, "/exports"), "employer": "garage-hoek",
                                         "period": "2026-03"})
    location = made.headers["location"]
    for who in ("garage", "atelier"):
        client = dashboard.login(who)
        assert client.get("/exports").status_code == 403
        assert client.get(location).status_code == 403
        assert client.get(f"{location}/files/werklijst-garage-hoek-2026-03.csv").status_code == 403
        assert client.post("/exports", data={"csrf_token": page_csrf(client), "employer": "garage-hoek",
                                             "period": "2026-04"}).status_code == 403
        assert "/exports" not in client.get("/queue").text


def test_unknown_exports_and_files_are_not_found(dashboard: Dashboard):
    client = dashboard.login("bureau")
    assert client.get("/exports/999").status_code == 404
    approve_all(dashboard, "garage-hoek")
    made = client.post("/exports", data={"csrf_token": page_csrf(client, "/exports"), "employer": "garage-hoek",
                                         "period": "2026-03"})
    assert client.get(f"{made.headers['location']}/files/..%2Fsecrets.txt").status_code == 404
    assert client.get(f"{made.headers['location']}/files/other.xlsx").status_code == 404


def test_making_an_export_needs_the_token(dashboard: Dashboard):
    approve_all(dashboard, "garage-hoek")
    client = dashboard.login("bureau")
    refused = client.post("/exports", data={"csrf_token": "x", "employer": "garage-hoek", "period": "2026-03"})
    assert refused.status_code == 403
    assert all(dashboard.draft(i).export_id is None for i in dashboard.drafts["garage-hoek"])
