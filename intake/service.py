"""`loonbode serve`: one process running SMTP, the worker, the outbox, IMAP, the dashboard and the bot.

Start order: data dir, database and migrations, (demo roster), SMTP, then the background
threads. On SIGTERM or SIGINT the listener stops accepting first (mails being stored are
still answered), the worker finishes the message in hand, the threads stop, the engine is
disposed, and `run` returns 0. A second signal while stopping kills the process the usual way.
IMAP runs when LOONBODE_IMAP_URL is set, the Telegram bot when LOONBODE_TELEGRAM_TOKEN is.
One scheduler (Amsterdam time) runs the timed jobs of `_scheduled_jobs`: the IMAP poll, the
daily leave bookings ("leave-year", 01:30 and shortly after start), the reminders about leave
requests left open ("leave-reminders", every few minutes), the "documents ready" notices of
periods the bureau marked run done ("documents-ready", every minute), and the deadline,
leave, Poortwachter reminders and the bureau's digest ("reminders", working days 07:30-17:30), and
the deletion of raw mail past its retention ("retention", nightly).
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, make_url, update
from sqlmodel import Session, col, select

from intake.imap import poll_once, watch_idle
from intake.smtp import IntakeController, SmtpConfigError, start_smtp, stop_smtp
from intake.telegram_bot import BotRunner, build_application
from loonbode.settings import Settings, signing_key
from notifier.chat_notices import chat_hooks
from notifier.confirmations import confirmer
from notifier.documents_ready import queue_documents_ready
from notifier.leave_jobs import book_leave_year
from notifier.leave_reminders import remind_open_requests
from notifier.reminders import run_reminders
from parsers.roster import Roster
from workflows.db import create_db_engine, migrate
from workflows.models import InboundMessage, InboundStatus
from workflows.periods import AMSTERDAM
from workflows.pipeline import Confirm, claim_next, process, release_stale
from workflows.retention import purge_raw_mail
from workflows.roster_store import import_roster, load_roster
from workflows.sender_checks import SenderChecker, dns_lookup
from workflows.users import demo_login

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=5)
# Another instance (sharing PostgreSQL) may die with a message in hand; check for that now and then.
RELEASE_EVERY_SECONDS = 60.0
OUTBOX_SECONDS = 1.0
JOIN_SECONDS = 60.0
LEAVE_FIRST_RUN_DELAY = dt.timedelta(seconds=10)  # the leave job's first run, after the start has settled
LEAVE_REMINDER_MINUTES = 5  # how often open leave requests are checked for their one reminder
DOCUMENTS_FIRST_RUN_DELAY = dt.timedelta(seconds=10)  # catches up on periods marked done while we were down
DOCUMENTS_READY_MINUTES = 1  # how often periods marked run done are checked for their notices
DEMO_BODY = "Jan Visser is sinds maandag ziek. Fatima heeft 3 overuren gemaakt."


@dataclass
class Service:
    """The running parts, so they can be stopped in the right order."""

    settings: Settings
    engine: Engine
    smtp: IntakeController
    worker_id: str
    stopping: threading.Event = field(default_factory=threading.Event)
    # Set when there may be work: a stored mail for the worker, processed mail (confirmations) for the outbox.
    # Polling stays the fallback (IMAP, other instances); these only cut the wait.
    wake_worker: threading.Event = field(default_factory=threading.Event)
    wake_outbox: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    scheduler: BackgroundScheduler | None = None
    web: uvicorn.Server | None = None
    bot: BotRunner | None = None
    demo_login: tuple[str, str] | None = None

    def stop(self) -> None:
        log.info("Loonbode stopt: geen nieuwe mail meer, lopend werk wordt afgemaakt")
        stop_smtp(self.smtp)
        self.stopping.set()
        self.wake_worker.set()
        self.wake_outbox.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        if self.web is not None:
            self.web.should_exit = True
        if self.bot is not None:
            self.bot.stop()
        for thread in self.threads:
            thread.join(JOIN_SECONDS)
            if thread.is_alive():
                log.error("%s stopte niet binnen %.0f s; het werk wordt bij de volgende start hervat", thread.name,
                          JOIN_SECONDS)
        self.engine.dispose()
        log.info("Loonbode gestopt")


def run(settings: Settings, *, demo: bool = False) -> int:
    """Run until SIGTERM or SIGINT; returns the process exit code."""
    _configure_logging()
    stop_requested = threading.Event()
    try:
        service = start(settings, demo=demo)
    except SmtpConfigError as exc:
        log.error("Loonbode kan niet starten: %s", exc)
        return 2
    except OSError as exc:  # e.g. the port is taken, or the data dir cannot be made
        log.error("Loonbode kan niet starten: %s", exc)
        return 1
    previous = _install_signal_handlers(stop_requested)
    try:
        # A timeout, so a signal is noticed promptly whatever the platform does with blocking waits.
        while not stop_requested.wait(1.0):
            pass
    finally:
        service.stop()
        _restore_signal_handlers(previous)
    return 0


def start(settings: Settings, *, demo: bool = False) -> Service:
    """Bring everything up and return the running service (see `Service.stop`)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    signing_key(settings)  # made now, on first start, rather than by the first leave mail
    engine = create_db_engine(settings.database)
    try:
        migrate(engine)
        if demo:
            load_demo_roster(engine)
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:100]
        released = release_stale(engine, older_than=STALE_AFTER) + release_dead_local_claims(engine, worker_id)
        if released:
            log.info("%d bericht(en) van een gestopte verwerker weer in de wachtrij gezet", released)
        wake_worker = threading.Event()
        smtp = start_smtp(settings, engine, on_stored=lambda _id: wake_worker.set())
    except BaseException:
        engine.dispose()
        raise
    service = Service(settings=settings, engine=engine, smtp=smtp, worker_id=worker_id, wake_worker=wake_worker)
    try:
        _start_worker(service)
        _start_outbox(service)
        _start_scheduler(service)
        _start_imap_idle(service)
        _start_dashboard(service)
        _start_telegram(service)
        if demo:
            service.demo_login = demo_login(engine)
    except BaseException:
        service.stop()
        raise
    log.info(start_line(settings, engine, worker_id))
    if demo:
        print(demo_instructions(settings, service.demo_login), flush=True)
    return service


