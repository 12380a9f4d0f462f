"""No personal data in a URL: every link, form action, HTMX URL and redirect the dashboard gives carries
ids, never a name, an e-mail address, a BSN or an IBAN.

URLs end up in browser history, proxy and server logs and Referer headers, none of which a bureau
controls. The test crawls the dashboard as the bureau, the admin and an employer, does what makes a
redirect with a notice (adding and removing a sender, releasing and discarding quarantined mail,
importing a roster, approving, creating a user, erasing an employee's data, marking a run done), and
reads every URL it meets.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.dashboard.conftest import Dashboard, page_csrf, seeded_dashboard
from tests.log_scan import find_secrets
from tests.parsers.conftest import ROSTER, build_mail
from workflows.export import export_period
from workflows.inbound import store_inbound
from workflows.leave_ledger import accrue_year, request_leave
from workflows.models import DraftRow, DraftStatus, Employee, SenderAddress
from workflows.pipeline import run_pending
from workflows.review import approve

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put", "hx-delete",
                  "hx-push-url", "hx-replace-url")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
BSN_LIKE = re.compile(r"(?<!\d)(?:\d{9}|\d{4}\.\d{2}\.\d{3})(?!\d)")
IBAN_LIKE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2} ?(?:[A-Za-z0-9]{4} ?){2,7}[A-Za-z0-9]{0,3}(?![A-Za-z0-9])")
# Companies, not people ("garage-hoek", "Garage Hoek B.V." are not Gerrit Hoek): left out before names are sought.
EMPLOYERS = sorted({x for e in ROSTER["employers"] for x in (e["id"], e["name"])}, key=len, reverse=True)
NAMES = {part.lower() for e in ROSTER["employers"] for p in e["employees"]
         for part in f"{p['first_name']} {p['last_name']}".split()}
MAX_PAGES = 150


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in URL_ATTRIBUTES and value and value != "true"]


def links(html: str) -> list[str]:
    reader = _Links()
    reader.feed(html)
    return reader.urls


def personal_data_in(url: str) -> list[str]:
    """What in a URL is personal data: an address, a BSN or IBAN (or anything shaped like one), a name."""
    text = unquote_plus(unquote_plus(url))
    for employer in EMPLOYERS:
        text = text.replace(employer, "")
    found = EMAIL.findall(text) + BSN_LIKE.findall(text) + IBAN_LIKE.findall(text) + find_secrets(text)
    found += sorted(NAMES & set(re.findall(r"[a-zà-ÿ]+", text.lower())))
    return found


class Crawl:
    """Every URL one signed-in client meets: links and forms of each page, and each redirect."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.seen: dict[str, str] = {}  # url -> where it was found
        self.visited: set[str] = set()

    def note(self, url: str, where: str) -> None:
        self.seen.setdefault(url, where)

    def page(self, path: str) -> str:
        answer = self.client.get(path)
        if answer.is_redirect:
            self.note(answer.headers["location"], f"redirect of GET {path}")
            return ""
        if "json" in answer.headers.get("content-type", ""):
            self.note(answer.headers.get("content-disposition", ""), f"download {path}")
            return ""
        for url in links(answer.text):
            self.note(url, path)
        return answer.text

    def walk(self, start: str) -> None:
        queue = deque([start])
        while queue and len(self.visited) < MAX_PAGES:
            path = queue.popleft()
            if path in self.visited:
                continue
            self.visited.add(path)
            self.page(path)
            for url in list(self.seen):
                target = urlsplit(url)
                if target.scheme or target.netloc or not url.startswith("/") or url.startswith("/static"):
                    continue
                if url not in self.visited and not self._is_form_target(url):
                    queue.append(url)

    def _is_form_target(self, url: str) -> bool:
        return url.endswith(("/approve", "/reject", "/reopen", "/duplicate", "/fields", "/ask", "/delete",
                             "/release", "/discard", "/erase", "/run-done", "/schedule", "/code", "/logout",
                             "/senders", "/import", "/enable", "/disable")) or "/leave/settings/" in url

    def post(self, path: str, form: dict[str, str], *, csrf_from: str = "/queue",
             files: dict[str, tuple[str, bytes, str]] | None = None) -> None:
        answer = self.client.post(path, data={"csrf_token": page_csrf(self.client, csrf_from), **form}, files=files)
        assert answer.status_code < 500, (path, answer.text[:500])
        if answer.is_redirect:
            location = answer.headers["location"]
            self.note(location, f"redirect of POST {path}")
            self.walk(location)
        else:
            for url in links(answer.text):
                self.note(url, f"answer to POST {path}")

    def offending(self) -> list[tuple[str, str, list[str]]]:
        return [(url, where, found) for url, where in self.seen.items() if (found := personal_data_in(url))]


def employee_id(engine: Engine, employer_id: str, number: str) -> int:
    with Session(engine) as session:
        found = session.exec(select(Employee.id).where(Employee.employer_id == employer_id,
                                                       Employee.number == number)).one()
        assert found is not None
        return found


