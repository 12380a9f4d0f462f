"""Dashboard latency over real HTTP on a big queue, beside a trivial route of the same app in the same run.

    python bench/dashboard_bench.py [--drafts 50000] [--requests 200] [--warmup 10] [--sqlite-only]

Seeds a fresh database with `--drafts` drafts (about 40 employers with their rosters, a few thousand
mails of about ten drafts each, varied types, statuses, periods, confidence and issues, and the
audit trail the review leaves) through bulk Core inserts, then serves the real app
(`dashboard.app.create_app`) with uvicorn on 127.0.0.1, logs in as a bureau user over HTTP and
times, one request at a time:

- `/queue`, the review queue as it opens (status "new", page 1);
- a filtered queue: one employer, type "hours", every status, and part of a name in the search box;
- `/drafts/<id>` for ids spread over the whole table (the page reads the original mail from disk);
- `/healthz`, the baseline: the same app, server, client and database, doing `SELECT 1` (no session check).

Routes are interleaved round-robin after a warm-up, so a noisy moment hits them all. This runs on
SQLite (a file in a temp dir) and on PostgreSQL: a new database on LOONBODE_TEST_POSTGRES_URL when
that is set, else a throwaway server from `scripts/services/postgres.sh` (a line says so when none
can be started; the SQLite run still counts).

Prints, per database and route: p50 and p95 in ms, the ratio p95(route) / p95(/healthz), and
"aim p95 <= 100 ms: ok" or "ABOVE AIM".
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.policy
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import Engine, create_engine, insert, make_url, text  # noqa: E402

from dashboard.app import create_app  # noqa: E402
from loonbode.settings import Settings  # noqa: E402
from workflows.db import create_db_engine, is_postgres, migrate  # noqa: E402
from workflows.models import AuditEvent, DraftRow, Employee, Employer, InboundMessage  # noqa: E402
from workflows.periods import draft_period  # noqa: E402
from workflows.rawstore import write_raws  # noqa: E402
from workflows.users import create_user  # noqa: E402

AIM_MS = 100.0
EMPLOYERS = 40
DRAFTS_PER_MAIL = 10  # on average; from 1 to 19
CHUNK = 5000
USER = "bench@bureau.example"
PASSWORD = "bench-password-123"
INTAKE = "mutaties@bureau.example"
POSTGRES_SH = ROOT / "scripts" / "services" / "postgres.sh"

BUSINESSES = ["Bakkerij", "Garage", "Kapsalon", "Installatiebedrijf", "Tandartspraktijk", "Hoveniersbedrijf",
              "Schildersbedrijf", "Restaurant", "Transport", "Drukkerij", "Apotheek", "Bouwbedrijf",
              "Fietsenmaker", "Architectenbureau", "Kinderopvang", "Schoonmaakbedrijf"]
FAMILY = ["De Vries", "Jansen", "Van den Berg", "Bakker", "Visser", "Smit", "Meijer", "De Boer", "Mulder",
          "De Groot", "Bos", "Vos", "Peters", "Hendriks", "Van Leeuwen", "Dekker", "Brouwer", "De Wit", "Dijkstra",
          "Smits", "De Graaf", "Van der Meer", "Van der Linden", "Kok", "Jacobs", "De Haan", "Vermeulen",
          "Van den Heuvel", "Van der Veen", "Van den Broek", "De Bruijn", "De Jong", "Schouten", "Van Beek",
          "Willems", "Van Dijk", "Hoekstra", "Maas", "Verhoeven", "Koster", "Prins", "Blom", "Huisman", "Peeters"]
FIRST = ["Jan", "Priya", "Gerrit", "Stijn", "Hannah", "Daniel", "Fatima", "Mohammed", "Sanne", "Lotte", "Emma",
         "Noah", "Sem", "Julia", "Tess", "Daan", "Lucas", "Mila", "Yara", "Ahmed", "Sophie", "Bram", "Fleur",
         "Anouk", "Ruben", "Ilse", "Kees", "Marieke", "Wouter", "Ayşe", "Joris", "Esther", "Thijs", "Nadia",
         "Pieter", "Roos", "Sven", "Linda", "Rachid", "Ingrid"]
LAST = ["Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer",
        "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
        "Brouwer", "de Wit", "Dijkstra", "Ramdin", "Yilmaz", "El Amrani", "Kaya", "Nguyen", "Moore", "Kowalski",
        "Öztürk", "Bouzid", "van der Heijden", "Sanders", "Verbeek", "Kuipers", "Postma", "Wijnands"]
CITIES = ["Amsterdam", "Utrecht", "Haarlem", "Zwolle", "Groningen", "Leiden", "Breda", "Arnhem", "Delft", "Tilburg"]
JOBS = ["medewerker bediening", "monteur", "kapper", "assistent", "chauffeur", "administratief medewerker",
        "schilder", "verkoper", "pedagogisch medewerker", "timmerman"]
# (type, weight): what a payroll bureau's inbox holds, roughly.
TYPES = [("hours", 34), ("sick", 16), ("recovery", 12), ("one_off_payment", 6), ("expense", 7),
         ("salary_change", 6), ("hours_change", 5), ("hire", 6), ("termination", 4), ("personal_data_change", 4)]
STATUSES = [("new", 40), ("approved", 28), ("exported", 17), ("rejected", 10), ("duplicate", 5)]
ISSUES = [{"severity": "warning", "message": "medewerker niet gevonden in het personeelsbestand", "field": None},
          {"severity": "warning", "message": "uren 14 uur is ongebruikelijk; klopt dit?", "field": "hours"},
          {"severity": "error", "message": "IBAN klopt niet (controlegetal)", "field": "iban"},
          {"severity": "warning", "message": "ingangsdatum ligt ver van de maildatum", "field": "effective_date"},
          {"severity": "error", "message": "geen datum gevonden", "field": "start_date"}]


# --- seeding -----------------------------------------------------------------------------------------------------

@dataclass
class Company:
    id: str
    name: str
    sender: str
    people: list[tuple[str, str]]  # (employee number, full name)
    weight: int  # how much mail it sends, relative to the others
    raw: tuple[str, str, int] = ("", "", 0)  # sha256, raw path, size of its sample mail
    body: list[str] = field(default_factory=list)  # that mail's body, by line
    mutation_lines: int = 1


@dataclass
class Seeded:
    drafts: int
    mails: int
    companies: list[Company]
    seconds: float
    draft_counts: dict[str, int]  # employer id -> drafts
    hours_names: dict[str, str]  # employer id -> the name on one of its hours drafts


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def companies(rng: random.Random) -> list[Company]:
    found: list[Company] = []
    seen: set[str] = set()
    while len(found) < EMPLOYERS:
        name = f"{rng.choice(BUSINESSES)} {rng.choice(FAMILY)}"
        if name in seen:
            continue
        seen.add(name)
        size = rng.choice([8, 15, 25, 40, 60, 120, 250])
        start = rng.randrange(1000, 5000)
        people = [(str(start + n), f"{rng.choice(FIRST)} {rng.choice(LAST)}") for n in range(size)]
        legal = rng.choice(["B.V.", "V.O.F.", "", "Holding B.V."])
        found.append(Company(id=slug(name), name=f"{name} {legal}".strip(), sender=f"salaris@{slug(name)}.example",
                             people=people, weight=max(1, size // 8) * rng.choice([1, 1, 2, 3])))
    return found


def sample_mail(company: Company, rng: random.Random) -> tuple[bytes, list[str]]:
    """A mutation mail as an employer writes it: greeting, a dozen mutation lines, a signature, a disclaimer."""
    lines = ["Goedemorgen,", ""]
    for number, name in rng.sample(company.people, min(12, len(company.people))):
        lines.append(rng.choice([f"{name} ({number}) heeft {rng.randint(2, 12)} overuren gemaakt à 125%.",
                                 f"{name} is sinds maandag ziek.",
                                 f"{name} is weer volledig hersteld per {rng.randint(1, 28)}-03.",
                                 f"{name} krijgt per 1 april een salaris van {rng.randint(26, 52)}00 euro per maand.",
                                 f"{name} krijgt een bonus van {rng.randint(1, 9)}00 euro.",
                                 f"Declaratie {name}: {rng.randint(10, 300)},50 euro reiskosten."]))
    lines += ["", "Met vriendelijke groet,", company.name, "", "Disclaimer: " + "Deze e-mail is vertrouwelijk. " * 40]
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"{company.name} <{company.sender}>"
    msg["To"] = INTAKE
    msg["Subject"] = "Mutaties deze maand"
    msg["Date"] = format_datetime(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC))
    msg["Message-ID"] = make_msgid(idstring="sample", domain=f"{company.id}.example")
    msg.set_content("\n".join(lines) + "\n")
    return bytes(msg), lines


def weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def fields_for(kind: str, day: dt.date, rng: random.Random) -> dict[str, Any]:
    iso = day.isoformat()
    if kind == "hours":
        return {"hours": rng.choice([2, 4, 6, 7.5, 8, 12.25]), "kind": rng.choice(["overtime", "worked", "extra"]),
                "period": iso[:7], "rate_percentage": rng.choice([100, 125, 150])}
    if kind == "sick":
        return {"start_date": iso, "percentage": rng.choice([100, 100, 100, 50])}
    if kind == "recovery":
        return {"date": iso, "percentage": 100}
    if kind in ("one_off_payment", "expense"):
        return {"amount": round(rng.uniform(20, 1500), 2), "period": iso[:7],
                "description": rng.choice(["bonus", "reiskosten", "thuiswerkvergoeding", "cursus", "jubileum"])}
    if kind == "salary_change":
        return {"effective_date": iso, "salary_amount": rng.randrange(2400, 6000, 50), "salary_period": "month"}
    if kind == "hours_change":
        return {"effective_date": iso, "hours_per_week": rng.choice([16, 24, 32, 36, 38, 40])}
    if kind == "hire":
        return {"start_date": iso, "job_title": rng.choice(JOBS), "hours_per_week": rng.choice([24, 32, 38]),
                "salary_amount": rng.randrange(2200, 4500, 25), "salary_period": "month",
                "birth_date": f"{rng.randint(1965, 2005)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "iban": f"NL{rng.randint(10, 99)}INGB0{rng.randint(100000000, 999999999)}",
                "city": rng.choice(CITIES)}
    if kind == "termination":
        return {"end_date": iso, "reason": rng.choice(["eigen verzoek", "einde contract", "pensioen"])}
    return {"effective_date": iso, "iban": f"NL{rng.randint(10, 99)}RABO0{rng.randint(100000000, 999999999)}",
            "city": rng.choice(CITIES)}


def roster_row(company: Company, number: str, name: str, rng: random.Random) -> dict[str, Any]:
    """The employee as the roster holds them: "Priya van den Berg" is Priya, van den, Berg."""
    first, *rest = name.split()
    lead = 0
    while lead < len(rest) - 1 and rest[lead].islower():
        lead += 1
    return {"employer_id": company.id, "number": number, "first_name": first, "prefix": " ".join(rest[:lead]),
            "last_name": " ".join(rest[lead:]),
            "birth_date": dt.date(rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            "hours_per_week": rng.choice([16, 24, 32, 36, 38, 40]),
            "email": f"{slug(name)}.{number}@{company.id}.example", "work_days": ["mon", "tue", "wed", "thu", "fri"],
            "start_date": dt.date(rng.randint(2010, 2025), rng.randint(1, 12), 1)}


def insert_chunked(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start:start + CHUNK])


def settle_postgres(engine: Engine) -> None:
    """VACUUM ANALYZE, as autovacuum does within a minute of a load this size: done here, so that a run does
    not measure half before it and half after. Its visibility map is what lets PostgreSQL answer the queue's
    counts from an index alone. An autovacuum worker that started on the new rows can hold the horizon back,
    leaving pages not all-visible: then wait a moment and vacuum again."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for _ in range(40):
            connection.execute(text("VACUUM ANALYZE"))
            pages, visible = connection.execute(text(
                "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'drafts'")).one()
            if visible >= pages:
                return
            time.sleep(0.5)
    print("  (PostgreSQL: drafts not all-visible after VACUUM; the queue's counts may read the table)")


