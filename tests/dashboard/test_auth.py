"""Logging in and out, sessions, CSRF and the headers every page carries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, select

from tests.dashboard.conftest import PASSWORD, USERS, Dashboard, csrf_of, page_csrf
from workflows.models import AuditEvent, WebSession
from workflows.users import MAX_FAILURES_PER_EMAIL


def test_health_answers_without_login(dashboard: Dashboard):
    answer = dashboard.client().get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_pages_need_a_login_and_say_where_to_return(dashboard: Dashboard):
    client = dashboard.client()
    for path in ("/queue", f"/drafts/{dashboard.drafts['garage-hoek'][0]}", "/"):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login") or answer.headers["location"] == "/queue"
    assert client.get("/queue").headers["location"] == "/login?next=/queue"
    htmx = client.get("/queue", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login"


def test_a_right_password_logs_in_and_a_wrong_one_does_not(dashboard: Dashboard):
    client = dashboard.client()
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"email": USERS["bureau"][0], "password": "fout-wachtwoord",
                                        "csrf_token": token})
    assert wrong.status_code == 401 and "klopt niet" in wrong.text
    assert "loonbode_session" not in client.cookies
    token = csrf_of(wrong.text)
    right = client.post("/login", data={"email": USERS["bureau"][0].upper(), "password": PASSWORD,
                                        "csrf_token": token, "next": "/drafts/1"})
    assert right.status_code == 303 and right.headers["location"] == "/drafts/1"
    assert client.get("/queue").status_code == 200
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_an_unknown_address_is_answered_like_a_wrong_password(dashboard: Dashboard):
    client = dashboard.client()
    answer = client.post("/login", data={"email": "niemand@elders.example", "password": PASSWORD,
                                         "csrf_token": csrf_of(client.get("/login").text)})
    assert answer.status_code == 401 and "klopt niet" in answer.text


def test_login_without_the_form_token_is_refused(dashboard: Dashboard):
    client = dashboard.client()
    client.get("/login")
    answer = client.post("/login", data={"email": USERS["bureau"][0], "password": PASSWORD, "csrf_token": "x"})
    assert answer.status_code == 403
    assert "loonbode_session" not in client.cookies


def test_a_login_never_redirects_to_another_site(dashboard: Dashboard):
    client = dashboard.client()
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = client.post("/login", data={"email": USERS["bureau"][0], "password": PASSWORD,
                                             "csrf_token": csrf_of(client.get("/login").text), "next": target})
        assert answer.headers["location"] == "/queue", target


def test_too_many_failures_lock_the_address_even_for_the_right_password(dashboard: Dashboard):
    client = dashboard.client()
    email = USERS["bureau"][0]
    for _ in range(MAX_FAILURES_PER_EMAIL):
        client.post("/login", data={"email": email, "password": "raden-maar",
                                    "csrf_token": csrf_of(client.get("/login").text)})
    locked = client.post("/login", data={"email": email, "password": PASSWORD,
                                         "csrf_token": csrf_of(client.get("/login").text)})
    assert locked.status_code == 401
    # Another user is not locked out by it.
    other = dashboard.login("admin")
    assert other.get("/queue").status_code == 200


def test_logout_ends_the_session_on_the_server(dashboard: Dashboard):
    client = dashboard.login("bureau")
    cookie = client.cookies["loonbode_session"]
    answer = client.post("/logout", data={"csrf_token": page_csrf(client)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    stolen = dashboard.client()
    stolen.cookies.set("loonbode_session", cookie)
    assert stolen.get("/queue").status_code == 303
    with Session(dashboard.engine) as session:
        assert session.exec(select(WebSession)).all() == []


def test_logout_needs_the_csrf_token(dashboard: Dashboard):
    client = dashboard.login("bureau")
    assert client.post("/logout", data={"csrf_token": "vervalst"}).status_code == 403
    assert client.get("/queue").status_code == 200


def test_an_expired_session_leads_to_the_login(dashboard: Dashboard):
    client = dashboard.login("bureau")
    with Session(dashboard.engine) as session:
        session.exec(update(WebSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        session.commit()
    assert client.get("/queue").status_code == 303


def test_only_a_hash_of_the_session_token_is_stored(dashboard: Dashboard):
    client = dashboard.login("bureau")
    with Session(dashboard.engine) as session:
        [stored] = session.exec(select(WebSession)).all()
    assert stored.id != client.cookies["loonbode_session"] and len(stored.id) == 64


def test_every_page_forbids_inline_script_and_framing(dashboard: Dashboard):
    client = dashboard.login("bureau")
    for path in ("/login", "/queue", f"/drafts/{dashboard.drafts['garage-hoek'][0]}"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"


def test_logins_are_audited(dashboard: Dashboard):
    dashboard.login("garage")
    with Session(dashboard.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.subject_type == "user"))]
    assert "login" in actions
