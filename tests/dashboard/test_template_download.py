"""GET /template.xlsx: an employer's user downloads its own template, never another's; the bureau names one."""

from __future__ import annotations

import io

import openpyxl

from parsers.template import FIRST_ROW, MIME_TYPE

GARAGE_STAFF = [("71", "Gerrit Hoek"), ("72", "Priya Ramdin"), ("73", "Stijn van der Linden"),
                ("74", "Karin Verbeek"), ("75", "Bas Verbeek"), ("76", "Thomas de Wit"), ("77", "Thomas Kok")]
ATELIER_STAFF = [("9001", "Hannah Moore"), ("9002", "Daniel Okafor")]


def opened(content: bytes) -> tuple[str, list[tuple[str, str]]]:
    """(the employer id in the marker, the employees pre-filled on the Mutaties sheet)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    marker = dict(book["loonbode"].iter_rows(values_only=True))
    rows = book["Mutaties"].iter_rows(min_row=FIRST_ROW, max_col=2, values_only=True)
    return str(marker["werkgever"]), [(str(n), str(name)) for n, name in rows if n]


def test_an_employer_user_gets_its_own_template(dashboard):
    answer = dashboard.login("garage").get("/template.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == MIME_TYPE
    assert answer.headers["content-disposition"] == 'attachment; filename="loonbode-sjabloon-garage-hoek.xlsx"'
    assert answer.headers["cache-control"] == "no-store"
    assert opened(answer.content) == ("garage-hoek", GARAGE_STAFF)


def test_an_employer_user_cannot_get_another_employers_template(dashboard):
    client = dashboard.login("garage")
    for query in ("?employer=atelier-noorderlicht", "?employer=atelier-noorderlicht&employer=x", "?employer=nope"):
        answer = client.get(f"/template.xlsx{query}")
        assert answer.status_code == 200
        assert opened(answer.content) == ("garage-hoek", GARAGE_STAFF)
        book = openpyxl.load_workbook(io.BytesIO(answer.content))
        text = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
        assert "Hannah" not in text and "Noorderlicht" not in text


def test_the_bureau_names_the_employer(dashboard):
    client = dashboard.login("bureau")
    answer = client.get("/template.xlsx?employer=atelier-noorderlicht")
    assert answer.status_code == 200
    assert "loonbode-sjabloon-atelier-noorderlicht.xlsx" in answer.headers["content-disposition"]
    assert opened(answer.content) == ("atelier-noorderlicht", ATELIER_STAFF)
    assert client.get("/template.xlsx").status_code == 400
    assert client.get("/template.xlsx?employer=bestaat-niet").status_code == 404


def test_nobody_gets_it_without_logging_in(dashboard):
    answer = dashboard.client().get("/template.xlsx?employer=garage-hoek")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/template.xlsx"


def test_the_employer_users_menu_links_to_it(dashboard):
    assert 'href="/template.xlsx"' in dashboard.login("garage").get("/queue").text
    assert 'href="/template.xlsx"' not in dashboard.login("bureau").get("/queue").text
