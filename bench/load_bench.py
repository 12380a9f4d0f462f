"""Loonbode under load: concurrent SMTP senders and dashboard users at once, against the dashboard alone.

    python bench/load_bench.py [--seconds 60] [--clients 10] [--web-clients 2] [--baseline-seconds 10]
                               [--warmup-mails 20] [--drain-timeout 900] [--postgres [URL]]

Starts `loonbode serve --demo` as a subprocess (a fresh data dir in a temp folder, free ports for SMTP and
HTTP, SQLite by default) with LOONBODE_RELAY_URL pointing at a capturing aiosmtpd relay on loopback, so the
confirmations flow too; the replies-per-sender limit is raised, since every mail comes from the one demo
sender. `--postgres URL` runs it on a new database made on that server (dropped afterwards); `--postgres`
alone uses LOONBODE_TEST_POSTGRES_URL, else a throwaway server from `scripts/services/postgres.sh`.

1. Warm-up: `--warmup-mails` mails, processed, so the dashboard has drafts to show.
2. Baseline (same run, machines here are noisy): `--web-clients` threads, logged in as the demo bureau user
   that `serve --demo` prints, request the dashboard mix for `--baseline-seconds`: /queue, /queue with
   filters, /drafts/<id>, /periods and /leave, round-robin.
3. Load: `--clients` SMTP sessions in a separate process (so the senders do not compete with the dashboard
   clients for one GIL) send distinct mutation mails from the demo employer as fast as they can for
   `--seconds`, over persistent sessions, while the same dashboard threads keep requesting the mix. A 4xx
   reply or a lost connection is retried like an MTA would: after a pause that grows with each attempt.
4. Drain: the database is read directly until no mail is `received` or `processing`, then until the outbox
   holds no confirmation waiting; then the dashboard alone once more, on the data as the load left it.
5. Check: every Message-ID answered `250` has exactly one row in inbound_messages (a second row only when
   Loonbode marked it `duplicate`, as after a retry of a mail it had stored), the row the 250 named.

Prints: mails sent, accepted per second, the SMTP replies, retries, the line `mail check: lost=N
duplicates=N`, the backlog at the end of the load and its drain time, what the worker made of the mails,
the dashboard's requests per second and p50/p95/max per route for the baseline, under load and after,
the ratio p95 under load / p95 baseline, the HTTP status counts, the confirmations at the relay, and the
ERROR lines in the server's log (the log itself is kept in the temp dir, path printed, when a run had
errors). The queue grows during the load, so the ratio mixes load with data; the row "after, alone" tells
them apart.

Exit code 1 when a mail was lost or duplicated, refused with a 5xx or still not accepted after the
retries, or when the dashboard answered a 5xx or not at all (60 s timeout). Timing never fails a run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.policy
import json
import os
import random
import re
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from dashboard_bench import percentile, postgres_server  # noqa: E402
from intake_bench import INTAKE, SENDER, free_port, wait_until  # noqa: E402
from sqlalchemy import Engine, create_engine, make_url, text  # noqa: E402

from workflows.db import create_db_engine  # noqa: E402

EMPLOYER = "demo-fietsenmaker"
REPLIES_PER_HOUR = 1_000_000  # one sender sends everything; the default (10) would silence the confirmations
RETRY_PAUSE = 0.5  # seconds, times the attempt, as an MTA backs off
MAX_PAUSE = 5.0
MAX_RETRIES = 10  # about half a minute of retrying before a mail counts as not delivered
HTTP_TIMEOUT = 60.0
START_TIMEOUT = 90.0
OUTBOX_TIMEOUT = 300.0
POLL = 0.25
LOGIN_LINE = re.compile(r"e-mail (\S+), wachtwoord (\S+)")
# Our own log lines ("... ERROR name: ..."), and uvicorn's ("ERROR:    Exception in ASGI application").
ERROR_LINE = re.compile(r" (ERROR|CRITICAL) |^(ERROR|CRITICAL):")

# What the demo employer (Jan Visser, Fatima El Amrani, Kees de Groot) writes; two mutations a mail.
MUTATIONS = [
    "Jan Visser is sinds maandag ziek.\nFatima heeft {h} overuren gemaakt.",
    "Kees de Groot is per {d}-11 weer volledig hersteld.\nJan Visser heeft {h} uur gewerkt op zaterdag.",
    "Fatima El Amrani krijgt een bonus van {h}00 euro.\nDeclaratie Jan Visser: {d},50 euro reiskosten.",
    "Kees de Groot worked {h} hours of overtime at 125% this month.\nJan Visser is sick since yesterday.",
    "Fatima werkt vanaf {d} december weer halve dagen.\nKees de Groot gaat per 1 januari 36 uur per week werken.",
]


def load_mail(token: str, client: str, n: int) -> tuple[str, bytes]:
    """A realistic small mutation mail from the demo employer; its Message-ID names run, client and number."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"Demo Werkgever <{SENDER}>"
    msg["To"] = INTAKE
    msg["Subject"] = f"Mutaties week {n % 52 + 1} ({client}-{n})"
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = f"<load-{token}-{client}-{n}@demo.example>"
    greeting = "Goedemorgen," if n % 3 else "Hallo,"
    body = MUTATIONS[n % len(MUTATIONS)].format(h=n % 9 + 1, d=n % 20 + 1)
    msg.set_content(f"{greeting}\n\n{body}\n\nMet vriendelijke groet,\nDemo Werkgever\n\n"
                    + "Disclaimer: deze e-mail is vertrouwelijk. " * 25)
    return msg["Message-ID"], bytes(msg)


