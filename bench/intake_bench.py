"""Intake speed, measured against a baseline taken in the same run (machines here are noisy).

    python bench/intake_bench.py [--mails 400] [--clients 4] [--rounds 3] [--latency-mails 40]

Prints:
- mails per second that Loonbode's SMTP listener accepts durably (raw file fsynced, row
  committed, then 250) on SQLite, beside a plain aiosmtpd handler that discards the mail:
  the same client threads, the same mails, rounds interleaved; best round of each, and the ratio;
- end-to-end latency (p50/p95) from the end of DATA to the confirmation reaching a relay: a
  second aiosmtpd server plays the relay and `loonbode serve --demo` runs with
  LOONBODE_RELAY_URL pointing at it.

Aims: ratio >= 0.5 on SQLite, p95 < 1 s.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from intake.smtp import start_smtp, stop_smtp  # noqa: E402
from loonbode.settings import load_settings  # noqa: E402
from workflows.db import create_db_engine, migrate  # noqa: E402

INTAKE = "mutaties@bureau.example"
SENDER = "werkgever@demo.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_mail(n: int) -> tuple[str, bytes]:
    """A realistic small mutation mail from the demo employer; every one different, as in real life
    (identical bytes would let the content-addressed raw store skip its write)."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"Demo Werkgever <{SENDER}>"
    msg["To"] = INTAKE
    msg["Subject"] = f"Mutaties {n}"
    msg["Date"] = format_datetime(time_now())
    msg["Message-ID"] = make_msgid(idstring=f"bench{n}", domain="demo.example")
    msg.set_content(f"Goedemorgen,\n\nJan Visser is sinds maandag ziek.\nFatima heeft {n % 9 + 1} overuren "
                    "gemaakt.\n\nMet vriendelijke groet,\nDemo Werkgever\n" + "Disclaimer. " * 60)
    return msg["Message-ID"], bytes(msg)


def time_now():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime.now(dt.UTC)


# --- throughput -------------------------------------------------------------------------------------------------

