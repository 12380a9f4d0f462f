"""The SMTP listener, through real smtplib sessions on loopback against a fresh database."""

from __future__ import annotations

import asyncio
import email
import email.policy
import email.utils
import json
import logging
import re
import smtplib
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from intake.smtp import IntakeController, IntakeHandler, SmtpConfigError, start_smtp, stop_smtp
from loonbode.settings import Settings, load_settings
from parsers.mail import parse_mail
from parsers.roster import Roster
from tests.intake import as_crlf, free_port, self_signed_cert
from tests.parsers.conftest import build_mail
from workflows.models import DraftRow, InboundMessage, InboundStatus
from workflows.pipeline import run_pending
from workflows.rawstore import content_hash
from workflows.roster_store import import_roster

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpus"
INTAKE = "mutaties@bureau.example"
SENDER = "ria@garagehoek.example"
STORED = re.compile(r"^2\.0\.0 Ok: stored as (\d+)$")

Start = Callable[..., tuple[Settings, IntakeController]]


@pytest.fixture
def listen(engine: Engine, data_dir: Path) -> Iterator[Start]:
    """Start a listener on a free loopback port (settings overridable); stopped after the test."""
    running: list[IntakeController] = []

    def start(*, on: Engine | None = None, **overrides: Any) -> tuple[Settings, IntakeController]:
        settings = load_settings(**{"data_dir": data_dir, "smtp_host": "127.0.0.1", "smtp_port": free_port(),
                                    "intake_addresses": INTAKE, "smtp_auth_users": None, "smtp_tls_cert": None,
                                    "smtp_tls_key": None, **overrides})
        controller = start_smtp(settings, on or engine)
        running.append(controller)
        return settings, controller

    yield start
    for controller in running:
        stop_smtp(controller)


def client(settings: Settings) -> smtplib.SMTP:
    return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)


def mail(body: str = "Priya is sinds maandag ziek.", **kwargs: Any) -> bytes:
    return as_crlf(build_mail(body, **kwargs))


def send(session: smtplib.SMTP, raw: bytes, *, sender: str = SENDER, to: str = INTAKE) -> tuple[int, str]:
    """One transaction without SIZE, so the reply to DATA itself is what we see."""
    session.ehlo_or_helo_if_needed()
    code, reply = session.mail(sender)
    assert code == 250, reply
    code, reply = session.rcpt(to)
    if code != 250:
        session.rset()
        return code, reply.decode()
    code, reply = session.data(raw)
    return code, reply.decode()


def inbound_rows(engine: Engine) -> list[InboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(InboundMessage).order_by(InboundMessage.id)))  # type: ignore[arg-type]


def raw_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "raw").rglob("*") if p.is_file()) if (data_dir / "raw").is_dir() else []


def test_a_mail_is_stored_before_the_250_arrives(listen: Start, engine: Engine, data_dir: Path):
    settings, _ = listen()
    raw = mail()
    with client(settings) as session:
        code, reply = send(session, raw)
        # checked right after the reply, before the session even ends
        rows = inbound_rows(engine)
    assert code == 250, reply
    match = STORED.match(reply)
    assert match, reply
    assert [r.id for r in rows] == [int(match.group(1))]
    row = rows[0]
    assert (data_dir / row.raw_path).read_bytes() == raw
    assert (row.channel, row.envelope_from, row.envelope_to, row.size) == ("smtp", SENDER, [INTAKE], len(raw))
    assert row.status == InboundStatus.RECEIVED
    assert row.content_sha256 == content_hash(raw)


def test_several_mails_in_one_session_are_each_stored(listen: Start, engine: Engine):
    settings, _ = listen()
    with client(settings) as session:
        ids = [int(STORED.match(send(session, mail(f"Gerrit heeft {n} overuren gemaakt in februari."))[1])
                   .group(1)) for n in range(1, 4)]
    assert [r.id for r in inbound_rows(engine)] == ids


def test_a_foreign_recipient_is_refused_at_rcpt(listen: Start, engine: Engine, data_dir: Path):
    settings, _ = listen()
    with client(settings) as session, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        session.sendmail(SENDER, ["iemand@elders.example"], mail())
    code, reply = refused.value.recipients["iemand@elders.example"]
    assert code == 550 and reply.startswith(b"5.1.1")
    assert inbound_rows(engine) == [] and raw_files(data_dir) == []