# --- SMTP senders ---------------------------------------------------------------------------------------------

@dataclass
class SendStats:
    accepted: dict[str, int] = field(default_factory=dict)  # Message-ID -> the inbound id the 250 named
    replies: Counter[str] = field(default_factory=Counter)  # "250", "451 at DATA", "connection lost", ...
    retries: int = 0
    refused: list[str] = field(default_factory=list)  # Message-IDs refused for good (5xx)
    gave_up: list[str] = field(default_factory=list)  # Message-IDs still not accepted after MAX_RETRIES
    seconds: list[float] = field(default_factory=list)  # MAIL FROM to 250, per accepted transaction

    def merge(self, other: SendStats) -> None:
        self.accepted.update(other.accepted)
        self.replies.update(other.replies)
        self.retries += other.retries
        self.refused += other.refused
        self.gave_up += other.gave_up
        self.seconds += other.seconds

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "replies": dict(self.replies), "retries": self.retries,
                "refused": self.refused, "gave_up": self.gave_up, "seconds": self.seconds}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SendStats:
        return cls(accepted=data["accepted"], replies=Counter(data["replies"]), retries=data["retries"],
                   refused=data["refused"], gave_up=data["gave_up"], seconds=data["seconds"])


class Sender:
    """One SMTP client over a persistent session, retrying temporary failures as an MTA would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.session: smtplib.SMTP | None = None
        self.stats = SendStats()

    def connect(self) -> None:
        self.session = smtplib.SMTP("127.0.0.1", self.port, timeout=60)
        self.session.ehlo("bench.demo.example")

    def close(self) -> None:
        if self.session is not None:
            try:
                self.session.quit()
            except (smtplib.SMTPException, OSError):
                self.session.close()
            self.session = None

    def deliver(self, message_id: str, raw: bytes) -> None:
        attempt = 0
        while True:
            try:
                if self.session is None:
                    self.connect()
                started = time.perf_counter()
                code, reply, stage = self._transaction(raw)
            except (smtplib.SMTPException, OSError) as exc:  # the connection went: the outcome is unknown
                self.stats.replies[f"connection lost ({type(exc).__name__})"] += 1
                if self.session is not None:
                    self.session.close()
                self.session = None
            else:
                if code == 250:
                    self.stats.replies["250"] += 1
                    self.stats.seconds.append(time.perf_counter() - started)
                    found = re.search(rb"stored as (\d+)", reply)
                    self.stats.accepted[message_id] = int(found.group(1)) if found else -1
                    return
                self.stats.replies[f"{code} at {stage}"] += 1
                if code >= 500:
                    self.stats.refused.append(message_id)
                    self._reset()
                    return
                if code == 421:  # the server closes the session
                    self.close()
                else:
                    self._reset()
            attempt += 1
            if attempt > MAX_RETRIES:
                self.stats.gave_up.append(message_id)
                return
            self.stats.retries += 1
            time.sleep(min(MAX_PAUSE, RETRY_PAUSE * attempt))

    def _transaction(self, raw: bytes) -> tuple[int, bytes, str]:
        session = self.session
        assert session is not None
        code, reply = session.mail(SENDER)
        if code != 250:
            return code, reply, "MAIL"
        code, reply = session.rcpt(INTAKE)
        if code not in (250, 251):
            return code, reply, "RCPT"
        try:
            code, reply = session.data(raw)
        except smtplib.SMTPDataError as exc:  # DATA itself was not answered 354
            return exc.smtp_code, exc.smtp_error, "DATA"
        return code, reply, "end of DATA"

    def _reset(self) -> None:
        try:
            if self.session is not None:
                self.session.rset()
        except (smtplib.SMTPException, OSError):
            self.close()


def smtp_child(config: dict[str, Any]) -> None:
    """The sender process: connects `clients` sessions, prints "ready", sends for `seconds`, prints its stats."""
    senders = [Sender(config["port"]) for _ in range(config["clients"])]
    for sender in senders:
        sender.connect()
    print("ready", flush=True)
    deadline = time.monotonic() + config["seconds"]
    failures: list[BaseException] = []

    def run(number: int, sender: Sender) -> None:
        try:
            n = 0
            while time.monotonic() < deadline:
                sender.deliver(*load_mail(config["token"], f"c{number}", n))
                n += 1
            sender.close()
        except BaseException as exc:  # reported below: a client that died must not pass as a quiet one
            failures.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(number, sender)) for number, sender in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} SMTP client(s) failed: {failures[0]!r}")
    total = SendStats()
    for sender in senders:
        total.merge(sender.stats)
    print(json.dumps({"seconds": elapsed, "size": len(load_mail(config["token"], "c0", 0)[1]),
                      "stats": total.to_json()}), flush=True)


# --- the relay and the server -------------------------------------------------------------------------------------

class CountingRelay:
    """The relay `serve` sends confirmations through: counts them per mail they answer (In-Reply-To)."""

    def __init__(self) -> None:
        self.answers: Counter[str] = Counter()
        self.total = 0
        self.lock = threading.Lock()
        self.parser = BytesHeaderParser(policy=email.policy.compat32)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        head = self.parser.parsebytes(envelope.original_content or b"")
        answers = " ".join(str(head.get("In-Reply-To", "")).split())
        with self.lock:
            self.total += 1
            self.answers[answers] += 1
        return "250 OK"


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    folder: Path
    smtp_port: int
    base_url: str
    login: tuple[str, str]
    database: str


def start_server(folder: Path, database_url: str | None, relay_port: int) -> Server:
    smtp_port, http_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOONBODE_")}
    env.update(LOONBODE_DATA_DIR=str(folder / "data"), LOONBODE_SMTP_PORT=str(smtp_port),
               LOONBODE_HTTP_PORT=str(http_port), LOONBODE_RELAY_URL=f"smtp://127.0.0.1:{relay_port}",
               LOONBODE_REPLIES_PER_SENDER_PER_HOUR=str(REPLIES_PER_HOUR), PYTHONPATH=str(ROOT))
    if database_url:
        env["LOONBODE_DATABASE_URL"] = database_url
    with open(folder / "serve.out", "wb") as out, open(folder / "serve.log", "wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "loonbode", "serve", "--demo"], cwd=folder, env=env,
                                   stdout=out, stderr=err)
    base_url = f"http://127.0.0.1:{http_port}"
    found: list[tuple[str, str]] = []

    def ready() -> bool:
        if process.poll() is not None:
            return True
        match = LOGIN_LINE.search((folder / "serve.out").read_text(errors="replace"))
        if match is None:
            return False
        try:
            healthy = httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False
        if healthy:
            found.append((match.group(1), match.group(2)))
        return healthy

    wait_until(ready, START_TIMEOUT)
    if not found:
        stop_server(process)
        tail = (folder / "serve.log").read_text(errors="replace").strip().splitlines()[-10:]
        raise RuntimeError("loonbode serve --demo did not start:\n" + "\n".join(tail))
    database = database_url or f"sqlite:///{(folder / 'data' / 'loonbode.sqlite3').resolve()}"
    return Server(process, folder, smtp_port, base_url, found[0], database)


def stop_server(process: subprocess.Popen[bytes]) -> int | None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(30)
        return None


# --- the dashboard ------------------------------------------------------------------------------------------------

ROUTES = ["/queue", "/queue filtered", "/drafts/<id>", "/periods", "/leave"]


def route_path(label: str, rng: random.Random, draft_ids: list[int]) -> str:
    if label == "/queue filtered":
        return rng.choice([f"/queue?employer={EMPLOYER}&type=hours&status=all&q=fati",
                           f"/queue?employer={EMPLOYER}&type=sick&status=new&issues=1",
                           f"/queue?status=all&period={dt.date.today():%Y-%m}&page=2"])
    if label == "/drafts/<id>":
        return f"/drafts/{rng.choice(draft_ids)}"
    return label


def logged_in_client(base_url: str, login: tuple[str, str]) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=HTTP_TIMEOUT)
    form = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if form.status_code != 200 or not found:
        raise RuntimeError(f"no login form: {form.status_code}")
    answer = client.post("/login", data={"email": login[0], "password": login[1], "csrf_token": found.group(1)})
    if answer.status_code != 303 or "loonbode_session" not in client.cookies:
        raise RuntimeError(f"login failed: {answer.status_code} {answer.text[:300]}")
    return client


@dataclass
class WebPhase:
    name: str
    seconds: float = 0.0
    times: dict[str, list[float]] = field(default_factory=lambda: {label: [] for label in ROUTES})  # ms, per route
    statuses: Counter[str] = field(default_factory=Counter)  # "200", "303", "500", "no answer (ReadTimeout)"

    @property
    def all_times(self) -> list[float]:
        return [t for values in self.times.values() for t in values]

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status.startswith(("5", "no answer")))


def web_phase(name: str, clients: list[httpx.Client], draft_ids: list[int], stop: threading.Event,
              seconds: float | None = None) -> WebPhase:
    """Every client requests the route mix round-robin until `stop` is set (or `seconds` have passed)."""
    phase = WebPhase(name)
    lock = threading.Lock()

    def run(number: int, client: httpx.Client) -> None:
        rng = random.Random(number)
        n = number  # each client starts at another route
        while not stop.is_set():
            label = ROUTES[n % len(ROUTES)]
            n += 1
            started = time.perf_counter()
            try:
                status = str(client.get(route_path(label, rng, draft_ids)).status_code)
            except httpx.HTTPError as exc:
                status = f"no answer ({type(exc).__name__})"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                phase.statuses[status] += 1
                if status == "200":
                    phase.times[label].append(elapsed)

    threads = [threading.Thread(target=run, args=(n, client), daemon=True) for n, client in enumerate(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    if seconds is not None:
        stop.wait(seconds)
        stop.set()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    return phase


# --- the database -------------------------------------------------------------------------------------------------

def status_counts(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        return Counter(dict(connection.execute(text(
            "SELECT status, count(*) FROM inbound_messages GROUP BY status")).all()))


def outbox_counts(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        return Counter(dict(connection.execute(text(
            "SELECT status, count(*) FROM outbound_messages WHERE kind = 'confirmation' GROUP BY status")).all()))


def waiting(counts: Counter[str]) -> int:
    return counts["received"] + counts["processing"]


def drain(engine: Engine, timeout: float) -> tuple[float | None, Counter[str]]:
    """Seconds until no mail is received or processing (None: not within `timeout`), and the statuses then."""
    started = time.monotonic()
    while True:
        counts = status_counts(engine)
        if not waiting(counts):
            return time.monotonic() - started, counts
        if time.monotonic() - started > timeout:
            return None, counts
        time.sleep(POLL)


def drain_outbox(engine: Engine, relay: CountingRelay, timeout: float) -> tuple[float | None, Counter[str]]:
    """Seconds until no confirmation is pending or sending and the relay has every one sent."""
    started = time.monotonic()
    while True:
        counts = outbox_counts(engine)
        if not counts["pending"] + counts["sending"] and relay.total >= counts["sent"]:
            return time.monotonic() - started, counts
        if time.monotonic() - started > timeout:
            return None, counts
        time.sleep(POLL)


@dataclass
class Stored:
    rows: dict[str, list[tuple[int, str]]]  # Message-ID -> (inbound id, status) of each row
    drafts: Counter[int]  # inbound id -> drafts made from it


def stored_mail(engine: Engine, token: str) -> Stored:
    rows: dict[str, list[tuple[int, str]]] = {}
    with engine.connect() as connection:
        for inbound_id, message_id, status in connection.execute(text(
                "SELECT id, message_id, status FROM inbound_messages WHERE message_id LIKE :prefix"),
                {"prefix": f"<load-{token}-%"}):
            rows.setdefault(message_id, []).append((inbound_id, status))
        drafts = Counter(dict(connection.execute(text(
            "SELECT inbound_id, count(*) FROM drafts GROUP BY inbound_id")).all()))
    return Stored(rows, drafts)


def draft_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT id FROM drafts ORDER BY id"))]


@contextmanager
def fresh_postgres(url: str) -> Iterator[str]:
    """A new database on the server of `url`, dropped afterwards."""
    name = f"loonbode_load_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- the run ------------------------------------------------------------------------------------------------------

@dataclass
class Results:
    label: str
    args: argparse.Namespace
    warmup: SendStats
    load: SendStats
    load_seconds: float
    mail_size: int
    backlog: int
    drain_seconds: float | None
    statuses: Counter[str]
    outbox_seconds: float | None
    outbox: Counter[str]
    relay: CountingRelay
    stored: Stored
    web: list[WebPhase]
    drafts_before: int
    drafts_after: int
    processed_during_load: int
    server_exit: int | None = None
    errors: list[str] = field(default_factory=list)
    log: str | None = None  # where the server's log was kept, when it was


def run(args: argparse.Namespace, database_url: str | None, label: str) -> Results:
    token = uuid.uuid4().hex[:8]
    relay = CountingRelay()
    relay_port = free_port()
    relay_server = Controller(relay, hostname="127.0.0.1", port=relay_port, server_hostname="relay")
    relay_server.start()
    web: list[httpx.Client] = []
    engine: Engine | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="load-bench-") as folder:
            server = start_server(Path(folder), database_url, relay_port)
            results: Results | None = None
            try:
                engine = create_db_engine(server.database)
                results = measure(args, server, engine, relay, token, label, web)
            finally:
                for client in web:
                    client.close()
                server_exit = stop_server(server.process)
                log = (Path(folder) / "serve.log").read_text(errors="replace")
                errors = [line for line in log.splitlines() if ERROR_LINE.search(line)]
                kept = keep_log(log) if results is None or errors or server_exit != 0 else None
                if results is None and kept:
                    print(f"(the server's log is kept in {kept})", file=sys.stderr)
            assert results is not None  # measure returned, or its exception left above
            results.server_exit, results.errors, results.log = server_exit, errors, kept
            return results
    finally:
        if engine is not None:
            engine.dispose()
        relay_server.stop()


def keep_log(log: str) -> str:
    """The server's log, kept after the temp folder goes, for a run that had trouble."""
    descriptor, path = tempfile.mkstemp(prefix="load-bench-serve-", suffix=".log")
    with os.fdopen(descriptor, "w") as handle:
        handle.write(log)
    return path


