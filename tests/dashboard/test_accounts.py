"""Invitations, password resets and one's own sessions, through the dashboard and its mail.

An invitation goes out through the outbox (and a real relay), its link sets a personal
password that is checked, and logs in; a link works once, until it expires, and a made-up
or altered one never logs anyone in. A reset for an unknown address answers exactly as for
a known one and mails nothing. A user sees their sessions and ends them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from notifier.account_mail import INVITE_KIND, RESET_KIND, link_mailer
from notifier.outbox import send_due
from tests.dashboard.conftest import PASSWORD, USERS, Dashboard, csrf_of, log_in, page_csrf
from tests.notifier import CaptureHandler, free_port, make_settings, running_relay
from tests.test_cli import in_data_dir
from workflows.accounts import (
    INVITE,
    LINKS_PER_HOUR,
    RESET,
    invite,
    log_out_everywhere,
    request_reset,
    sessions_of,
)
from workflows.models import AuditEvent, OutboundMessage, TrustedDevice, User, UserToken, WebSession, utcnow
from workflows.periods import AMSTERDAM
from workflows.users import check_password, signed_in, token_id

SESSION = "loonbode_session"
FORM_TOKEN = "loonbode_login_csrf"  # the double-submit cookie; a page without a form has no field to read it from
NEW = "karin@garagehoek.example"
GOOD = "Rood fietsje aan de gracht"
LINK = re.compile(r"http://\S+/(activate|reset)/([A-Za-z0-9_-]+)")


def mails(board: Dashboard, kind: str, to: str | None = None) -> list[OutboundMessage]:
    with Session(board.engine) as session:
        query = select(OutboundMessage).where(OutboundMessage.kind == kind).order_by(col(OutboundMessage.id))
        if to:
            query = query.where(OutboundMessage.to_address == to)
        return list(session.exec(query))


def link_in(message: OutboundMessage) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return f"/{found.group(1)}/{found.group(2)}"


def user_row(board: Dashboard, email: str) -> User:
    with Session(board.engine) as session:
        return session.exec(select(User).where(User.email == email)).one()


def invite_by_admin(board: Dashboard, email: str = NEW) -> str:
    admin = board.login("admin")
    answer = admin.post("/users/invite", data={"csrf_token": page_csrf(admin, "/users"), "email": email,
                                               "role": "employer", "employer": "garage-hoek"})
    assert answer.status_code == 303 and "notice=" in answer.headers["location"], answer.text[:500]
    assert email.split("@")[0] not in answer.headers["location"]  # no address in a URL
    return link_in(mails(board, INVITE_KIND, email)[-1])


def set_password(client: TestClient, link: str, password: str, again: str | None = None):  # type: ignore[no-untyped-def]
    form = client.get(link)
    assert form.status_code == 200
    return client.post(link, data={"csrf_token": csrf_of(form.text), "password": password,
                                   "password_again": password if again is None else again})


# --- invitations -----------------------------------------------------------------------------------------------

def test_an_invitation_is_mailed_and_its_link_sets_a_password_and_logs_in(dashboard: Dashboard):
    link = invite_by_admin(dashboard)
    [mail] = mails(dashboard, INVITE_KIND)
    assert mail.to_address == NEW and mail.subject == "Uw account voor Loonbode (Garage Hoek B.V.)"
    assert "één keer" in mail.body and "spam" in mail.body
    assert b"Auto-Submitted: auto-generated" in (mail.raw or b"")
    user = user_row(dashboard, NEW)
    assert user.password_set_at is None and user.active
    assert check_password(dashboard.engine, NEW, GOOD, client="t") is None  # no password works yet
    with Session(dashboard.engine) as session:
        [row] = session.exec(select(UserToken).where(UserToken.user_id == user.id)).all()
    assert row.token_hash == token_id(link.rsplit("/", 1)[1]) and link.rsplit("/", 1)[1] not in row.token_hash
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    assert dt.timedelta(days=7) - (expires - utcnow()) < dt.timedelta(minutes=1)
    assert f"tot {expires.astimezone(AMSTERDAM):%d-%m-%Y %H:%M} (Nederlandse tijd)" in mail.body

    client = dashboard.client()
    page = client.get(link)
    assert page.status_code == 200 and NEW in page.text and page.headers["referrer-policy"] == "no-referrer"
    done = set_password(client, link, GOOD)
    assert done.status_code == 303 and done.headers["location"] == "/queue"
    assert client.get("/queue").status_code == 200
    assert "Atelier Noorderlicht" not in client.get("/queue?status=all").text
    assert user_row(dashboard, NEW).password_set_at is not None
    log_in(dashboard.client(), NEW, GOOD)  # and the password works at the login form


WEAK = [
    ("kort genoeg", "minstens 12"),
    ("123456789012", "reeks"),
    ("qwertyuiopas", "reeks"),
    ("zomer2024!!!", "lijsten"),
    ("Welkom01welkom01", "lijsten"),
    ("karin2024karin", "e-mailadres"),
    ("garagehoek-2024", "e-mailadres"),
    ("aaaaaaaaaaaaaaaa", "hetzelfde teken"),
]


def test_weak_passwords_are_refused_with_the_reason_and_the_link_keeps_working(dashboard: Dashboard):
    link = invite_by_admin(dashboard)
    client = dashboard.client()
    for password, reason in WEAK:
        answer = set_password(client, link, password)
        assert answer.status_code == 422 and reason in answer.text, (password, answer.text[:300])
        assert SESSION not in client.cookies
    mismatch = set_password(client, link, GOOD, again=GOOD + "!")
    assert mismatch.status_code == 422 and "niet gelijk" in mismatch.text
    assert user_row(dashboard, NEW).password_set_at is None
    assert set_password(client, link, GOOD).status_code == 303


def test_a_used_link_explains_itself_and_never_logs_in(dashboard: Dashboard):
    link = invite_by_admin(dashboard)
    assert set_password(dashboard.client(), link, GOOD).status_code == 303
    again = dashboard.client()
    page = again.get(link)
    assert page.status_code == 200 and "al gebruikt" in page.text and 'href="/reset"' in page.text
    answer = again.post(link, data={"csrf_token": again.cookies[FORM_TOKEN], "password": "Een ander wachtwoord hier",
                                    "password_again": "Een ander wachtwoord hier"})
    assert answer.status_code == 410 and "al gebruikt" in answer.text
    assert SESSION not in again.cookies and again.get("/queue").status_code == 303
    assert check_password(dashboard.engine, NEW, "Een ander wachtwoord hier", client="t") is None


def test_an_expired_invitation_explains_itself_and_sends_a_new_one(dashboard: Dashboard):
    settings = dashboard.app.state.settings  # type: ignore[attr-defined]
    _user, token = invite(dashboard.engine, NEW, employer_id="garage-hoek", actor="test",
                          now=utcnow() - dt.timedelta(days=7, minutes=1), on_issued=link_mailer(settings, INVITE))
    link = f"/activate/{token}"
    client = dashboard.client()
    page = client.get(link)
    assert page.status_code == 200 and "verlopen" in page.text and "Stuur mij een nieuwe link" in page.text
    refused = client.post(link, data={"csrf_token": csrf_of(page.text), "password": GOOD, "password_again": GOOD})
    assert refused.status_code == 410 and SESSION not in client.cookies
    renewed = client.post(f"{link}/new", data={"csrf_token": csrf_of(client.get(link).text)})
    assert renewed.status_code == 200 and "Kijk in uw mail" in renewed.text
    first, second = mails(dashboard, INVITE_KIND, NEW)
    new_link = link_in(second)
    assert new_link != link and link_in(first) == link
    assert set_password(dashboard.client(), new_link, GOOD).status_code == 303


def test_a_new_invitation_ends_the_older_link_and_an_activated_user_is_not_invited_again(dashboard: Dashboard):
    old = invite_by_admin(dashboard)
    new = invite_by_admin(dashboard)
    assert old != new
    page = dashboard.client().get(old)
    assert "verlopen" in page.text and "nieuwere link" in page.text
    assert set_password(dashboard.client(), new, GOOD).status_code == 303
    admin = dashboard.login("admin")
    refused = admin.post("/users/invite", data={"csrf_token": page_csrf(admin, "/users"), "email": NEW,
                                                "role": "employer", "employer": "garage-hoek"})
    assert refused.status_code == 422 and "al geactiveerd" in refused.text
    assert len(mails(dashboard, INVITE_KIND, NEW)) == 2


def _forgeries(token: str) -> list[str]:
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    return [secrets.token_urlsafe(32), flipped, token[:-1], token + "x", token.upper(), "x", "a" * 500]


@pytest.mark.parametrize("purpose", ["activate", "reset"])
def test_made_up_and_altered_links_explain_themselves_and_never_log_in(dashboard: Dashboard, purpose: str):
    link = invite_by_admin(dashboard)
    token = link.rsplit("/", 1)[1]
    for forged in _forgeries(token):
        client = dashboard.client()
        page = client.get(f"/{purpose}/{forged}")
        assert page.status_code == 200 and "ongeldig" in page.text, forged
        answer = client.post(f"/{purpose}/{forged}", data={"csrf_token": client.cookies[FORM_TOKEN],
                                                           "password": GOOD, "password_again": GOOD})
        assert answer.status_code == 410 and SESSION not in client.cookies, forged
    # The real invitation is no reset link either.
    wrong_kind = dashboard.client()
    assert "ongeldig" in wrong_kind.get(f"/reset/{token}").text
    assert user_row(dashboard, NEW).password_set_at is None
    assert set_password(dashboard.client(), link, GOOD).status_code == 303  # and the real one still works


def test_the_link_forms_need_their_form_token(dashboard: Dashboard):
    link = invite_by_admin(dashboard)
    client = dashboard.client()
    client.get(link)
    answer = client.post(link, data={"csrf_token": "vervalst", "password": GOOD, "password_again": GOOD})
    assert answer.status_code == 403 and SESSION not in client.cookies
    assert user_row(dashboard, NEW).password_set_at is None


def test_the_invitation_reaches_a_real_relay_and_its_token_no_log(dashboard: Dashboard, data_dir,  # type: ignore[no-untyped-def]
                                                                   caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    port = free_port()
    settings = make_settings(data_dir, relay_port=port)
    _user, token = invite(dashboard.engine, NEW, employer_id="garage-hoek", actor="test",
                          on_issued=link_mailer(settings, INVITE))
    with running_relay(port, CaptureHandler()) as relay:
        assert send_due(dashboard.engine, settings) == 1
    [received] = relay.received
    assert received.rcpt_tos == [NEW] and received.message["Auto-Submitted"] == "auto-generated"
    assert "spam" in received.body and "één keer" in received.body
    assert f"/activate/{token}" in received.body
    assert set_password(dashboard.client(), f"/activate/{token}", GOOD).status_code == 303
    # Ours, that is: the test relay (aiosmtpd's "mail.log") and the test client (httpx) log what they see.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith(("mail.log", "httpx", "asyncio"))]
    assert ours and not [line for line in ours if token in line]
    with Session(dashboard.engine) as session:
        audit = " ".join(f"{e.action} {e.detail}" for e in session.exec(select(AuditEvent)))
    assert "user_invited" in audit and "account_activated" in audit and token not in audit


def test_invite_from_the_command_line_waits_in_the_outbox(tmp_path):  # type: ignore[no-untyped-def]
    from tests.test_cli import ROOT

    assert in_data_dir(tmp_path, "import-roster", str(ROOT / "examples" / "roster.json")).returncode == 0
    import json

    employer = json.loads((ROOT / "examples" / "roster.json").read_text())["employers"][0]["id"]
    made = in_data_dir(tmp_path, "invite", "Karin@Example.org", "--employer", employer)
    assert made.returncode == 0, made.stderr
    assert "karin@example.org (employer) wacht in de outbox" in made.stdout
    assert "/activate/" not in made.stdout + made.stderr  # the token is in the mail only
    outbox = json.loads(in_data_dir(tmp_path, "outbox", "--json").stdout)
    assert [row["to"] for row in outbox] == ["karin@example.org"]
    refused = in_data_dir(tmp_path, "invite", "x@example.org")
    assert refused.returncode == 2 and "hoort bij een werkgever" in refused.stderr
    bureau = in_data_dir(tmp_path, "invite", "anna@bureau.example", "--role", "bureau")
    assert bureau.returncode == 0, bureau.stderr


# --- password reset --------------------------------------------------------------------------------------------

def ask_reset(client: TestClient, email: str):  # type: ignore[no-untyped-def]
    return client.post("/reset", data={"csrf_token": csrf_of(client.get("/reset").text), "email": email})


def test_a_reset_for_an_unknown_address_answers_byte_for_byte_like_a_known_one(dashboard: Dashboard):
    invite_by_admin(dashboard)  # invited, not activated yet: no reset either
    known = ask_reset(dashboard.client(), USERS["garage"][0].upper())
    unknown = ask_reset(dashboard.client(), "niemand@garagehoek.example")
    invited_only = ask_reset(dashboard.client(), NEW)
    assert known.status_code == unknown.status_code == invited_only.status_code == 200
    assert known.content == unknown.content == invited_only.content
    assert "set-cookie" not in known.headers and "set-cookie" not in unknown.headers
    assert {k: v for k, v in known.headers.items() if k != "date"} == \
        {k: v for k, v in unknown.headers.items() if k != "date"}
    assert [m.to_address for m in mails(dashboard, RESET_KIND)] == [USERS["garage"][0]]


def test_a_reset_link_sets_a_new_password_and_ends_every_session(dashboard: Dashboard):
    email = USERS["garage"][0]
    elsewhere = dashboard.login("garage")
    with Session(dashboard.engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        session.add(TrustedDevice(id="d" * 64, user_id=user.id or 0, expires_at=utcnow() + dt.timedelta(days=3)))
        session.commit()
    ask_reset(dashboard.client(), email)
    [mail] = mails(dashboard, RESET_KIND)
    assert "één uur" in mail.body and "kunt u deze mail negeren" in mail.body
    link = link_in(mail)
    client = dashboard.client()
    assert email in client.get(link).text
    done = set_password(client, link, GOOD)
    assert done.status_code == 303 and done.headers["location"] == "/queue"
    assert elsewhere.get("/queue").status_code == 303  # the other session ended
    assert client.get("/queue").status_code == 200  # this browser is logged in with the new password
    assert check_password(dashboard.engine, email, PASSWORD, client="t") is None
    assert check_password(dashboard.engine, email, GOOD, client="t") is not None
    with Session(dashboard.engine) as session:
        assert session.exec(select(TrustedDevice)).all() == []
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "password_reset")).first() is not None
    reused = dashboard.client()
    page = reused.get(link)
    assert "al gebruikt" in page.text
    assert reused.post(link, data={"csrf_token": csrf_of(page.text), "password": "Nog een ander goed wachtwoord",
                                   "password_again": "Nog een ander goed wachtwoord"}).status_code == 410


def test_a_reset_link_expires_after_an_hour(dashboard: Dashboard):
    settings = dashboard.app.state.settings  # type: ignore[attr-defined]
    token = request_reset(dashboard.engine, USERS["garage"][0], now=utcnow() - dt.timedelta(minutes=61),
                          on_issued=link_mailer(settings, RESET))
    assert token
    client = dashboard.client()
    page = client.get(f"/reset/{token}")
    assert "verlopen" in page.text and "Stuur mij een nieuwe link" in page.text
    assert client.post(f"/reset/{token}", data={"csrf_token": csrf_of(page.text), "password": GOOD,
                                                "password_again": GOOD}).status_code == 410
    assert SESSION not in client.cookies
    client.post(f"/reset/{token}/new", data={"csrf_token": csrf_of(client.get(f"/reset/{token}").text)})
    assert len(mails(dashboard, RESET_KIND)) == 2


def test_resets_are_limited_per_address_per_hour_and_the_answer_stays_the_same(dashboard: Dashboard):
    answers = [ask_reset(dashboard.client(), USERS["garage"][0]).content for _ in range(LINKS_PER_HOUR + 2)]
    assert len(set(answers)) == 1
    assert len(mails(dashboard, RESET_KIND)) == LINKS_PER_HOUR
    with Session(dashboard.engine) as session:  # only the newest link works
        rows = session.exec(select(UserToken).where(UserToken.purpose == RESET)).all()
        assert sum(1 for r in rows if (r.expires_at if r.expires_at.tzinfo else r.expires_at.replace(
            tzinfo=dt.UTC)) > utcnow()) == 1


def test_the_reset_form_needs_its_form_token(dashboard: Dashboard):
    client = dashboard.client()
    client.get("/reset")
    assert client.post("/reset", data={"csrf_token": "x", "email": USERS["garage"][0]}).status_code == 403
    assert mails(dashboard, RESET_KIND) == []


def test_the_login_page_offers_the_reset(dashboard: Dashboard):
    assert 'href="/reset"' in dashboard.client().get("/login").text


# --- sessions --------------------------------------------------------------------------------------------------

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_the_account_page_lists_ones_own_sessions(dashboard: Dashboard):
    phone = dashboard.client()
    phone.headers["user-agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1"
    log_in(phone, USERS["garage"][0], PASSWORD)
    laptop = dashboard.client()
    laptop.headers["user-agent"] = FIREFOX
    log_in(laptop, USERS["garage"][0], PASSWORD)
    dashboard.login("atelier")  # someone else's
    page = laptop.get("/account")
    assert page.status_code == 200
    assert "Firefox op Windows" in page.text and "Safari op iPhone" in page.text
    assert page.text.count("(dit apparaat)") == 1 and page.text.count("testclient") == 2
    assert USERS["atelier"][0] not in page.text
    assert 'href="/account"' in laptop.get("/queue").text


def test_a_hostile_user_agent_is_shown_as_text(dashboard: Dashboard):
    client = dashboard.client()
    client.headers["user-agent"] = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    log_in(client, USERS["garage"][0], PASSWORD)
    page = client.get("/account")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)" in page.text


def test_log_out_on_other_devices_keeps_this_one(dashboard: Dashboard):
    one, two, three = (dashboard.login("garage") for _ in range(3))
    other = dashboard.login("atelier")
    answer = one.post("/account/logout-others", data={"csrf_token": page_csrf(one, "/account")})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/account?notice=")
    assert "2" in one.get(answer.headers["location"]).text
    assert one.get("/queue").status_code == 200
    assert two.get("/queue").status_code == 303 and three.get("/queue").status_code == 303
    assert other.get("/queue").status_code == 200


def test_log_out_everywhere_ends_every_session_and_trusted_device(dashboard: Dashboard):
    one, two = dashboard.login("garage"), dashboard.login("garage")
    user = user_row(dashboard, USERS["garage"][0])
    with Session(dashboard.engine) as session:
        session.add(TrustedDevice(id="e" * 64, user_id=user.id or 0, expires_at=utcnow() + dt.timedelta(days=3)))
        session.commit()
    answer = one.post("/account/logout-everywhere", data={"csrf_token": page_csrf(one, "/account")})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert one.get("/queue").status_code == 303 and two.get("/queue").status_code == 303
    assert sessions_of(dashboard.engine, user.id or 0) == []
    with Session(dashboard.engine) as session:
        assert session.exec(select(TrustedDevice)).all() == []
    assert dashboard.login("atelier").get("/queue").status_code == 200
    assert one.post("/account/logout-everywhere", data={"csrf_token": "x"}).status_code == 303  # no session: login


def test_last_seen_is_written_at_most_once_a_minute(dashboard: Dashboard):
    client = dashboard.login("garage")
    token = client.cookies[SESSION]

    def last_seen() -> dt.datetime:
        with Session(dashboard.engine) as session:
            row = session.get(WebSession, token_id(token))
            assert row is not None and row.last_seen_at is not None
            return row.last_seen_at if row.last_seen_at.tzinfo else row.last_seen_at.replace(tzinfo=dt.UTC)

    opened = last_seen()
    assert signed_in(dashboard.engine, token, now=opened + dt.timedelta(seconds=50)) is not None
    assert last_seen() == opened
    later = opened + dt.timedelta(seconds=61)
    assert signed_in(dashboard.engine, token, now=later) is not None
    assert abs((last_seen() - later).total_seconds()) < 1


def test_log_out_everywhere_can_keep_the_current_session(dashboard: Dashboard):
    one, two = dashboard.login("bureau"), dashboard.login("bureau")
    user = user_row(dashboard, USERS["bureau"][0])
    assert log_out_everywhere(dashboard.engine, user.id or 0, one.cookies[SESSION], actor="test") == 1
    assert one.get("/queue").status_code == 200 and two.get("/queue").status_code == 303
    with Session(dashboard.engine) as session:
        session.exec(update(WebSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))  # type: ignore[call-overload]
        session.commit()
    assert sessions_of(dashboard.engine, user.id or 0) == []