def seed(engine: Engine, data_dir: Path, draft_total: int, rng: random.Random) -> Seeded:
    started = time.perf_counter()
    firms = companies(rng)
    mails = [sample_mail(company, rng) for company in firms]
    stored = write_raws(data_dir, [raw for raw, _ in mails])
    for company, (raw, body), (digest, path) in zip(firms, mails, stored, strict=True):
        company.raw = (digest, path, len(raw))
        company.body = body
        company.mutation_lines = min(12, len(company.people))

    insert_chunked(engine, Employer.__table__, [{"id": c.id, "name": c.name} for c in firms])
    insert_chunked(engine, Employee.__table__, [roster_row(c, number, name, rng) for c in firms
                                                for number, name in c.people])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    first_day = now - dt.timedelta(days=540)  # a year and a half of mail
    weights = [c.weight for c in firms]
    inbound: list[dict[str, Any]] = []
    drafts: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    hours_names: dict[str, str] = {}
    draft_id = 0
    message_id = 0
    while draft_id < draft_total:
        message_id += 1
        company = rng.choices(firms, weights=weights)[0]
        # Mail arrives in order of id, spread over the period.
        received = first_day + dt.timedelta(seconds=int(540 * 86400 * draft_id / draft_total) + rng.randint(0, 3600))
        digest, path, size = company.raw
        inbound.append({"id": message_id, "channel": rng.choice(["smtp", "smtp", "smtp", "imap"]),
                        "received_at": received, "envelope_from": company.sender, "envelope_to": [INTAKE],
                        "message_id": f"<{uuid.UUID(int=rng.getrandbits(128)).hex}@{company.id}.example>",
                        "content_sha256": digest, "raw_path": path, "size": size, "status": "parsed",
                        "employer_id": company.id, "sender": company.sender, "subject": "Mutaties deze maand",
                        "language": "nl", "attempts": 1, "processed_at": received + dt.timedelta(seconds=2),
                        "issues": []})
        in_mail = min(rng.randint(1, 2 * DRAFTS_PER_MAIL - 1), draft_total - draft_id)
        audit.append({"at": received, "actor": "worker", "action": "parsed", "subject_type": "inbound",
                      "subject_id": str(message_id), "detail": {"drafts": in_mail}})
        for k in range(in_mail):
            draft_id += 1
            kind = weighted(rng, TYPES)
            number, name = rng.choice(company.people)
            matched = rng.random() < 0.9
            day = (received - dt.timedelta(days=rng.randint(0, 20))).date()
            fields = fields_for(kind, day, rng)
            status = weighted(rng, STATUSES)
            if received > now - dt.timedelta(days=30) and rng.random() < 0.8:
                status = "new"  # the last month's mail is mostly still waiting
            line = 3 + k % company.mutation_lines  # the mail's mutation lines start on line 3
            issues = [] if rng.random() < 0.78 else rng.sample(ISSUES, rng.choice([1, 1, 2]))
            if not matched:
                issues = [ISSUES[0], *issues[1:]]
            decided = status != "new"
            decided_at = received + dt.timedelta(hours=rng.randint(1, 72)) if decided else None
            drafts.append({"id": draft_id, "inbound_id": message_id, "employer_id": company.id, "type": kind,
                           "employee_id": number if matched else None, "employee_name": name, "fields": fields,
                           "source": {"part": "body", "location": f"line {line}", "text": company.body[line - 1]},
                           "confidence": round(min(0.99, max(0.2, rng.gauss(0.82, 0.15))), 2), "issues": issues,
                           "status": status, "created_at": received, "updated_at": decided_at or received,
                           "period": draft_period(kind, fields, received),
                           "decided_by": "anna@bureau.example" if decided else None, "decided_at": decided_at,
                           "reason": "staat al in de vorige mail" if status == "rejected" else None,
                           "duplicate_of": max(1, draft_id - rng.randint(1, 400)) if status == "duplicate" else None,
                           "export_id": None})
            counts[company.id] = counts.get(company.id, 0) + 1
            if kind == "hours":
                hours_names.setdefault(company.id, name)
            if decided:
                action = "approved" if status == "exported" else status
                audit.append({"at": decided_at, "actor": "anna@bureau.example", "action": action,
                              "subject_type": "draft", "subject_id": str(draft_id), "detail": {}})
                if rng.random() < 0.15:
                    audit.append({"at": received + dt.timedelta(minutes=30), "actor": "anna@bureau.example",
                                  "action": "corrected", "subject_type": "draft", "subject_id": str(draft_id),
                                  "detail": {"fields": list(fields)[:1]}})
    insert_chunked(engine, InboundMessage.__table__, inbound)
    insert_chunked(engine, DraftRow.__table__, drafts)
    audit.sort(key=lambda event: event["at"])
    insert_chunked(engine, AuditEvent.__table__, audit)
    if is_postgres(engine):
        with engine.begin() as connection:
            for table in ("inbound_messages", "drafts"):  # ids were given: let the sequences catch up
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        settle_postgres(engine)
    create_user(engine, USER, role="bureau", password=PASSWORD, actor="bench")
    return Seeded(drafts=draft_id, mails=message_id, companies=firms, seconds=time.perf_counter() - started,
                  draft_counts=counts, hours_names=hours_names)