# --- the worker ------------------------------------------------------------------------------------------------

def _start_worker(service: Service) -> None:
    confirm = confirmer(service.settings)
    thread = threading.Thread(target=work_loop, name="verwerker", daemon=True,
                              args=(service.engine, service.settings, service.worker_id, confirm, service.stopping),
                              kwargs={"wake": service.wake_worker, "on_handled": service.wake_outbox.set})
    thread.start()
    service.threads.append(thread)


def work_loop(engine: Engine, settings: Settings, worker_id: str, confirm: Confirm | None,
              stopping: threading.Event, *, wake: threading.Event | None = None,
              on_handled: Callable[[], object] | None = None) -> None:
    """Process waiting mail until asked to stop; when there is none, waits `worker_poll_seconds` or until woken."""
    wake = wake or threading.Event()
    next_release = time.monotonic() + RELEASE_EVERY_SECONDS
    while not stopping.is_set():
        # Cleared before looking, so a mail stored while we drain wakes the next wait at once.
        wake.clear()
        try:
            handled = drain(engine, settings, worker_id, confirm, stopping)
            if handled and on_handled is not None:
                on_handled()
            if time.monotonic() >= next_release:
                release_stale(engine, older_than=STALE_AFTER)
                next_release = time.monotonic() + RELEASE_EVERY_SECONDS
        except Exception:  # the database may be away for a moment; the mail is safe, try again later
            log.exception("de verwerker liep tegen een fout aan; hij probeert het zo opnieuw")
            handled = 0
        if not handled:
            wake.wait(settings.worker_poll_seconds)


def drain(engine: Engine, settings: Settings, worker_id: str, confirm: Confirm | None,
          stopping: threading.Event) -> int:
    """`pipeline.run_pending`, but checking `stopping` between messages, so a stop waits for one message only."""
    roster = load_roster(engine)
    senders = sender_checker(settings)
    handled = 0
    while not stopping.is_set():
        message_id = claim_next(engine, worker_id)
        if message_id is None:
            break
        status = process(engine, settings.data_dir, message_id, roster=roster, confirm=confirm, senders=senders)
        log.info("bericht %d verwerkt: %s", message_id, status)
        handled += 1
    return handled


def sender_checker(settings: Settings) -> SenderChecker:
    """How the worker checks who sent a mail, from the settings (DNS for DKIM keys unless switched off)."""
    return SenderChecker(settings.sender_policy, tuple(settings.trusted_authserv_list),
                         dns_lookup() if settings.dkim_dns else None)


