"""The SMTP listener against a hostile client, over real sessions on loopback (raw sockets where
smtplib would tidy up what we want to send).

- No open relay, whatever the spelling of a foreign recipient (source routes, the percent hack,
  quoted local parts, bang paths, address literals), with or without AUTH; AUTH never turns us
  into a relay either.
- SMTP smuggling: a lone `.` behind a bare LF or CR ends nothing. One DATA stores one message,
  and the "second mail" inside it never becomes a message of its own.
- Pipelining floods are answered in order; a client guessing recipients is cut off; other
  clients are served all the while.
- Slow clients: silent, or sending DATA a byte at a time, are disconnected after
  LOONBODE_SMTP_TIMEOUT_SECONDS; half a mail is never stored. A client hanging up while its mail
  is being stored gets it stored whole, with a log line saying that it never heard the 250.
- STARTTLS does not make one connection count twice toward the connection limit.
- Size: SIZE is announced in EHLO; a client that lies about it still gets 552 and nothing stored.
- A flood of connections is answered 220 or 421, never left hanging, and cannot use up the
  process's file descriptors (shown in a child process with a low descriptor limit).

Covered already in tests/intake/test_smtp.py, not repeated here: a foreign recipient gets 550
(`test_a_foreign_recipient_is_refused_at_rcpt`), a mixed envelope keeps only the intake address
(`test_only_the_intake_recipient_of_a_mixed_envelope_is_kept`), 552 at MAIL FROM with SIZE= and at
the end of DATA without it (`test_a_mail_over_the_limit_gets_552_at_mail_from_and_at_data`), no
MAIL before AUTH when AUTH is configured (`test_auth_on_loopback_without_tls_is_required_and_checked`),
no AUTH before STARTTLS off loopback (`test_starttls_then_auth`), and bodies never in the log
(`test_message_bodies_are_not_logged`).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from intake import store_queue
from intake.smtp import MAX_REFUSED_RECIPIENTS
from loonbode.settings import Settings
from tests.intake import free_port, test_smtp, wait_for_port
from tests.intake.test_smtp import INTAKE, SENDER, STORED, Start, client, inbound_rows, mail, raw_files, send
from workflows.inbound import store_arrivals

# Fixtures of tests/intake/test_smtp.py: a listener on a free loopback port (stopped after the test), a certificate.
listen = test_smtp.listen
certificate = test_smtp.certificate

REPO = Path(__file__).resolve().parents[2]
FOREIGN = "victim@elsewhere.example"
PATIENCE = 60.0  # seconds a socket waits for the server before the test gives up; never a speed claim


class Wire:
    """A raw SMTP client: exactly the bytes we send go over the wire, and every reply line is kept."""

    def __init__(self, settings: Settings, *, timeout: float = PATIENCE) -> None:
        self.sock = socket.create_connection((settings.smtp_host, settings.smtp_port), timeout=timeout)
        self.buffer = b""
        self.greeting = self.reply()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes | None:
        """One reply line without its CRLF; None when the server has closed the connection."""
        while b"\r\n" not in self.buffer:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def reply(self) -> tuple[int, str]:
        """One whole (possibly multi-line) reply; (0, "") when the connection is closed."""
        lines: list[str] = []
        while True:
            line = self.line()
            if line is None:
                return 0, "\n".join(lines)
            lines.append(line.decode("utf-8", "replace"))
            if line[3:4] != b"-":
                return int(line[:3]), "\n".join(lines)

    def command(self, line: str | bytes) -> tuple[int, str]:
        self.send((line.encode() if isinstance(line, str) else line) + b"\r\n")
        return self.reply()

    def replies_until_closed(self) -> list[tuple[int, str]]:
        found = []
        while (answer := self.reply())[0]:
            found.append(answer)
        return found

    def closed(self) -> bool:
        """True once the server has closed the connection (reading whatever it said first)."""
        return self.line() is None


def until(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not ready():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.02)


def stored_envelopes(engine: Engine) -> list[tuple[str | None, list[str]]]:
    return [(row.envelope_from, row.envelope_to) for row in inbound_rows(engine)]


# --- no open relay ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("recipient", [
    f"<{FOREIGN}>",
    f"<@bureau.example:{FOREIGN}>",  # source route through us (RFC 821)
    "<mutaties%elsewhere.example@bureau.example>",  # the percent hack, our address as local part
    "<victim%elsewhere.example@bureau.example>",
    f'<"{FOREIGN}"@bureau.example>',  # quoted local part holding a foreign address
    f'<"{INTAKE}"@elsewhere.example>',  # ... or holding ours, at a foreign domain
    "<elsewhere.example!victim@bureau.example>",  # bang path
    "<mutaties@[127.0.0.1]>",  # address literal
    "<mutaties@bureau.example.elsewhere.example>",
    f"<{INTAKE}>,<{FOREIGN}>",
    f"<{INTAKE}> <{FOREIGN}>",
])
def test_a_foreign_recipient_is_refused_however_it_is_spelled(listen: Start, engine: Engine, data_dir: Path,
                                                              recipient: str):
    settings, _ = listen()
    with Wire(settings) as wire:
        assert wire.command("EHLO client.example")[0] == 250
        assert wire.command(f"MAIL FROM:<{SENDER}>")[0] == 250
        code, reply = wire.command(f"RCPT TO:{recipient}")
        assert 500 <= code < 600, reply  # 550 unknown, or 501/553 unreadable: never 250
        assert wire.command("DATA")[0] == 503  # no recipient, no mail
        assert wire.command("QUIT")[0] == 221
    assert inbound_rows(engine) == [] and raw_files(data_dir) == []


@pytest.mark.parametrize("recipient", [
    "<@elsewhere.example:mutaties@bureau.example>",  # a source route is ignored (RFC 5321 4.1.1.3)
    '<"mutaties"@bureau.example>',
    "<MUTATIES@Bureau.Example>",
])
def test_our_own_address_in_another_spelling_is_accepted_and_nothing_else_goes_with_it(
        listen: Start, engine: Engine, recipient: str):
    settings, _ = listen()
    with Wire(settings) as wire:
        wire.command("EHLO client.example")
        wire.command(f"MAIL FROM:<{SENDER}>")
        code, reply = wire.command(f"RCPT TO:{recipient}")
        assert code == 250, reply
        assert wire.command("DATA")[0] == 354
        code, reply = wire.command(mail() + b".")
        assert code == 250 and STORED.match(reply[4:]), reply
    [(sender, to)] = stored_envelopes(engine)
    assert sender == SENDER
    assert [address.lower() for address in to] == [INTAKE]  # no route, no quotes, no other host kept


def test_authentication_is_required_and_never_makes_us_a_relay(listen: Start, engine: Engine, data_dir: Path):
    settings, _ = listen(smtp_auth_users="scanner:geheim")
    with Wire(settings) as wire:
        assert "AUTH" in wire.command("EHLO client.example")[1]
        # Not logged in: no transaction at all, not even toward our own address.
        assert wire.command(f"MAIL FROM:<{SENDER}>")[0] == 530
        assert wire.command(f"RCPT TO:<{FOREIGN}>")[0] == 530
        assert wire.command(f"RCPT TO:<{INTAKE}>")[0] == 530
        assert wire.command("DATA")[0] == 530
        assert wire.command("AUTH PLAIN " + base64.b64encode(b"\0scanner\0fout").decode())[0] == 535
        assert wire.command(f"MAIL FROM:<{SENDER}>")[0] == 530
        assert inbound_rows(engine) == []
        # Logged in: a submission point for our own intake only.
        assert wire.command("AUTH PLAIN " + base64.b64encode(b"\0scanner\0geheim").decode())[0] == 235
        assert wire.command(f"MAIL FROM:<{SENDER}>")[0] == 250
        assert wire.command(f"RCPT TO:<{FOREIGN}>")[0] == 550
        assert wire.command(f"RCPT TO:<@bureau.example:{FOREIGN}>")[0] == 550
        assert wire.command(f"RCPT TO:<{INTAKE}>")[0] == 250
        assert wire.command("DATA")[0] == 354
        code, reply = wire.command(mail() + b".")
        assert code == 250, reply
    assert stored_envelopes(engine) == [(SENDER, [INTAKE])]
    assert len(raw_files(data_dir)) == 1


# --- SMTP smuggling ---------------------------------------------------------------------------------------------

SMUGGLED = (b"MAIL FROM:<ceo@elsewhere.example>\r\n"
            b"RCPT TO:<mutaties@bureau.example>\r\n"
            b"RCPT TO:<victim@elsewhere.example>\r\n"
            b"DATA\r\n"
            b"From: ceo@elsewhere.example\r\nSubject: Smokkel-7c1e\r\n\r\nBetaal deze factuur.\r\n")


@pytest.mark.parametrize("separator", [b"\n.\n", b"\r.\n", b"\n.\r\n", b"\r\n.\r", b"\r.\r\n", b"\n.\r", b"\r.\r"],
                         ids=repr)
def test_a_smuggled_second_mail_stays_inside_the_first(listen: Start, engine: Engine, data_dir: Path,
                                                       separator: bytes):
    settings, _ = listen()
    first = mail("Priya is sinds maandag ziek.")
    with Wire(settings) as wire:
        wire.command("EHLO client.example")
        wire.command(f"MAIL FROM:<{SENDER}>")
        wire.command(f"RCPT TO:<{INTAKE}>")
        assert wire.command("DATA")[0] == 354
        # The whole rest of the conversation in one go, as a smuggler pipelines it.
        wire.send(first.rstrip(b"\r\n") + separator + SMUGGLED + b".\r\nQUIT\r\n")
        replies = wire.replies_until_closed()
    assert [code for code, _ in replies] == [250, 221], replies  # one answer to one DATA, then the QUIT's
    [row] = inbound_rows(engine)
    assert (row.envelope_from, row.envelope_to) == (SENDER, [INTAKE])
    raw = (data_dir / row.raw_path).read_bytes()
    assert raw.startswith(first.rstrip(b"\r\n"))
    assert b"MAIL FROM:<ceo@elsewhere.example>" in raw and b"Smokkel-7c1e" in raw  # harmless text in mail one
    assert raw_files(data_dir) == [data_dir / row.raw_path]


def test_the_real_end_of_data_does_end_it_so_the_test_above_can_see_a_split(listen: Start, engine: Engine):
    settings, _ = listen()
    with Wire(settings) as wire:
        wire.command("EHLO client.example")
        wire.command(f"MAIL FROM:<{SENDER}>")
        wire.command(f"RCPT TO:<{INTAKE}>")
        assert wire.command("DATA")[0] == 354
        wire.send(mail().rstrip(b"\r\n") + b"\r\n.\r\n" + SMUGGLED + b".\r\nQUIT\r\n")
        replies = wire.replies_until_closed()
    # CRLF.CRLF is the end: what follows is a second transaction, with its foreign recipient refused.
    assert [code for code, _ in replies] == [250, 250, 250, 550, 354, 250, 221], replies
    assert stored_envelopes(engine) == [(SENDER, [INTAKE]), ("ceo@elsewhere.example", [INTAKE])]


# --- pipelining floods ------------------------------------------------------------------------------------------

def test_a_pipelined_flood_is_answered_command_by_command_and_others_are_served(listen: Start, engine: Engine):
    settings, _ = listen()
    spellings = [INTAKE, INTAKE.upper(), "Mutaties@Bureau.Example"]
    commands = [b"EHLO flood.example", f"MAIL FROM:<{SENDER}>".encode()]
    commands += [f"RCPT TO:<{spellings[n % 3]}>".encode() for n in range(500)]
    commands += [b"NOOP"] * 300 + [b"RSET", f"MAIL FROM:<{SENDER}>".encode()]
    commands += [f"RCPT TO:<{spellings[n % 3]}>".encode() for n in range(10)] + [b"DATA"]
    body = mail("Gerrit heeft 6 overuren gemaakt.") + b".\r\nQUIT\r\n"
    with Wire(settings) as flood:
        flood.send(b"\r\n".join(commands) + b"\r\n" + body)
        # Meanwhile another sender is served as usual.
        with client(settings) as other:
            code, reply = send(other, mail("Priya is sinds maandag ziek."))
        assert code == 250, reply
        replies = flood.replies_until_closed()
    codes = [code for code, _ in replies]
    assert len(codes) == len(commands) + 2  # every command answered, in order: the DATA's end and QUIT too
    assert codes[:-3] == [250] * (len(commands) - 1) and codes[-3:] == [354, 250, 221], codes[-5:]
    # The same intake address many times over is one recipient, not five hundred.
    assert sorted(len(to) for _, to in stored_envelopes(engine)) == [1, 1]


def test_a_client_guessing_recipients_is_cut_off_without_flooding_the_log(listen: Start, engine: Engine,
                                                                           caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="intake.smtp")
    settings, _ = listen()
    guesses = [f"RCPT TO:<user{n}@elsewhere.example>".encode() for n in range(500)]
    with Wire(settings) as guesser:
        guesser.send(b"\r\n".join([b"EHLO guess.example", f"MAIL FROM:<{SENDER}>".encode(), *guesses,
                                   f"RCPT TO:<{INTAKE}>".encode(), b"DATA"]) + b"\r\n" + mail() + b".\r\n")
        replies = guesser.replies_until_closed()
        assert guesser.closed()
    codes = [code for code, _ in replies]
    assert codes == [250, 250] + [550] * MAX_REFUSED_RECIPIENTS + [421], codes[-3:]
    assert inbound_rows(engine) == []
    refusals = [r for r in caplog.records if "geweigerd" in r.getMessage()]
    assert len(refusals) == MAX_REFUSED_RECIPIENTS
    assert len([r for r in caplog.records if "onbekende ontvangers" in r.getMessage()]) == 1
    with client(settings) as other:  # the listener itself is fine
        assert send(other, mail())[0] == 250


# --- slow clients -----------------------------------------------------------------------------------------------

def test_a_silent_client_is_disconnected_after_the_timeout_and_others_go_on(listen: Start, engine: Engine):
    settings, _ = listen(smtp_timeout_seconds=2.0)
    with Wire(settings) as silent, Wire(settings) as half_way:
        assert silent.greeting[0] == 220
        half_way.command("EHLO slow.example")
        half_way.command(f"MAIL FROM:<{SENDER}>")  # and then nothing more
        with client(settings) as other:
            assert send(other, mail())[0] == 250
        assert silent.closed() and half_way.closed()  # hung up on by the server, within PATIENCE
    assert len(inbound_rows(engine)) == 1


def test_data_sent_a_byte_at_a_time_past_the_timeout_is_cut_off_and_not_stored(listen: Start, engine: Engine,
                                                                                data_dir: Path):
    settings, _ = listen(smtp_timeout_seconds=2.0)
    raw = mail("Een mail die nooit af komt.")
    outcome: dict[str, object] = {}

    def trickle() -> None:
        with Wire(settings) as slow:
            slow.command("EHLO slow.example")
            slow.command(f"MAIL FROM:<{SENDER}>")
            slow.command(f"RCPT TO:<{INTAKE}>")
            outcome["data"] = slow.command("DATA")[0]
            sent = 0
            for byte in raw:
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    break
                sent += 1
                # Wait a little between bytes; stop as soon as the server has hung up.
                if select.select([slow.sock], [], [], 0.25)[0] and slow.closed():
                    break
            outcome["sent"] = sent

    slow = threading.Thread(target=trickle)
    slow.start()
    with client(settings) as other:  # served while the slow one trickles
        code, reply = send(other, mail("Priya is sinds maandag ziek."))
    slow.join(PATIENCE)
    assert not slow.is_alive()
    assert code == 250, reply
    assert outcome["data"] == 354
    assert 0 < outcome["sent"] < len(raw)  # type: ignore[operator]  # cut off before the mail was complete
    [row] = inbound_rows(engine)  # only the other client's mail
    assert b"nooit af" not in (data_dir / row.raw_path).read_bytes()
    assert raw_files(data_dir) == [data_dir / row.raw_path]


def test_a_client_that_drops_in_the_middle_of_data_leaves_nothing(listen: Start, engine: Engine, data_dir: Path):
    settings, _ = listen()
    raw = mail("Halverwege weg.")
    with Wire(settings) as dropping:
        dropping.command("EHLO drop.example")
        dropping.command(f"MAIL FROM:<{SENDER}>")
        dropping.command(f"RCPT TO:<{INTAKE}>")
        assert dropping.command("DATA")[0] == 354
        dropping.send(raw[: len(raw) // 2])
    # The drop reaches the server before this next session does.
    with client(settings) as other:
        assert send(other, mail())[0] == 250
    [row] = inbound_rows(engine)
    assert b"Halverwege" not in (data_dir / row.raw_path).read_bytes()
    assert len(raw_files(data_dir)) == 1


def test_a_client_hanging_up_while_its_mail_is_stored_gets_it_stored_whole_and_logged(
        listen: Start, engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture):
    gate = threading.Event()

    def slow_store(*args: object, **kwargs: object) -> list[int]:
        gate.wait(PATIENCE)  # a slow disk: the sender's patience runs out first
        return store_arrivals(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_queue, "store_arrivals", slow_store)
    settings, controller = listen()
    handler = controller.handler
    raw = mail("Opgehangen tijdens het opslaan.")
    with Wire(settings) as impatient:
        impatient.command("EHLO impatient.example")
        impatient.command(f"MAIL FROM:<{SENDER}>")
        impatient.command(f"RCPT TO:<{INTAKE}>")
        assert impatient.command("DATA")[0] == 354
        impatient.send(raw + b".\r\n")
        until(lambda: handler.in_flight == 1, "the store to begin")
    until(lambda: handler.sessions == 0, "the listener to see the hang-up")
    gate.set()
    until(lambda: len(inbound_rows(engine)) == 1, "the mail to be stored")
    [row] = inbound_rows(engine)
    assert (data_dir / row.raw_path).read_bytes() == raw  # whole, not half
    until(lambda: f"bericht {row.id} opgeslagen, maar de SMTP-sessie was al verbroken" in caplog.text,
          "the log line")


# --- size -------------------------------------------------------------------------------------------------------

def test_size_is_announced_and_a_client_lying_about_it_still_gets_552(listen: Start, engine: Engine,
                                                                       data_dir: Path):
    settings, _ = listen(max_message_bytes=4000)
    big = mail("Priya is ziek.\n" + "Een lange regel tekst om de mail groot te maken.\n" * 200)
    with Wire(settings) as wire:
        code, ehlo = wire.command("EHLO client.example")
        assert code == 250 and "250-SIZE 4000" in ehlo.splitlines()
        assert wire.command(f"MAIL FROM:<{SENDER}> SIZE=4001")[0] == 552  # before any data
        assert wire.command(f"MAIL FROM:<{SENDER}> SIZE=100")[0] == 250  # a lie
        assert wire.command(f"RCPT TO:<{INTAKE}>")[0] == 250
        assert wire.command("DATA")[0] == 354
        code, reply = wire.command(big + b".")
        assert code == 552, reply
        assert inbound_rows(engine) == [] and raw_files(data_dir) == []
        # The session goes on, and a mail that fits is taken.
        assert wire.command(f"MAIL FROM:<{SENDER}> SIZE=1000")[0] == 250
        assert wire.command(f"RCPT TO:<{INTAKE}>")[0] == 250
        assert wire.command("DATA")[0] == 354
        assert wire.command(mail() + b".")[0] == 250
    assert len(inbound_rows(engine)) == 1 and len(raw_files(data_dir)) == 1


# --- a flood of connections -------------------------------------------------------------------------------------

LISTENER = """
import json, logging, resource, signal, sys
from pathlib import Path
from intake.smtp import start_smtp, stop_smtp
from loonbode.settings import load_settings
from workflows.db import create_db_engine