class Discard:
    """The baseline: aiosmtpd parsing the protocol and dropping the mail."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def blast(port: int, mails: list[bytes], clients: int) -> float:
    """Send every mail over `clients` parallel sessions from a separate process (so the client's
    work does not compete with the server for this process's GIL); returns the seconds it took."""
    with tempfile.TemporaryDirectory(prefix="intake-bench-mails-") as folder:
        for n, raw in enumerate(mails):
            (Path(folder) / f"{n:06d}.eml").write_bytes(raw)
        done = subprocess.run([sys.executable, __file__, "--client", str(port), str(clients), folder],
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the client failed: {done.stderr.strip()[-500:]}")
    return float(done.stdout)


def client_main(port: int, clients: int, folder: Path) -> None:
    """The client process: prints the seconds it took to send every mail in `folder`."""
    mails = [p.read_bytes() for p in sorted(folder.glob("*.eml"))]
    print(send_all(port, mails, clients))


def send_all(port: int, mails: list[bytes], clients: int) -> float:
    shares = [mails[i::clients] for i in range(clients)]
    failures: list[BaseException] = []

    def one(share: list[bytes]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                for raw in share:
                    client.sendmail(SENDER, [INTAKE], raw)
        except BaseException as exc:  # reported below: a failed round must not pass as fast
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} client(s) failed: {failures[0]!r}")
    return elapsed


def discard_round(mails: list[bytes], clients: int) -> float:
    port = free_port()
    controller = Controller(Discard(), hostname="127.0.0.1", port=port, server_hostname="bench")
    controller.start()
    try:
        return len(mails) / blast(port, mails, clients)
    finally:
        controller.stop()


def loonbode_round(mails: list[bytes], clients: int) -> float:
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as folder:
        settings = load_settings(data_dir=Path(folder), database_url=None, smtp_host="127.0.0.1",
                                 smtp_port=free_port(), intake_addresses=INTAKE, smtp_auth_users=None,
                                 smtp_tls_cert=None, smtp_tls_key=None)
        engine = create_db_engine(settings.database)
        migrate(engine)
        controller = start_smtp(settings, engine)
        try:
            return len(mails) / blast(settings.smtp_port, mails, clients)
        finally:
            stop_smtp(controller)
            engine.dispose()


def throughput(mail_count: int, clients: int, rounds: int) -> None:
    mails = [demo_mail(n)[1] for n in range(mail_count)]
    plain: list[float] = []
    ours: list[float] = []
    for _ in range(rounds):  # interleaved, so a noisy moment hits both
        plain.append(discard_round(mails, clients))
        ours.append(loonbode_round(mails, clients))
    best_plain, best_ours = max(plain), max(ours)
    print(f"SMTP intake, {mail_count} mails of {len(mails[0])} bytes over {clients} session(s) from another process, "
          f"best of {rounds}:")
    print(f"  plain aiosmtpd (discards)        {best_plain:8.0f} mails/s")
    print(f"  Loonbode (durable, SQLite)       {best_ours:8.0f} mails/s")
    verdict = "ok" if best_ours / best_plain >= 0.5 else "BELOW AIM"
    print(f"  ratio {best_ours / best_plain:.2f}   (aim >= 0.5: {verdict})")


# --- latency to the relay -----------------------------------------------------------------------------------------

class Relay:
    """A relay that notes when each confirmation arrives, keyed on the mail it answers."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.perf_counter()
        message = email.message_from_bytes(envelope.original_content or b"")
        for header in ("In-Reply-To", "References"):
            for reference in str(message.get(header, "")).split():
                with self.lock:
                    self.arrived.setdefault(reference, now)
        return "250 OK"


def wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False


def latency(count: int) -> None:
    relay = Relay()
    relay_port, port = free_port(), free_port()
    relay_server = Controller(relay, hostname="127.0.0.1", port=relay_port, server_hostname="relay")
    relay_server.start()
    with tempfile.TemporaryDirectory(prefix="intake-bench-e2e-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOONBODE_")}
        env.update(LOONBODE_DATA_DIR=folder, LOONBODE_SMTP_PORT=str(port), LOONBODE_HTTP_PORT=str(free_port()),
                   LOONBODE_RELAY_URL=f"smtp://127.0.0.1:{relay_port}", LOONBODE_REPLIES_PER_SENDER_PER_HOUR="100000",
                   PYTHONPATH=str(ROOT))
        log = open(Path(folder) / "serve.log", "wb")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen([sys.executable, "-m", "loonbode", "serve", "--demo"], cwd=folder, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            if not wait_until(lambda: _accepts(port), 60):
                raise RuntimeError("loonbode serve did not start")
            times = _measure(port, relay, count)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
            log.close()
            relay_server.stop()
    if not times:
        print("Latency DATA → confirmation at the relay: no confirmation arrived (is the notifier wired?)")
        return
    times.sort()
    p50 = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    verdict = "ok" if p95 < 1.0 else "ABOVE AIM"
    print(f"Latency DATA → confirmation at the relay, {len(times)}/{count} mails one at a time:")
    print(f"  p50 {p50 * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   (aim p95 < 1 s: {verdict})")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _measure(port: int, relay: Relay, count: int) -> list[float]:
    times: list[float] = []
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo()
        for n in range(count):
            message_id, raw = demo_mail(10_000 + n)
            client.mail(SENDER)
            client.rcpt(INTAKE)
            started = time.perf_counter()  # DATA starts here; the confirmation ends it
            code, reply = client.data(raw)
            if code != 250:
                raise RuntimeError(f"mail {n} refused: {code} {reply!r}")
            if wait_until(lambda mid=message_id: mid in relay.arrived, 10):
                times.append(relay.arrived[message_id] - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-mails", type=int, default=40)
    parser.add_argument("--client", nargs=3, metavar=("PORT", "CLIENTS", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(int(args.client[0]), int(args.client[1]), Path(args.client[2]))
        return
    throughput(args.mails, args.clients, args.rounds)
    latency(args.latency_mails)


if __name__ == "__main__":
    main()