# --- serving and measuring ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(engine: Engine, data_dir: Path) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port, in a thread; yields its base URL."""
    # The bench logs in with a password: no second factor for its bureau user.
    app = create_app(Settings(data_dir=data_dir, require_two_factor_for_bureau=False), engine)  # type: ignore[call-arg]
    port = free_port()
    # Host and port, not a socket handed over: uvicorn's connections from a given socket keep Nagle's
    # algorithm on, and every keep-alive response then waits ~40 ms for a delayed ACK.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           access_log=False))  # as `loonbode serve` runs it
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def log_in(client: httpx.Client) -> None:
    form = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if form.status_code != 200 or not found:
        raise RuntimeError(f"no login form: {form.status_code}")
    answer = client.post("/login", data={"email": USER, "password": PASSWORD, "csrf_token": found.group(1)})
    if answer.status_code != 303 or "loonbode_session" not in client.cookies:
        raise RuntimeError(f"login failed: {answer.status_code} {answer.text[:300]}")


@dataclass
class Route:
    label: str
    path: Callable[[int], str]  # request number -> path
    check: str  # a piece of text the page must hold
    absent: str | None = None  # and one it must not: an empty selection, a missing mail


def routes(seeded: Seeded, count: int, rng: random.Random) -> tuple[list[Route], str]:
    biggest = max(seeded.companies, key=lambda c: seeded.draft_counts.get(c.id, 0))
    name = seeded.hours_names.get(biggest.id)
    needle = (name or biggest.people[0][1]).split()[-1][:4].lower()  # part of a surname, as a reviewer types it
    filtered = f"/queue?employer={biggest.id}&type=hours&status=all&q={needle}"
    ids = [rng.randint(1, seeded.drafts) for _ in range(count)]
    empty = "Geen concepten in deze selectie"
    return [Route("/healthz (baseline)", lambda _: "/healthz", '"ok"'),
            Route("/queue", lambda _: "/queue", "concepten", empty),
            Route("/queue filtered", lambda _: filtered, "concept", empty if name else None),
            Route("/drafts/<id>", lambda n: f"/drafts/{ids[n]}", "Oorspronkelijke mail", "niet beschikbaar")], filtered


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(base_url: str, seeded: Seeded, requests: int, warmup: int, rng: random.Random
            ) -> tuple[dict[str, list[float]], str]:
    plan, filtered = routes(seeded, warmup + requests, rng)
    times: dict[str, list[float]] = {route.label: [] for route in plan}
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=60) as client:
        log_in(client)
        for n in range(warmup + requests):
            for route in plan:  # round-robin: a noisy moment hits every route alike
                path = route.path(n)
                started = time.perf_counter()
                answer = client.get(path)
                elapsed = time.perf_counter() - started
                if answer.status_code != 200 or route.check not in answer.text or \
                        (route.absent is not None and route.absent in answer.text):
                    raise RuntimeError(f"GET {path}: {answer.status_code}, not the page expected: "
                                       f"{answer.text[:300]!r}")
                if n >= warmup:
                    times[route.label].append(elapsed * 1000)
    return times, filtered