args = json.loads(sys.argv[1])
# Few descriptors, as a service with a low limit has: the flood must not be able to use them all.
resource.setrlimit(resource.RLIMIT_NOFILE, (args["fds"], args["fds"]))
logging.basicConfig(level=logging.INFO, filename=args["log"], format="%(levelname)s %(name)s: %(message)s")
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
engine = create_db_engine(args["database"])
settings = load_settings(data_dir=Path(args["data_dir"]), smtp_host="127.0.0.1", smtp_port=args["port"],
                         intake_addresses="mutaties@bureau.example", smtp_auth_users=None, smtp_tls_cert=None,
                         smtp_tls_key=None, smtp_max_connections=args["max_connections"])
controller = start_smtp(settings, engine)
signal.sigwait([signal.SIGTERM])
stop_smtp(controller)
engine.dispose()
"""


@contextmanager
def listener_process(engine: Engine, data_dir: Path, log: Path, *, fds: int, max_connections: int) -> Iterator[int]:
    port = free_port()
    args = {"database": engine.url.render_as_string(hide_password=False), "data_dir": str(data_dir), "port": port,
            "log": str(log), "fds": fds, "max_connections": max_connections}
    child = subprocess.Popen([sys.executable, "-c", LISTENER, json.dumps(args)], cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert wait_for_port(port), log.read_text() if log.exists() else "the listener did not start"
        yield port
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def greeted_once_free(settings: Settings) -> Wire:
    """A new session, as soon as the listener has seen earlier ones close (it closes them asynchronously)."""
    deadline = time.monotonic() + PATIENCE
    while True:
        wire = Wire(settings)
        if wire.greeting[0] == 220:
            return wire
        wire.sock.close()
        assert time.monotonic() < deadline, "the listener never had a place free again"
        time.sleep(0.05)


def test_a_starttls_session_holds_one_place_and_gives_it_back_once(listen: Start, engine: Engine,
                                                                   certificate: tuple[Path, Path]):
    cert, key = certificate
    settings, _ = listen(smtp_tls_cert=cert, smtp_tls_key=key, smtp_max_connections=1)
    with client(settings) as tls:
        tls.ehlo()
        tls.starttls(context=test_smtp.unverified())  # the listener sees this connection made a second time
        tls.ehlo()
        with Wire(settings) as second:
            assert second.greeting[0] == 421 and second.closed()
        assert send(tls, mail())[0] == 250
    # Given back when the TLS session ends, and only once: one place, not none and not two.
    with greeted_once_free(settings), Wire(settings) as second:
        assert second.greeting[0] == 421
    assert len(inbound_rows(engine)) == 1


def test_a_connection_flood_is_answered_220_or_421_and_cannot_use_up_the_descriptors(engine: Engine, data_dir: Path,
                                                                                     tmp_path: Path):
    log = tmp_path / "listener.log"
    with listener_process(engine, data_dir, log, fds=256, max_connections=40) as port:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port)  # type: ignore[call-arg]
        flood: list[Wire] = []
        try:
            for _ in range(400):  # far more than the child has descriptors for
                flood.append(Wire(settings))
            greetings = [wire.greeting[0] for wire in flood]
            assert sorted(set(greetings)) == [220, 421], greetings
            assert greetings.count(220) == 40  # the limit, and every other one refused at once
            assert all(wire.closed() for wire in flood if wire.greeting[0] == 421)
            # While the flood holds every place, a real sender hears a clean "try again later".
            with Wire(settings) as waiting:
                assert waiting.greeting[0] == 421 and waiting.closed()
        finally:
            for wire in flood:
                wire.sock.close()
        # Once the flood has gone, mail is taken again.
        with greeted_once_free(settings) as sender:
            sender.command("EHLO client.example")
            sender.command(f"MAIL FROM:<{SENDER}>")
            sender.command(f"RCPT TO:<{INTAKE}>")
            sender.command("DATA")
            code, reply = sender.command(mail() + b".")
    assert code == 250, reply
    assert len(inbound_rows(engine)) == 1
    logged = log.read_text()
    for trouble in ("Too many open files", "out of system resource", "Traceback", "Exception in callback"):
        assert trouble not in logged, logged[-3000:]
    assert "nieuwe verbindingen krijgen 421" in logged