def seeded(engine: Engine, data_dir: Path) -> tuple[Dashboard, list[int]]:
    """The dashboard's two employers, plus quarantined mail from people, leave, and an export."""
    board = seeded_dashboard(engine, data_dir)
    quarantined = [store_inbound(engine, data_dir, build_mail(body, sender=sender), channel="smtp")
                   for body, sender in (("Sem de Jong, BSN 123456782, IBAN NL91ABNA0417164300, begint 1 april.",
                                         "Priya Ramdin <priya.ramdin@elders.example>"),
                                        ("Spam.", "Karin Verbeek <karin.verbeek@elders.example>"))]
    run_pending(engine, data_dir, "test")
    with Session(engine) as session:
        exportable = session.exec(select(DraftRow).where(DraftRow.employer_id == "garage-hoek",
                                                         DraftRow.type == "hours")).one()
    approve(engine, exportable.id or 0, scope=None, actor="test")
    export_period(engine, "garage-hoek", exportable.period or "", "test")
    priya = employee_id(engine, "garage-hoek", "72")
    accrue_year(engine, priya, 2026, actor="test")
    request_leave(engine, priya, "vacation", dt.date(2026, 12, 14), dt.date(2026, 12, 15), 8, "telegram",
                  "Priya Ramdin wil twee dagen vrij.")
    return board, quarantined


@pytest.mark.parametrize("who", ["bureau", "admin", "garage"])
def test_no_url_the_dashboard_gives_carries_personal_data(engine: Engine, data_dir: Path, who: str):
    board, quarantined = seeded(engine, data_dir)
    crawl = Crawl(board.login(who))
    crawl.walk("/queue")
    for start in ("/queue?status=all", "/leave", "/periods", "/exports", "/employers", "/quarantine", "/users"):
        crawl.walk(start)
    assert len(crawl.visited) > 8, crawl.visited

    if who in ("bureau", "admin"):
        employer_page = "/employers/garage-hoek"
        crawl.post("/employers/garage-hoek/senders", {"address": "Priya.Ramdin@garagehoek.example"},
                   csrf_from=employer_page)
        with Session(engine) as session:
            added = session.exec(select(SenderAddress).where(
                SenderAddress.address == "priya.ramdin@garagehoek.example")).one()
        crawl.post(f"/employers/garage-hoek/senders/{added.id}/delete", {}, csrf_from=employer_page)
        crawl.post(f"/quarantine/{quarantined[0]}/release", {"employer": "garage-hoek"}, csrf_from="/quarantine")
        crawl.post(f"/quarantine/{quarantined[1]}/discard", {}, csrf_from="/quarantine")
        roster = json.dumps({"employers": [{"id": "garage-hoek", "name": "Garage Hoek B.V.", "employees": [
            {"number": "78", "first_name": "Sem", "last_name": "de Jong", "email": "sem.dejong@example.org"}]}]})
        crawl.post("/employers/import", {}, csrf_from="/employers",
                   files={"file": ("sem-de-jong.json", roster.encode(), "application/json")})
        crawl.post("/queue/approve", {"draft": str(board.drafts["garage-hoek"][0]),
                                      "back": "/queue?status=new"})
        crawl.post("/exports", {"employer": "garage-hoek", "period": "2025-01"}, csrf_from="/exports")  # nothing there
        crawl.post(f"/employers/garage-hoek/employees/{employee_id(engine, 'garage-hoek', '71')}/erase",
                   {"confirm": "WISSEN"}, csrf_from=employer_page)
        crawl.post("/periods/garage-hoek/2026-03/run-done", {"back": "employer"}, csrf_from="/periods/garage-hoek")
    if who == "admin":
        crawl.post("/users", {"email": "Hannah.Moore@noorderlicht.example", "role": "employer",
                              "employer": "atelier-noorderlicht", "password": "een lang wachtwoord"},
                   csrf_from="/users")
        crawl.post("/users", {"email": "Hannah.Moore@noorderlicht.example", "role": "employer",  # twice: refused
                              "employer": "atelier-noorderlicht", "password": "een lang wachtwoord"},
                   csrf_from="/users")
    with Session(engine) as session:
        new = session.exec(select(DraftRow.id).where(DraftRow.status == DraftStatus.NEW)).first()
    if new is not None and who != "garage":
        crawl.post(f"/drafts/{new}/reject", {"reason": "Priya Ramdin heeft dit al gemeld"}, csrf_from=f"/drafts/{new}")

    assert crawl.offending() == []
    assert any(url.startswith("/drafts/") for url in crawl.seen)  # it did see the pages with people on them


def test_the_check_finds_what_it_looks_for():
    for url in ("/employers/garage-hoek?notice=priya%40example.org%20toegevoegd",
                "/queue?q=Ramdin", "/x?notice=Gerrit+Hoek+gewist", "/x?bsn=123456782", "/x/NL91ABNA0417164300",
                "/users?notice=gebruiker%20karin%40garagehoek.example%20aangemaakt"):
        assert personal_data_in(url), url
    for url in ("/employers/garage-hoek?notice=Afzender%20toegevoegd.", "/drafts/12", "/queue?employer=garage-hoek"
                "&status=new", "/exports/3/files/garage-hoek-2026-03.csv", "/periods/garage-hoek"):
        assert personal_data_in(url) == [], url