def measure(args: argparse.Namespace, server: Server, engine: Engine, relay: CountingRelay, token: str,
            label: str, web: list[httpx.Client]) -> Results:
    print(f"Loonbode under load ({label}): serve --demo up, SMTP 127.0.0.1:{server.smtp_port}, dashboard "
          f"{server.base_url}; warming up with {args.warmup_mails} mails", flush=True)
    warm = Sender(server.smtp_port)
    for n in range(args.warmup_mails):
        warm.deliver(*load_mail(token, "w", n))
    warm.close()
    if drain(engine, args.drain_timeout)[0] is None:
        raise RuntimeError("the warm-up mails were not processed in time")
    ids = draft_ids(engine)
    if not ids:
        raise RuntimeError("the warm-up mails gave no drafts; the dashboard would have nothing to show")
    web.extend(logged_in_client(server.base_url, server.login) for _ in range(args.web_clients))

    print(f"  baseline: the dashboard alone for {args.baseline_seconds:g} s", flush=True)
    baseline = web_phase("baseline", web, ids, threading.Event(), args.baseline_seconds)

    print(f"  load: {args.clients} SMTP clients for {args.seconds:g} s with the dashboard", flush=True)
    before = status_counts(engine)
    config = {"port": server.smtp_port, "clients": args.clients, "seconds": args.seconds, "token": token}
    child = subprocess.Popen([sys.executable, __file__, "--smtp-child", json.dumps(config)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        child.wait(30)
        raise RuntimeError(f"the SMTP clients did not start: {(child.stderr.read() if child.stderr else '')[-500:]}")
    stop = threading.Event()
    answers: list[tuple[str, str]] = []
    collector = threading.Thread(target=lambda: answers.append(child.communicate()), daemon=True)
    collector.start()
    watcher = threading.Thread(target=lambda: (collector.join(), stop.set()), daemon=True)
    watcher.start()
    under_load = web_phase("under load", web, ids, stop)
    out, err = answers[0]
    if child.returncode != 0:
        raise RuntimeError(f"the SMTP clients failed: {err.strip()[-800:]}")
    sent = json.loads(out)
    end_of_load = status_counts(engine)

    print(f"  drain: waiting for {waiting(end_of_load):,} mails to be processed", flush=True)
    drain_seconds, statuses = drain(engine, args.drain_timeout)
    outbox_seconds, outbox = drain_outbox(engine, relay, OUTBOX_TIMEOUT)
    drafts_before, drafts_after = len(ids), len(draft_ids(engine))
    print(f"  after: the dashboard alone for {args.baseline_seconds:g} s on the data the load left", flush=True)
    after = web_phase("after, alone", web, ids, threading.Event(), args.baseline_seconds)
    processed = sum(end_of_load.values()) - waiting(end_of_load) - (sum(before.values()) - waiting(before))
    return Results(label=label, args=args, warmup=warm.stats, load=SendStats.from_json(sent["stats"]),
                   load_seconds=sent["seconds"], mail_size=sent["size"], backlog=waiting(end_of_load),
                   drain_seconds=drain_seconds, statuses=statuses, outbox_seconds=outbox_seconds, outbox=outbox,
                   relay=relay, stored=stored_mail(engine, token), web=[baseline, under_load, after],
                   drafts_before=drafts_before, drafts_after=drafts_after, processed_during_load=processed)


# --- the report ---------------------------------------------------------------------------------------------------

def counted(counter: Counter[str]) -> str:
    return ", ".join(f"{key} ×{value:,}" for key, value in sorted(counter.items(), key=lambda kv: -kv[1])) or "none"


def report(r: Results) -> bool:
    """Print the figures; True when the run passes (nothing lost or duplicated, no 5xx)."""
    args = r.args
    sent = SendStats()
    sent.merge(r.warmup)
    sent.merge(r.load)
    load_mails = len(r.load.accepted) + len(r.load.refused) + len(r.load.gave_up)
    print()
    print(f"Loonbode under load ({r.label}): {args.clients} SMTP clients for {args.seconds:g} s beside "
          f"{args.web_clients} dashboard client(s); baseline {args.baseline_seconds:g} s in the same run")
    print("Mail")
    print(f"  sent          {load_mails:,} mails of {r.mail_size:,} bytes in {r.load_seconds:.1f} s "
          f"(+ {len(r.warmup.accepted) + len(r.warmup.gave_up) + len(r.warmup.refused)} warm-up): "
          f"{len(r.load.accepted) / r.load_seconds:,.1f} accepted/s")
    print(f"  SMTP replies  {counted(sent.replies)}")
    if r.load.seconds:
        print(f"  per mail      MAIL FROM to 250 under load: p50 {percentile(r.load.seconds, 0.5) * 1000:.0f} ms, "
              f"p95 {percentile(r.load.seconds, 0.95) * 1000:.0f} ms, max {max(r.load.seconds) * 1000:.0f} ms")
    print(f"  retries       {sent.retries:,} (a 4xx or a lost connection, retried after {RETRY_PAUSE:g} s × attempt); "
          f"refused for good (5xx) {len(sent.refused)}; not accepted after {MAX_RETRIES} retries "
          f"{len(sent.gave_up)}")

    lost = [m for m in sent.accepted if m not in r.stored.rows]
    duplicated = [m for m, rows in r.stored.rows.items() if sum(s != "duplicate" for _, s in rows) > 1]
    marked = sum(len(rows) - 1 for m, rows in r.stored.rows.items() if len(rows) > 1 and m not in duplicated)
    elsewhere = [m for m, i in sent.accepted.items() if m in r.stored.rows and i not in
                 {inbound for inbound, _ in r.stored.rows[m]}]
    unacknowledged = [m for m in r.stored.rows if m not in sent.accepted]
    print(f"  mail check: lost={len(lost)} duplicates={len(duplicated)} (of {len(sent.accepted):,} mails answered 250; "
          f"{len(r.stored.rows):,} Message-IDs stored)")
    if marked:
        print(f"    {marked} extra cop(ies) of retried mails, marked duplicate by Loonbode (one set of drafts)")
    if elsewhere:
        print(f"    {len(elsewhere)} mail(s) stored under another id than the 250 named, e.g. {elsewhere[0]}")
    if unacknowledged:
        print(f"    {len(unacknowledged)} mail(s) stored without a 250 reaching the sender (it would retry)")
    for what, ids in (("lost", lost), ("duplicated", duplicated)):
        if ids:
            print(f"    {what}: {', '.join(ids[:5])}{' …' if len(ids) > 5 else ''}")

    print("Worker")
    drained = f"{r.drain_seconds:.1f} s" if r.drain_seconds is not None else \
        f"NOT within {args.drain_timeout:g} s ({waiting(r.statuses):,} still waiting)"
    done = r.processed_during_load + r.backlog - waiting(r.statuses)
    total_seconds = r.load_seconds + (r.drain_seconds or args.drain_timeout)
    print(f"  backlog at the end of the load {r.backlog:,} mails; drained in {drained}; "
          f"{r.processed_during_load:,} processed during the load ({done / total_seconds:,.1f} mails/s "
          "over load and drain)")
    ours = Counter(s for rows in r.stored.rows.values() for _, s in rows)
    print(f"  statuses of this run's mails: {counted(ours)}")
    per_mail = Counter(r.stored.drafts[i] for rows in r.stored.rows.values() for i, s in rows if s == "parsed")
    print(f"  drafts per parsed mail: {counted(Counter({str(k): v for k, v in sorted(per_mail.items())}))}; "
          f"drafts in the queue {r.drafts_before:,} at the baseline, {r.drafts_after:,} after")

    print("Confirmations")
    outbox_done = f"{r.outbox_seconds:.1f} s after the worker" if r.outbox_seconds is not None else \
        f"NOT within {OUTBOX_TIMEOUT:g} s after the worker"
    answered = [m for m in sent.accepted if r.relay.answers[m]]
    twice = [m for m in sent.accepted if r.relay.answers[m] > 1]
    print(f"  outbox: {counted(r.outbox)}; done {outbox_done}")
    print(f"  relay: {r.relay.total:,} confirmations, answering {len(answered):,} of {len(sent.accepted):,} "
          f"accepted mails; {len(twice)} mail(s) answered more than once")

    print(f"Dashboard ({args.web_clients} client(s); /queue, /queue filtered, /drafts/<id>, /periods, /leave "
          "round-robin)")
    print(f"  {'phase':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}   HTTP statuses")
    for phase in r.web:
        times = phase.all_times
        figures = f"{statistics_of(times)}" if times else f"{'-':>9}{'-':>9}{'-':>9}"
        print(f"  {phase.name:<14}{sum(phase.statuses.values()):>9,}"
              f"{sum(phase.statuses.values()) / phase.seconds:>8.1f}{figures}   {counted(phase.statuses)}")
    baseline, loaded, after = r.web
    base_p95 = percentile(baseline.all_times, 0.95) if baseline.all_times else None
    load_p95 = percentile(loaded.all_times, 0.95) if loaded.all_times else None
    after_p95 = percentile(after.all_times, 0.95) if after.all_times else None
    if base_p95 and load_p95:
        also = f"; against the dashboard alone after the load (same data): {load_p95 / after_p95:.1f}" \
            if after_p95 else ""
        print(f"  ratio p95 under load / p95 baseline: {load_p95 / base_p95:.1f}{also}")
    print(f"  {'p50/p95/max ms':<16}{'baseline':>18}{'under load':>18}{'after, alone':>18}{'p95 load/baseline':>19}")
    for label in ROUTES:
        base, load = baseline.times[label], loaded.times[label]
        ratio = f"{percentile(load, 0.95) / percentile(base, 0.95):19.1f}" if base and load else f"{'-':>19}"
        print(f"  {label:<16}{triple(base):>18}{triple(load):>18}{triple(after.times[label]):>18}{ratio}")

    kept = f" (kept in {r.log})" if r.log else ""
    print(f"Server: exit code {r.server_exit} after SIGTERM; {len(r.errors)} ERROR line(s) in its log{kept}")
    distinct = Counter(re.sub(r"^\d{4}-\S+ \S+ ", "", line) for line in r.errors)  # without the timestamp
    for line, times in distinct.most_common(5):
        print(f"    ×{times} {line[:200]}")

    http_failures = sum(phase.failures for phase in r.web)
    problems = []
    if lost or duplicated:
        problems.append(f"{len(lost)} mail(s) lost, {len(duplicated)} duplicated")
    if sent.refused or sent.gave_up:
        problems.append(f"{len(sent.refused)} mail(s) refused with a 5xx, {len(sent.gave_up)} never accepted")
    if http_failures:
        problems.append(f"{http_failures} dashboard request(s) answered 5xx or not at all")
    print(f"RESULT: {'FAIL: ' + '; '.join(problems) if problems else 'PASS'} "
          "(lost or duplicated mail and 5xx fail a run; timing never does)")
    return not problems


def statistics_of(times: list[float]) -> str:
    ordered = sorted(times)
    return f"{percentile(ordered, 0.5):9.1f}{percentile(ordered, 0.95):9.1f}{ordered[-1]:9.1f}"


def triple(times: list[float]) -> str:
    if not times:
        return "-"
    return f"{percentile(times, 0.5):.0f} / {percentile(times, 0.95):.0f} / {max(times):.0f}"


# --- entry --------------------------------------------------------------------------------------------------------

@contextmanager
def database(postgres: str | None) -> Iterator[tuple[str | None, str]]:
    """(database URL or None for SQLite, a label)."""
    if postgres is None:
        yield None, "SQLite"
        return
    if postgres != "auto":
        with fresh_postgres(postgres) as url:
            yield url, "PostgreSQL"
        return
    with postgres_server() as url:
        if url is None:
            raise SystemExit(2)  # postgres_server said why
        with fresh_postgres(url) as fresh:
            yield fresh, "PostgreSQL"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the SMTP clients send")
    parser.add_argument("--clients", type=int, default=10, help="concurrent SMTP sessions")
    parser.add_argument("--web-clients", type=int, default=2, help="concurrent dashboard users")
    parser.add_argument("--baseline-seconds", type=float, default=10.0, help="the dashboard alone, before and after")
    parser.add_argument("--warmup-mails", type=int, default=20, help="mails processed before the baseline")
    parser.add_argument("--drain-timeout", type=float, default=900.0, help="seconds to wait for the worker")
    parser.add_argument("--postgres", nargs="?", const="auto", metavar="URL",
                        help="a PostgreSQL server (a new database is made on it); alone: "
                             "LOONBODE_TEST_POSTGRES_URL or a throwaway server from scripts/services/postgres.sh")
    parser.add_argument("--smtp-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smtp_child:
        smtp_child(json.loads(args.smtp_child))
        return
    if args.seconds <= 0 or args.baseline_seconds <= 0 or args.clients < 1 or args.web_clients < 1 \
            or args.warmup_mails < 1:
        parser.error("give positive durations, at least one client of each kind and one warm-up mail")
    with database(args.postgres) as (url, label):
        results = run(args, url, label)
    sys.exit(0 if report(results) else 1)


if __name__ == "__main__":
    main()