def report(name: str, seeded: Seeded, times: dict[str, list[float]], filtered: str) -> None:
    print(f"{name}: {seeded.drafts:,} drafts from {seeded.mails:,} mails of {len(seeded.companies)} employers "
          f"(seeded in {seeded.seconds:.1f} s); {len(next(iter(times.values())))} requests per route, interleaved")
    print(f"  filtered queue = {filtered}")
    base = percentile(times["/healthz (baseline)"], 0.95)
    print(f"  {'route':<22}{'p50 ms':>9}{'p95 ms':>9}{'p95/healthz':>13}")
    for label, values in times.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        line = f"  {label:<22}{p50:9.1f}{p95:9.1f}{p95 / base:13.1f}"
        if label.startswith("/healthz"):
            print(line)
        else:
            print(f"{line}   aim p95 <= {AIM_MS:.0f} ms: {'ok' if p95 <= AIM_MS else 'ABOVE AIM'}")


def run(name: str, engine: Engine, data_dir: Path, args: argparse.Namespace) -> None:
    rng = random.Random(20260302)  # the same data and the same requests on every database
    migrate(engine)
    seeded = seed(engine, data_dir, args.drafts, rng)
    with serving(engine, data_dir) as base_url:
        times, filtered = measure(base_url, seeded, args.requests, args.warmup, rng)
    report(name, seeded, times, filtered)