def release_dead_local_claims(engine: Engine, worker_id: str) -> int:
    """Hand back messages claimed by a worker on this host whose process is gone.

    `release_stale` waits five minutes because a worker elsewhere may still be busy; a
    worker on this machine whose pid no longer runs (or that had our own id: a restart that
    got the same pid, as PID 1 in a container) is certainly dead, so its mail need not wait.
    This assumes instances sharing a database have distinct host names, as containers do.
    """
    host = worker_id.rsplit("-", 1)[0]
    with Session(engine) as session:
        claims = session.exec(select(InboundMessage.claimed_by).distinct().where(
            InboundMessage.status == InboundStatus.PROCESSING,
            col(InboundMessage.claimed_by).startswith(f"{host}-"))).all()
        dead = [c for c in claims if c and c.rsplit("-", 1)[0] == host and (c == worker_id or not _alive(c))]
        if not dead:
            return 0
        result = session.exec(update(InboundMessage)  # type: ignore[call-overload]
                              .where(InboundMessage.status == InboundStatus.PROCESSING,
                                     col(InboundMessage.claimed_by).in_(dead))
                              .values(status=InboundStatus.RECEIVED, claimed_by=None, claimed_at=None))
        session.commit()
        return result.rowcount


def _alive(worker_id: str) -> bool:
    try:
        os.kill(int(worker_id.rsplit("-", 1)[1]), 0)
    except (ValueError, IndexError):
        return True  # not one of our ids: leave it to release_stale
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _start_dashboard(service: Service) -> None:
    """The web dashboard on LOONBODE_HTTP_HOST:LOONBODE_HTTP_PORT, in a thread of its own."""
    from dashboard.app import create_app

    app = create_app(service.settings, service.engine, wake_outbox=service.wake_outbox.set)
    config = uvicorn.Config(app, host=service.settings.http_host,
                            port=service.settings.http_port, log_level="warning", lifespan="off",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        server.should_exit = True
        raise OSError(f"het dashboard kon niet starten op {service.settings.http_host}:{service.settings.http_port}")
    service.web = server
    service.threads.append(thread)


def _start_telegram(service: Service) -> None:
    """The leave bot, when LOONBODE_TELEGRAM_TOKEN is set."""
    if not service.settings.telegram_token:
        return
    application = build_application(service.settings.telegram_token, service.engine,
                                    api_url=service.settings.telegram_api_url, hooks=chat_hooks(service.settings))
    service.bot = BotRunner(application)
    service.bot.start()


def _start_outbox(service: Service) -> None:
    from notifier.outbox import send_due, send_due_telegram

    def send_all() -> None:
        send_due(service.engine, service.settings)
        send_due_telegram(service.engine, service.settings)

    thread = threading.Thread(target=_repeat, name="outbox", daemon=True,
                              args=(send_all, OUTBOX_SECONDS,
                                    service.stopping, service.wake_outbox, "de outbox"))
    thread.start()
    service.threads.append(thread)


def _repeat(job: Callable[[], object], seconds: float, stopping: threading.Event, wake: threading.Event,
            what: str) -> None:
    """Run `job` every `seconds`, or sooner when woken, until stopping."""
    while not stopping.is_set():
        wake.clear()
        try:
            job()
        except Exception:  # a relay that is down is the outbox's business; keep the loop alive
            log.exception("%s liep tegen een fout aan", what)
        wake.wait(seconds)


# --- scheduled jobs ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScheduledJob:
    """One job for the service's scheduler: what runs, when, and (optionally) when it runs first."""

    id: str
    func: Callable[[], object]
    trigger: BaseTrigger
    first_run: dt.datetime | None = None  # None: when the trigger says
    run_late: bool = False  # run a missed time however late (once), instead of skipping it after a second


def _scheduled_jobs(service: Service) -> list[ScheduledJob]:
    """Every job `loonbode serve` schedules; add one here and it runs (once per instance, never overlapping)."""
    jobs = []
    if service.settings.imap_url:
        jobs.append(ScheduledJob("imap", _logged(poll_once, service),
                                 IntervalTrigger(seconds=service.settings.imap_poll_seconds, timezone=dt.UTC),
                                 first_run=dt.datetime.now(dt.UTC)))
    # Daily at night, and once just after start so a fresh install (or one that was down) has balances.
    jobs.append(ScheduledJob("leave-year", _leave_year_job(service),
                             CronTrigger(hour=1, minute=30, timezone=AMSTERDAM),
                             first_run=dt.datetime.now(dt.UTC) + LEAVE_FIRST_RUN_DELAY, run_late=True))
    # Leave requests open two working days: the employer is reminded once (the claim makes it once).
    jobs.append(ScheduledJob("leave-reminders", _leave_reminders_job(service),
                             IntervalTrigger(minutes=LEAVE_REMINDER_MINUTES, timezone=dt.UTC),
                             first_run=dt.datetime.now(dt.UTC) + LEAVE_FIRST_RUN_DELAY))
    # Periods marked run done (dashboard or CLI): their notices are queued once (the claim makes it once).
    jobs.append(ScheduledJob("documents-ready", _documents_ready_job(service),
                             IntervalTrigger(minutes=DOCUMENTS_READY_MINUTES, timezone=dt.UTC),
                             first_run=dt.datetime.now(dt.UTC) + DOCUMENTS_FIRST_RUN_DELAY))
    # Deadline, leave, Poortwachter reminders and the bureau's digest: each once a day (dedupe keys), sent
    # by the first run of a working day in office hours, so a Loonbode down at 07:30 still sends them.
    jobs.append(ScheduledJob("reminders", _reminders_job(service),
                             CronTrigger(day_of_week="mon-fri", hour="7-17", minute="30", timezone=AMSTERDAM)))
    # Raw mail whose drafts are done is deleted after LOONBODE_RETENTION_DAYS; the drafts stay.
    jobs.append(ScheduledJob("retention", _guarded(lambda: purge_raw_mail(
        service.engine, service.settings.data_dir, now=dt.datetime.now(dt.UTC),
        retention_days=service.settings.retention_days).messages, "bewaartermijn ruwe mail"),
        CronTrigger(hour=2, minute=30, timezone=AMSTERDAM)))
    return jobs


def _start_scheduler(service: Service) -> None:
    """One scheduler (Amsterdam time) for every job of `_scheduled_jobs`; `Service.stop` shuts it down."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every run at INFO
    scheduler = BackgroundScheduler(timezone=AMSTERDAM)
    for job in _scheduled_jobs(service):
        options: dict[str, Any] = {} if job.first_run is None else {"next_run_time": job.first_run}
        if job.run_late:
            options["misfire_grace_time"] = None
        scheduler.add_job(job.func, job.trigger, id=job.id, max_instances=1, coalesce=True, **options)
    scheduler.start()
    service.scheduler = scheduler


def _guarded(work: Callable[[], object], what: str, *, wake: threading.Event | None = None) -> Callable[[], None]:
    """A scheduled job that logs its failure and lets the next run try again (every job here is safe to
    repeat: claims and dedupe keys make each effect happen once); when it did something, `wake` is set."""

    def job() -> None:
        try:
            done = work()
        except Exception:
            log.exception("%s mislukt; de volgende run probeert het opnieuw", what)
            return
        if done and wake is not None:
            wake.set()

    return job


def _leave_year_job(service: Service) -> Callable[[], None]:
    return _guarded(lambda: book_leave_year(service.engine, dt.datetime.now(AMSTERDAM).date()), "verlof boeken")


def _leave_reminders_job(service: Service) -> Callable[[], None]:
    return _guarded(lambda: remind_open_requests(service.engine, service.settings), "verlofherinneringen",
                    wake=service.wake_outbox)


def _documents_ready_job(service: Service) -> Callable[[], None]:
    return _guarded(lambda: queue_documents_ready(service.engine, service.settings),
                    "berichten over klaarstaande documenten", wake=service.wake_outbox)


def _reminders_job(service: Service) -> Callable[[], None]:
    return _guarded(lambda: sum(run_reminders(service.engine, service.settings).values()), "herinneringen",
                    wake=service.wake_outbox)


def _start_imap_idle(service: Service) -> None:
    """IMAP IDLE, when IMAP is configured: new mail moves the next "imap" poll to now."""
    scheduler = service.scheduler
    if not service.settings.imap_url or scheduler is None:
        return

    def poll_now() -> None:
        try:
            scheduler.modify_job("imap", next_run_time=dt.datetime.now(dt.UTC))
        except Exception:  # stopping: the scheduler is gone, and so is the need to poll
            log.debug("IMAP IDLE meldde nieuwe mail terwijl Loonbode stopt")

    # Not in service.threads: a stop ends it within a second, and nothing it does needs finishing.
    threading.Thread(target=watch_idle, name="imap-idle", daemon=True,
                     args=(service.settings, poll_now, service.stopping)).start()


def _logged(poll_once: Callable[..., int], service: Service) -> Callable[[], None]:
    def job() -> None:
        try:
            stored = poll_once(service.engine, service.settings)
        except Exception:  # the mailbox stays as it is; the next poll tries again
            log.exception("IMAP ophalen mislukt; volgende poll over %d s", service.settings.imap_poll_seconds)
            return
        if stored:
            log.info("IMAP: %d bericht(en) opgehaald", stored)

    return job


# --- demo, start line, signals, logging ---------------------------------------------------------------------------

def load_demo_roster(engine: Engine) -> Roster:
    roster = Roster.model_validate_json(importlib.resources.files("loonbode").joinpath("demo_roster.json")
                                        .read_text(encoding="utf-8"))
    import_roster(engine, roster, actor="demo")
    return roster


def _client_host(host: str) -> str:
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def demo_send_command(settings: Settings) -> str:
    """One shell line that mails the demo employer's first mutations to the listener."""
    to = settings.intake_list[0] if settings.intake_list else "mutaties@bureau.example"
    script = ("import smtplib,email.message as m,email.utils as u; e=m.EmailMessage(); "
              f"e['From']='werkgever@demo.example'; e['To']='{to}'; e['Subject']='Mutaties'; "
              "e['Date']=u.formatdate(localtime=True); e['Message-ID']=u.make_msgid(); "
              f"e.set_content('{DEMO_BODY}'); "
              f"smtplib.SMTP('{_client_host(settings.smtp_host)}',{settings.smtp_port}).send_message(e)")
    return f'python3 -c "{script}"'


def demo_instructions(settings: Settings, login: tuple[str, str] | None = None) -> str:
    env = f"LOONBODE_DATA_DIR={settings.data_dir.resolve()}"
    if settings.database_url:
        env += " LOONBODE_DATABASE_URL=…"
    lines = ["",
             "Demo klaar: werkgever Fietsenmakerij De Spaak (demo) met 3 medewerkers, afzender werkgever@demo.example.",
             "Stuur een eerste mail met dit commando:",
             "",
             f"  {demo_send_command(settings)}",
             "",
             "Bekijk daarna (na een paar seconden) de conceptmutaties:",
             "",
             f"  {env} loonbode drafts --json",
             ""]
    if login is not None:
        lines += [f"Of in het dashboard: http://{_client_host(settings.http_host)}:{settings.http_port}/queue",
                  f"  e-mail {login[0]}, wachtwoord {login[1]}", ""]
    if settings.smtp_auth_users:
        lines.insert(4, "(SMTP AUTH staat aan: log eerst in, of start de demo zonder LOONBODE_SMTP_AUTH_USERS.)")
    return "\n".join(lines)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def start_line(settings: Settings, engine: Engine, worker_id: str) -> str:
    tls = "STARTTLS aan" if settings.smtp_tls_cert else "STARTTLS uit"
    auth = "AUTH verplicht" if settings.smtp_auth_users else "AUTH uit"
    database = make_url(settings.database).render_as_string(hide_password=True)
    imap = mask_url(settings.imap_url) + f" elke {settings.imap_poll_seconds} s" if settings.imap_url else "uit"
    relay = mask_url(settings.relay_url) if settings.relay_url else "niet ingesteld (uitgaande mail wacht)"
    return (f"Loonbode draait: SMTP op {settings.smtp_host}:{settings.smtp_port} voor "
            f"{', '.join(settings.intake_list)} ({tls}, {auth}, max {settings.max_message_bytes} bytes); "
            f"data in {settings.data_dir.resolve()}; database {engine.dialect.name} ({database}); "
            f"IMAP {imap}; relay {relay}; verwerker {worker_id} elke {settings.worker_poll_seconds} s; "
            f"dashboard op http://{settings.http_host}:{settings.http_port}; "
            f"Telegram {'aan' if settings.telegram_token else 'uit'}")


Handlers = dict[int, Any]


def _install_signal_handlers(stop_requested: threading.Event) -> Handlers:
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers; the caller stops us some other way
    previous: Handlers = {}

    def on_signal(number: int, _frame: FrameType | None) -> None:
        log.info("%s ontvangen", signal.Signals(number).name)
        stop_requested.set()
        # A second signal while we stop takes the default way out.
        for other in previous:
            signal.signal(other, signal.SIG_DFL)

    for number in (signal.SIGTERM, signal.SIGINT):
        previous[number] = signal.signal(number, on_signal)
    return previous


def _restore_signal_handlers(previous: Handlers) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