def test_only_the_intake_recipient_of_a_mixed_envelope_is_kept(listen: Start, engine: Engine):
    settings, _ = listen(intake_addresses=f"{INTAKE}, Loon@Bureau.example")
    with client(settings) as session:
        refused = session.sendmail(SENDER, ["iemand@elders.example", "loon@bureau.example"], mail())
    assert refused == {"iemand@elders.example": (550, b"5.1.1 Onbekende ontvanger (unknown recipient)")}
    assert [r.envelope_to for r in inbound_rows(engine)] == [["loon@bureau.example"]]


def test_a_mail_over_the_limit_gets_552_at_mail_from_and_at_data(listen: Start, engine: Engine, data_dir: Path):
    settings, _ = listen(max_message_bytes=4000)
    big = mail("Priya is ziek.\n" + "Een lange regel tekst om de mail groot te maken.\n" * 200)
    assert len(big) > 4000
    with client(settings) as session:
        # smtplib announces SIZE=, so a client that does is told at MAIL FROM ...
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            session.sendmail(SENDER, [INTAKE], big)
        assert refused.value.smtp_code == 552
        session.rset()
        # ... and one that does not, after DATA
        code, _ = send(session, big)
        assert code == 552
        code, reply = send(session, mail())
        assert code == 250, reply
    assert len(inbound_rows(engine)) == 1 and len(raw_files(data_dir)) == 1


def test_a_failing_raw_store_answers_451_and_stores_nothing(listen: Start, engine: Engine, data_dir: Path):
    (data_dir / "raw").write_text("in de weg")  # the raw store's folder cannot be made
    settings, _ = listen()
    raw = mail()
    with client(settings) as session:
        code, reply = send(session, raw)
        assert code == 451 and reply.startswith("4.3.0"), reply
        assert inbound_rows(engine) == []
        # The sender retries later; once storage works again it is stored, once.
        (data_dir / "raw").unlink()
        code, reply = send(session, raw)
    assert code == 250, reply
    assert [(data_dir / r.raw_path).read_bytes() for r in inbound_rows(engine)] == [raw]


def test_a_failing_commit_answers_451_and_leaves_no_row(listen: Start, engine: Engine):
    settings, _ = listen()
    # The message row is flushed before the audit row fails: the whole transaction must go.
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE audit_events"))
    with client(settings) as session:
        code, reply = send(session, mail())
    assert code == 451, reply
    assert inbound_rows(engine) == []


def test_a_database_that_is_gone_answers_451(listen: Start, tmp_path: Path):
    from workflows.db import create_db_engine

    gone = create_db_engine(f"sqlite:///{tmp_path / 'weg' / 'loonbode.sqlite3'}")
    settings, _ = listen(on=gone)
    with client(settings) as session:
        code, reply = send(session, mail())
    gone.dispose()
    assert code == 451, reply


def test_an_unexpected_error_is_answered_451_not_500(engine: Engine, data_dir: Path):
    handler = IntakeHandler(engine, data_dir, [INTAKE], 1000)
    try:
        assert asyncio.run(handler.handle_exception(RuntimeError("stuk"))).startswith("451 4.3.0")
    finally:
        handler.store_queue.close()


def test_long_lines_are_accepted_not_refused_permanently(listen: Start, engine: Engine, data_dir: Path):
    settings, _ = listen()
    raw = mail("Priya is ziek. " + "x" * 5000)
    with client(settings) as session:
        code, reply = send(session, raw)
    assert code == 250, reply
    assert (data_dir / inbound_rows(engine)[0].raw_path).read_bytes() == raw