# --- databases ---------------------------------------------------------------------------------------------------

def run_sqlite(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as folder:
        data_dir = Path(folder)
        engine = create_db_engine(f"sqlite:///{data_dir / 'loonbode.sqlite3'}")
        try:
            run("SQLite", engine, data_dir, args)
        finally:
            engine.dispose()


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """LOONBODE_TEST_POSTGRES_URL when set, else a throwaway server started here (None when that fails)."""
    given = os.environ.get("LOONBODE_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-pg-", ignore_cleanup_errors=True) as folder:
        os.chmod(folder, 0o755)
        try:
            started = subprocess.run(["bash", str(POSTGRES_SH), "start", folder], capture_output=True, text=True,
                                     timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"PostgreSQL: not measured (could not start a server: {exc})")
            yield None
            return
        found = re.search(r"LOONBODE_TEST_POSTGRES_URL=(\S+)", started.stdout)
        try:
            if started.returncode != 0 or not found:
                lines = started.stderr.strip().splitlines() or ["no output"]
                why = next((line for line in reversed(lines) if "FATAL" in line or "ERROR" in line), lines[-1])
                print(f"PostgreSQL: not measured (postgres.sh start failed: {why.strip()})")
                yield None
            else:
                yield found.group(1)
        finally:
            subprocess.run(["bash", str(POSTGRES_SH), "stop", folder], capture_output=True, timeout=120, check=False)


def run_postgres(args: argparse.Namespace) -> None:
    with postgres_server() as url:
        if url is None:
            return
        name = f"loonbode_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            print(f"PostgreSQL: not measured (cannot create a database on {make_url(url).render_as_string()}: "
                  f"{(str(exc).strip().splitlines() or [type(exc).__name__])[0]})")
            admin.dispose()
            return
        engine = create_db_engine(url.rsplit("/", 1)[0] + f"/{name}")
        try:
            with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as folder:
                run("PostgreSQL", engine, Path(folder), args)
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--drafts", type=int, default=50_000, help="drafts to seed (at least 1000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per route")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per route first")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if args.drafts < 1000 or args.requests < 1 or args.warmup < 0:
        parser.error("give at least 1000 drafts (fewer leave the pages measured empty) and 1 request")
    run_sqlite(args)
    if args.sqlite_only:
        print("PostgreSQL: not measured (--sqlite-only)")
    else:
        run_postgres(args)


if __name__ == "__main__":
    main()
