"""Employers and employees: who may see them, the overview and one employer's page, importing a
roster file (and the Dutch errors for a bad one), and adding and removing sender addresses."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlmodel import Session, col, select

from tests.dashboard.conftest import USERS, Dashboard, page_csrf
from workflows.employers import MAX_ROSTER_BYTES
from workflows.models import AuditEvent, Employee, Employer, SenderAddress

CSV = ("employer_id;employer_name;senders;number;first_name;prefix;last_name;birth_date;hours_per_week;email;"
       "work_days;start_date\n"
       "bakkerij-zon;Bakkerij De Zon;Piet@BakkerijZon.example|loon@bakkerijzon.example;1;Piet;de;Zon;1970-02-02;"
       "38;piet@example.org;mon|tue|wed|thu|fri;2001-01-01\n"
       "bakkerij-zon;Bakkerij De Zon;;2;Fatima;;El Amrani;1995-06-30;24.5;;mon|wed|fri;\n")


def senders_of(dashboard: Dashboard, employer_id: str) -> list[str]:
    with Session(dashboard.engine) as session:
        return sorted(session.exec(select(SenderAddress.address).where(SenderAddress.employer_id == employer_id)))


def sender_id(dashboard: Dashboard, address: str) -> int:
    with Session(dashboard.engine) as session:
        row = session.exec(select(SenderAddress).where(SenderAddress.address == address)).one()
        return row.id or 0


def upload(client, name: str, content: bytes, *, token: str | None = None):  # type: ignore[no-untyped-def]
    token = page_csrf(client, "/employers") if token is None else token
    return client.post("/employers/import", data={"csrf_token": token}, files={"file": (name, content, "text/plain")})


def employer_count(dashboard: Dashboard) -> int:
    with Session(dashboard.engine) as session:
        return len(session.exec(select(Employer)).all())


ROUTES_GET = ("/employers", "/employers/garage-hoek")


def test_anonymous_visitors_are_sent_to_the_login(dashboard: Dashboard):
    client = dashboard.client()
    for path in ROUTES_GET:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == f"/login?next={path}"
    address = sender_id(dashboard, "ria@garagehoek.example")
    for path in ("/employers/import", "/employers/garage-hoek/senders",
                 f"/employers/garage-hoek/senders/{address}/delete"):
        answer = client.post(path, data={"address": "x@y.example"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
    assert senders_of(dashboard, "garage-hoek") == ["loon@garagehoek.example", "ria@garagehoek.example"]


def test_employer_users_may_not_see_or_change_employers(dashboard: Dashboard):
    client = dashboard.login("garage")
    for path in ROUTES_GET:
        answer = client.get(path)
        assert answer.status_code == 403 and "Priya" not in answer.text, path
    assert 'href="/employers"' not in client.get("/queue").text
    token = page_csrf(client)
    address = sender_id(dashboard, "ria@garagehoek.example")
    assert upload(client, "roster.csv", CSV.encode(), token=token).status_code == 403
    assert client.post("/employers/garage-hoek/senders",
                       data={"csrf_token": token, "address": "x@y.example"}).status_code == 403
    assert client.post(f"/employers/garage-hoek/senders/{address}/delete",
                       data={"csrf_token": token}).status_code == 403
    assert senders_of(dashboard, "garage-hoek") == ["loon@garagehoek.example", "ria@garagehoek.example"]
    assert employer_count(dashboard) == 2


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_the_overview_lists_employers_with_senders_staff_and_open_drafts(dashboard: Dashboard, who: str):
    client = dashboard.login(who)
    assert 'href="/employers"' in client.get("/queue").text
    html = client.get("/employers").text
    rows = re.findall(r'<tr>\s*<td><a href="/employers/([^"]+)">([^<]+)</a>.*?</td>\s*<td>(.*?)</td>\s*'
                      r'<td class="number">(\d+)</td>\s*<td class="number">(?:<a [^>]*>)?(\d+)', html, re.S)
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [("atelier-noorderlicht", "Atelier Noorderlicht", "2", "2"),
                                                       ("garage-hoek", "Garage Hoek B.V.", "7", "3")]
    assert "loon@garagehoek.example<br>ria@garagehoek.example" in rows[1][2]
    assert 'enctype="multipart/form-data"' in html and 'type="file" name="file"' in html


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_one_employer_shows_its_employees_and_senders(dashboard: Dashboard, who: str):
    html = dashboard.login(who).get("/employers/garage-hoek").text
    assert "<h1>Garage Hoek B.V." in html and "7 medewerkers" in html and "3 te beoordelen" in html
    staff = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>([^<]+)</td>\s*<td class=\"number\">([^<]+)</td>\s*"
                       r"<td>([^<]+)</td>", html)
    assert staff[:3] == [("71", "Gerrit Hoek", "40", "gerrit@example.org"), ("72", "Priya Ramdin", "32",
                                                                             "priya@example.org"),
                         ("73", "Stijn van der Linden", "38", "stijn@example.org")]
    assert len(staff) == 7
    assert "loon@garagehoek.example" in html and "ria@garagehoek.example" in html
    assert "Hannah" not in html


def test_an_unknown_employer_is_not_found(dashboard: Dashboard):
    client = dashboard.login("bureau")
    assert client.get("/employers/bestaat-niet").status_code == 404
    token = page_csrf(client)
    assert client.post("/employers/bestaat-niet/senders",
                       data={"csrf_token": token, "address": "a@b.example"}).status_code == 404


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_a_valid_csv_is_imported(dashboard: Dashboard, who: str):
    client = dashboard.login(who)
    answer = upload(client, "personeel.csv", CSV.encode("utf-8-sig"))
    assert answer.status_code == 303 and answer.headers["location"].startswith("/employers?notice=")
    assert "personeel.csv ingelezen: 1 werkgever(s) en 2 medewerker(s)." in client.get(answer.headers["location"]).text
    with Session(dashboard.engine) as session:
        assert session.get(Employer, "bakkerij-zon").name == "Bakkerij De Zon"  # type: ignore[union-attr]
        staff = session.exec(select(Employee).where(Employee.employer_id == "bakkerij-zon")
                             .order_by(col(Employee.number))).all()
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "roster_imported",
                                                        AuditEvent.actor == USERS[who][0])).all()
    assert [(e.number, e.prefix, e.last_name, e.hours_per_week) for e in staff] == [("1", "de", "Zon", 38.0),
                                                                                    ("2", "", "El Amrani", 24.5)]
    assert event.detail == {"employers": 1, "employees": 2}
    assert senders_of(dashboard, "bakkerij-zon") == ["loon@bakkerijzon.example", "piet@bakkerijzon.example"]
    assert employer_count(dashboard) == 3
    html = client.get("/employers/bakkerij-zon").text
    assert "Piet de Zon" in html and "24,5" in html


def test_a_valid_json_roster_is_imported(dashboard: Dashboard):
    roster = {"employers": [{"id": "garage-hoek", "name": "Garage Hoek", "senders": ["ria@garagehoek.example"],
                             "employees": [{"number": "78", "first_name": "Nina", "last_name": "Bos",
                                            "hours_per_week": 20}]}]}
    client = dashboard.login("bureau")
    assert upload(client, "roster.json", json.dumps(roster).encode()).status_code == 303
    with Session(dashboard.engine) as session:
        assert session.get(Employer, "garage-hoek").name == "Garage Hoek"  # type: ignore[union-attr]
        assert len(session.exec(select(Employee).where(Employee.employer_id == "garage-hoek")).all()) == 8
    assert senders_of(dashboard, "garage-hoek") == ["ria@garagehoek.example"]  # replaced by the file's list


@pytest.mark.parametrize(("name", "content", "message"), [
    ("roster.csv", b"naam;adres\nPiet;Zon\n", "de CSV mist de kolommen: employer_id, number, first_name, last_name"),
    ("roster.csv", b"employer_id,number,first_name,last_name,hours_per_week\nx,1,A,B,veel\n",
     "de CSV bevat ongeldige waarden: employers.0.employees.0.hours_per_week: 'veel' is geen getal"),
    ("roster.csv", "employer_id;number;first_name;last_name\nx;1;Jos;Müller\n".encode("latin-1"),
     "het bestand is geen UTF-8-tekst"),
    ("roster.json", b'{"employers": [', "het bestand is geen geldige JSON"),
    ("roster.json", b'{"employers": [{"name": "Zonder id"}]}', "het JSON-bestand klopt niet: employers.0.id"),
    ("roster.json", b'{"employers": []}', "het bestand bevat geen werkgevers"),
    ("roster.xlsx", b"PK\x03\x04", "kies een .json- of .csv-bestand"),
    ("roster.csv", b"   \n", "het bestand is leeg"),
    ("roster.csv", b"employer_id;number;first_name;last_name\nx;1;A;B\nx;1;C;D\n",
     "werkgever x: personeelsnummer 1 komt twee keer voor"),
])
def test_a_broken_file_gets_a_dutch_error_and_changes_nothing(dashboard: Dashboard, name: str, content: bytes,
                                                              message: str):
    client = dashboard.login("bureau")
    answer = upload(client, name, content)
    assert answer.status_code == 422, answer.text
    assert message in unescape(answer.text) and f"{name} is niet ingelezen" in answer.text
    assert "Traceback" not in answer.text
    assert employer_count(dashboard) == 2


def test_an_import_may_not_take_another_employers_sender(dashboard: Dashboard):
    csv = "employer_id;senders;number;first_name;last_name\nnieuw;office@noorderlicht.example;1;A;B\n"
    answer = upload(dashboard.login("bureau"), "roster.csv", csv.encode())
    assert answer.status_code == 422
    assert "het adres office@noorderlicht.example hoort al bij werkgever atelier-noorderlicht" in answer.text
    assert employer_count(dashboard) == 2 and senders_of(dashboard, "atelier-noorderlicht") == [
        "office@noorderlicht.example"]


def test_an_import_without_a_file_or_too_large_is_refused(dashboard: Dashboard):
    client = dashboard.login("bureau")
    token = page_csrf(client, "/employers")
    empty = client.post("/employers/import", data={"csrf_token": token})
    assert empty.status_code == 422 and "Kies een bestand" in empty.text
    large = upload(client, "roster.csv", b"employer_id;number;first_name;last_name\n" + b"x" * MAX_ROSTER_BYTES)
    assert large.status_code == 413 and "hoogstens 5 MB" in large.text
    assert employer_count(dashboard) == 2


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_sender_addresses_are_added_and_removed(dashboard: Dashboard, who: str):
    client = dashboard.login(who)
    token = page_csrf(client, "/employers/garage-hoek")
    answer = client.post("/employers/garage-hoek/senders", data={"csrf_token": token,
                                                                  "address": " Salaris@GarageHoek.example "})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/employers/garage-hoek?notice=")
    assert "salaris" not in answer.headers["location"]  # no address in a URL
    assert "Afzender toegevoegd." in client.get(answer.headers["location"]).text
    assert "salaris@garagehoek.example" in senders_of(dashboard, "garage-hoek")
    again = client.post("/employers/garage-hoek/senders", data={"csrf_token": token,
                                                                 "address": "salaris@garagehoek.example"})
    assert again.status_code == 303 and "stond er al" in client.get(again.headers["location"]).text

    address = sender_id(dashboard, "salaris@garagehoek.example")
    html = client.get("/employers/garage-hoek").text
    assert f'action="/employers/garage-hoek/senders/{address}/delete"' in html
    gone = client.post(f"/employers/garage-hoek/senders/{address}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    assert senders_of(dashboard, "garage-hoek") == ["loon@garagehoek.example", "ria@garagehoek.example"]
    with Session(dashboard.engine) as session:
        events = session.exec(select(AuditEvent).where(col(AuditEvent.action).in_(["sender_added",
                                                                                   "sender_removed"]))
                              .order_by(col(AuditEvent.id))).all()
    # The audit names the address by its id, never the address itself.
    assert [(e.action, e.actor, e.detail) for e in events] == [
        ("sender_added", USERS[who][0], {"sender_address_id": address}),
        ("sender_removed", USERS[who][0], {"sender_address_id": address})]


def test_a_sender_of_another_employer_is_refused(dashboard: Dashboard):
    client = dashboard.login("bureau")
    token = page_csrf(client, "/employers/garage-hoek")
    answer = client.post("/employers/garage-hoek/senders", data={"csrf_token": token,
                                                                  "address": "Office@Noorderlicht.example"})
    assert answer.status_code == 422
    assert "het adres office@noorderlicht.example hoort al bij werkgever Atelier Noorderlicht" in answer.text
    assert senders_of(dashboard, "atelier-noorderlicht") == ["office@noorderlicht.example"]
    bad = client.post("/employers/garage-hoek/senders", data={"csrf_token": token, "address": "geen adres"})
    assert bad.status_code == 422 and "is geen geldig e-mailadres" in bad.text
    # Deleting goes by the employer's own addresses only.
    other = sender_id(dashboard, "office@noorderlicht.example")
    assert client.post(f"/employers/garage-hoek/senders/{other}/delete", data={"csrf_token": token}).status_code == 404
    assert senders_of(dashboard, "atelier-noorderlicht") == ["office@noorderlicht.example"]


def test_posts_need_the_csrf_token(dashboard: Dashboard):
    client = dashboard.login("bureau")
    address = sender_id(dashboard, "ria@garagehoek.example")
    assert upload(client, "roster.csv", CSV.encode(), token="vervalst").status_code == 403
    assert client.post("/employers/import", files={"file": ("roster.csv", CSV.encode(), "text/csv")}).status_code == 403
    assert client.post("/employers/garage-hoek/senders", data={"address": "x@y.example"}).status_code == 403
    assert client.post(f"/employers/garage-hoek/senders/{address}/delete").status_code == 403
    assert employer_count(dashboard) == 2
    assert senders_of(dashboard, "garage-hoek") == ["loon@garagehoek.example", "ria@garagehoek.example"]


def test_names_in_the_roster_show_as_text(dashboard: Dashboard):
    csv = "employer_id;employer_name;number;first_name;last_name\nx;<script>alert(1)</script>;1;<b>A</b>;B\n"
    client = dashboard.login("bureau")
    assert upload(client, "roster.csv", csv.encode()).status_code == 303
    for page in ("/employers", "/employers/x"):
        html = client.get(page).text
        assert "<script>alert(1)" not in html and "<b>A</b>" not in html and "&lt;script&gt;alert(1)" in html