def test_message_bodies_are_not_logged(listen: Start, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    settings, _ = listen()
    with client(settings) as session:
        code, _ = send(session, mail("Geheim-7f3a: Priya is ziek."))
    assert code == 250
    assert "opgeslagen" in caplog.text
    assert "Geheim-7f3a" not in caplog.text


# --- AUTH and STARTTLS -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


def unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def test_auth_on_loopback_without_tls_is_required_and_checked(listen: Start, engine: Engine):
    settings, _ = listen(smtp_auth_users="scanner:ge:heim,tweede:pw2")
    with client(settings) as session:
        session.ehlo()
        assert session.mail(SENDER)[0] == 530  # nothing before AUTH
        with pytest.raises(smtplib.SMTPAuthenticationError) as wrong:
            session.login("scanner", "fout")
        assert wrong.value.smtp_code == 535
        session.login("scanner", "ge:heim")
        code, reply = send(session, mail())
    assert code == 250, reply
    assert len(inbound_rows(engine)) == 1


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_auth_mechanisms_plain_and_login_work(listen: Start, mechanism: str):
    settings, _ = listen(smtp_auth_users="scanner:geheim")
    with client(settings) as session:
        session.ehlo()
        session.user, session.password = "scanner", "geheim"
        code, _ = session.auth(mechanism, getattr(session, f"auth_{mechanism.lower()}"))
    assert code == 235


def test_auth_without_tls_is_refused_off_loopback(data_dir: Path, engine: Engine):
    settings = load_settings(data_dir=data_dir, smtp_host="0.0.0.0", smtp_port=free_port(),
                             smtp_auth_users="scanner:geheim", smtp_tls_cert=None, smtp_tls_key=None)
    with pytest.raises(SmtpConfigError, match="loopback"):
        start_smtp(settings, engine)


def test_starttls_then_auth(listen: Start, engine: Engine, certificate: tuple[Path, Path]):
    cert, key = certificate
    settings, _ = listen(smtp_tls_cert=cert, smtp_tls_key=key, smtp_auth_users="scanner:geheim")
    with client(settings) as session:
        session.ehlo()
        assert session.has_extn("starttls")
        code, _ = session.docmd("AUTH", "PLAIN AHNjYW5uZXIAZ2VoZWlt")
        assert code == 538  # credentials only over TLS
        session.starttls(context=unverified())
        session.ehlo()
        session.login("scanner", "geheim")
        code, reply = send(session, mail())
        cipher = session.sock.cipher()  # type: ignore[union-attr]
    assert code == 250, reply
    assert cipher is not None
    assert len(inbound_rows(engine)) == 1


def test_a_half_configured_certificate_is_refused(data_dir: Path, engine: Engine, certificate: tuple[Path, Path]):
    settings = load_settings(data_dir=data_dir, smtp_port=free_port(), smtp_tls_cert=certificate[0],
                             smtp_tls_key=None)
    with pytest.raises(SmtpConfigError, match="TLS"):
        start_smtp(settings, engine)


# --- the dev corpus, end to end ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dev_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "dev"
    subprocess.run([sys.executable, str(SHARED / "build.py"), str(SHARED / "dev"), str(out)], check=True,
                   capture_output=True)
    return out


def contract(mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a draft must keep of a mutation, JSON-normalised so dates and numbers compare alike."""
    keys = ("type", "employee_id", "employee_name", "fields", "source")
    return json.loads(json.dumps([{k: m[k] for k in keys} for m in mutations], default=str))


def test_every_dev_corpus_mail_becomes_the_drafts_the_parser_gives(listen: Start, engine: Engine, data_dir: Path,
                                                                   dev_corpus: Path):
    roster = Roster.model_validate_json((SHARED / "dev" / "roster.json").read_bytes())
    import_roster(engine, roster)
    settings, _ = listen()
    files = sorted((dev_corpus / "eml").glob("*.eml"))
    assert len(files) >= 40
    stored: dict[Path, int] = {}
    with client(settings) as session:
        for path in files:
            raw = path.read_bytes()
            sender = email.utils.parseaddr(email.message_from_bytes(raw).get("From", ""))[1]
            code, reply = send(session, as_crlf(raw), sender=sender)
            assert code == 250, (path.name, reply)
            stored[path] = int(STORED.match(reply).group(1))  # type: ignore[union-attr]
    assert run_pending(engine, data_dir, "test-worker") == len(files)

    cli = subprocess.run([sys.executable, "-m", "loonbode", "parse", "--json", "--roster",
                          str(SHARED / "dev" / "roster.json"), *map(str, files)], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    by_cli = {Path(r["file"]).name: contract(r["mutations"]) for r in json.loads(cli.stdout)}
    total = 0
    with Session(engine) as db:
        for path, inbound_id in stored.items():
            row = db.get(InboundMessage, inbound_id)
            assert row is not None and row.status != InboundStatus.FAILED, (path.name, row and row.status_detail)
            drafts = db.exec(select(DraftRow).where(DraftRow.inbound_id == inbound_id)
                             .order_by(DraftRow.id)).all()  # type: ignore[arg-type]
            got = contract([d.model_dump() for d in drafts])
            expected = parse_mail(path.read_bytes(), roster, filename=path.name, received_at=row.received_at)
            assert got == contract([m.model_dump(mode="json") for m in expected.mutations]), path.name
            assert got == by_cli[path.name], path.name
            total += len(got)
    assert total >= len(files)
