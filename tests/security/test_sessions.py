"""Sessions under attack: fixation, logout, password guessing, cookie flags, and the headers on every answer."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import Session, select

from dashboard.app import create_app
from loonbode.settings import Settings
from tests.dashboard.conftest import PASSWORD, USERS, csrf_of, page_csrf
from tests.security.conftest import GARAGE_ID, World, snapshot
from workflows.models import LoginAttempt, WebSession
from workflows.users import MAX_FAILURES_PER_CLIENT, MAX_FAILURES_PER_EMAIL, SESSION_HOURS, signed_in

SESSION, LOGIN_CSRF = "loonbode_session", "loonbode_login_csrf"
LOCKED_OUT_TEXT = "klopt niet"
HOST = "testserver.local"  # where the test client's cookie jar keeps the server's cookies


def attempt(client: TestClient, email: str, password: str) -> httpx.Response:
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_of(client.get("/login").text)})


def client_from(world: World, address: str, *, base_url: str = "http://testserver") -> TestClient:
    return TestClient(world.board.app, base_url=base_url, follow_redirects=False,  # type: ignore[arg-type]
                      client=(address, 40000))


def sessions(world: World) -> list[WebSession]:
    with Session(world.engine) as session:
        return list(session.exec(select(WebSession)))


# ---------------------------------------------------------------------------------------------------------------
# Fixation


def test_a_session_cookie_planted_before_login_is_replaced_and_never_signed_in(world: World):
    client = world.board.client()
    client.cookies.set(SESSION, "planted-by-an-attacker", domain=HOST)
    assert client.get("/queue").status_code == 303  # an unknown cookie is no session
    answer = attempt(client, USERS["bureau"][0], PASSWORD)
    assert answer.status_code == 303
    issued = re.search(rf"{SESSION}=([^;]+)", answer.headers["set-cookie"])
    assert issued and issued.group(1) not in ("planted-by-an-attacker", "")
    assert client.cookies[SESSION] == issued.group(1)
    assert signed_in(world.engine, "planted-by-an-attacker") is None
    attacker = world.board.client()
    attacker.cookies.set(SESSION, "planted-by-an-attacker", domain=HOST)
    assert attacker.get("/queue").headers["location"] == "/login?next=/queue"


def test_an_attackers_own_session_planted_in_a_victims_browser_never_becomes_the_victims(world: World):
    attacker = world.board.login("garage")
    planted = attacker.cookies[SESSION]
    victim = world.board.client()
    victim.cookies.set(SESSION, planted, domain=HOST)
    assert attempt(victim, USERS["bureau"][0], PASSWORD).status_code == 303
    assert victim.cookies[SESSION] != planted
    victim_session = signed_in(world.engine, victim.cookies[SESSION])
    assert victim_session is not None and victim_session.email == USERS["bureau"][0]
    still = signed_in(world.engine, planted)
    assert still is None or still.email == USERS["garage"][0]  # never the bureau user's session
    attacker_view = attacker.get("/queue")
    assert attacker_view.status_code in (200, 303) and USERS["bureau"][0] not in attacker_view.text


def test_every_login_gets_a_new_session_and_csrf_token(world: World):
    first, second = world.board.login("bureau"), world.board.login("bureau")
    assert first.cookies[SESSION] != second.cookies[SESSION]
    assert page_csrf(first) != page_csrf(second)
    stored = {s.id for s in sessions(world)}
    assert first.cookies[SESSION] not in stored and len(stored) == 2  # only hashes are kept


# ---------------------------------------------------------------------------------------------------------------
# Logout


def test_logout_ends_the_session_on_the_server_and_its_token(world: World):
    client = world.board.login("garage")
    cookie, token = client.cookies[SESSION], page_csrf(client)
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert re.search(rf'{SESSION}="?"?;.*(Max-Age=0|expires=)', answer.headers["set-cookie"], re.I)
    assert signed_in(world.engine, cookie) is None and sessions(world) == []
    replay = world.board.client()
    replay.cookies.set(SESSION, cookie)
    before = snapshot(world.engine)
    assert replay.get("/queue").headers["location"] == "/login?next=/queue"
    draft = world.ids[GARAGE_ID]["draft_id"]
    assert replay.get(f"/drafts/{draft}").headers["location"] == f"/login?next=/drafts/{draft}"
    assert replay.post("/leave/telegram/code", data={"csrf_token": token}).headers["location"].startswith("/login")
    assert snapshot(world.engine) == before


def test_logout_only_ends_the_session_it_was_sent_from(world: World):
    one, other = world.board.login("bureau"), world.board.login("bureau")
    assert one.post("/logout", data={"csrf_token": page_csrf(one)}).status_code == 303
    assert other.get("/queue").status_code == 200


def test_a_link_or_image_cannot_log_anyone_out(world: World):
    client = world.board.login("bureau")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 403  # a cross-site form has no token
    assert client.get("/queue").status_code == 200 and len(sessions(world)) == 1


# ---------------------------------------------------------------------------------------------------------------
# Guessing passwords


def _normalised(answer: httpx.Response) -> tuple[int, str]:
    """Status and page without the per-answer form token."""
    return answer.status_code, re.sub(r'value="[A-Za-z0-9_-]{30,}"', 'value=""', answer.text)


def test_an_address_is_locked_after_five_failures_from_any_client_even_for_the_right_password(world: World):
    email = USERS["bureau"][0]
    for number in range(MAX_FAILURES_PER_EMAIL):
        answer = attempt(client_from(world, f"10.0.0.{number + 1}"), email, "raden-maar")
        assert answer.status_code == 401
    wrong = attempt(client_from(world, "10.0.1.1"), email, "nog-een-gok")
    locked = attempt(client_from(world, "10.0.1.2"), email, PASSWORD)
    assert _normalised(locked) == _normalised(wrong) and locked.status_code == 401
    assert SESSION not in locked.cookies and LOCKED_OUT_TEXT in locked.text
    assert attempt(client_from(world, "10.0.1.3"), email.upper() + " ", PASSWORD).status_code == 401  # same address
    # The lock is per address: another user from the same client still logs in.
    assert attempt(client_from(world, "10.0.1.2"), USERS["admin"][0], PASSWORD).status_code == 303


def test_a_client_is_locked_after_twenty_failures_whatever_address_it_tries(world: World):
    guesser = client_from(world, "203.0.113.7")
    for number in range(MAX_FAILURES_PER_CLIENT):
        assert attempt(guesser, f"gok{number}@bureau.example", "raden-maar").status_code == 401
    locked = attempt(guesser, USERS["admin"][0], PASSWORD)
    assert locked.status_code == 401 and SESSION not in locked.cookies
    # A forged X-Forwarded-For does not make it another client.
    forged = guesser.post("/login", headers={"X-Forwarded-For": "198.51.100.1", "X-Real-IP": "198.51.100.1"},
                          data={"email": USERS["admin"][0], "password": PASSWORD,
                                "csrf_token": csrf_of(guesser.get("/login").text)})
    assert forged.status_code == 401
    # The same user from elsewhere is not locked out by it.
    assert attempt(client_from(world, "192.0.2.10"), USERS["admin"][0], PASSWORD).status_code == 303


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password_and_a_lockout(world: World):
    client = client_from(world, "10.9.9.9")
    unknown = attempt(client, "niemand@elders.example", PASSWORD)
    wrong = attempt(client_from(world, "10.9.9.8"), USERS["garage"][0], "fout-wachtwoord")
    assert _normalised(unknown) == _normalised(wrong)
    for _ in range(MAX_FAILURES_PER_EMAIL):
        attempt(client_from(world, "10.9.9.7"), USERS["garage"][0], "fout-wachtwoord")
    locked = attempt(client_from(world, "10.9.9.6"), USERS["garage"][0], PASSWORD)
    assert _normalised(locked) == _normalised(unknown)
    with Session(world.engine) as session:
        recorded = session.exec(select(LoginAttempt).where(LoginAttempt.email == "niemand@elders.example")).all()
    assert len(recorded) == 1 and not recorded[0].succeeded  # unknown addresses count towards the lock too


OFFSITE_TARGETS = ("//evil.example/", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
                   "/\r\n/evil.example", " //evil.example", "https://evil.example/", "javascript:alert(1)",
                   "/%2F%2Fevil.example", "\\\\evil.example")


def test_the_page_after_login_is_always_on_this_site(world: World):
    """Browsers drop tabs and newlines from a URL, so "/\\t/evil" would become "//evil": the Location
    must stay a path on this host however it is read."""
    for target in OFFSITE_TARGETS:
        client = world.board.client()
        form = client.get("/login", params={"next": target})
        answer = client.post("/login", data={"email": USERS["bureau"][0], "password": PASSWORD, "next": target,
                                             "csrf_token": csrf_of(form.text)})
        assert answer.status_code == 303, target
        location = answer.headers["location"]
        as_browser_reads_it = re.sub(r"[\t\n\r]", "", location).lstrip(" \x00-\x1f")
        assert as_browser_reads_it.startswith("/") and as_browser_reads_it[1:2] not in ("/", "\\"), (target, location)
        assert httpx.URL("https://loon.bureau.example/login").join(location).host == "loon.bureau.example", target


def test_a_login_needs_the_login_form_token_from_its_own_cookie(world: World):
    before = snapshot(world.engine)
    victim = world.board.client()
    victim.get("/login")
    attacker = world.board.client()
    token = csrf_of(attacker.get("/login").text)  # a valid token, but not for the victim's cookie
    answer = victim.post("/login", data={"email": USERS["garage"][0], "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 403 and SESSION not in victim.cookies
    assert snapshot(world.engine) == before


# ---------------------------------------------------------------------------------------------------------------
# Cookies


def _cookie(answer: httpx.Response, name: str) -> str:
    found = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert len(found) == 1, answer.headers.get_list("set-cookie")
    return found[0]


def _flags(cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in cookie.split(";")[1:]]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts}


def test_cookies_over_https_are_secure_httponly_and_samesite_lax(world: World):
    client = client_from(world, "10.1.1.1", base_url="https://loon.bureau.example")
    form = client.get("/login")
    login_flags = _flags(_cookie(form, LOGIN_CSRF))
    answer = client.post("/login", data={"email": USERS["bureau"][0], "password": PASSWORD,
                                         "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 303
    session_flags = _flags(_cookie(answer, SESSION))
    for flags in (login_flags, session_flags):
        assert "secure" in flags and "httponly" in flags, flags
        assert flags.get("samesite", "").lower() == "lax" and flags.get("path") == "/", flags
        assert "domain" not in flags, flags  # host-only: no other subdomain gets it
    assert 0 < int(session_flags["max-age"]) <= SESSION_HOURS * 3600
    assert client.get("/queue").status_code == 200  # and the browser sends it back over https
    logout = client.post("/logout", data={"csrf_token": page_csrf(client)})
    assert "secure" in _flags(_cookie(logout, SESSION)) or "max-age" in _flags(_cookie(logout, SESSION))


def test_cookies_over_plain_http_are_still_httponly_and_samesite(world: World):
    client = world.board.client()
    form = client.get("/login")
    answer = client.post("/login", data={"email": USERS["bureau"][0], "password": PASSWORD,
                                         "csrf_token": csrf_of(form.text)})
    for flags in (_flags(_cookie(form, LOGIN_CSRF)), _flags(_cookie(answer, SESSION))):
        assert "httponly" in flags and flags.get("samesite", "").lower() == "lax", flags


# ---------------------------------------------------------------------------------------------------------------
# Headers


def _directives(policy: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = [w.lower() for w in words[1:]]
    return found


UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:", "blob:")


def assert_secure_headers(answer: httpx.Response, what: str) -> None:
    headers = answer.headers
    policy = headers.get("content-security-policy")
    assert policy, f"{what}: no Content-Security-Policy"
    directives = _directives(policy)
    script = directives.get("script-src", directives.get("default-src"))
    style = directives.get("style-src", directives.get("default-src"))
    assert script is not None and not set(script) & set(UNSAFE_SOURCES), (what, policy)
    assert style is not None and "'unsafe-inline'" not in style, (what, policy)
    assert directives.get("object-src") == ["'none'"] and directives.get("frame-ancestors") == ["'none'"], policy
    assert directives.get("base-uri") in (["'none'"], ["'self'"]), policy
    assert headers.get("x-frame-options") == "DENY", what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") in ("no-referrer", "same-origin", "strict-origin",
                                              "strict-origin-when-cross-origin"), what


def test_every_page_and_error_carries_the_security_headers(world: World):
    anonymous, bureau, garage = world.board.client(), world.board.login("bureau"), world.board.login("garage")
    ids = world.ids[GARAGE_ID]
    answers = {
        "login page": anonymous.get("/login"),
        "login refused": anonymous.post("/login", data={"email": "x", "password": "y", "csrf_token": "z"}),
        "wrong password": attempt(world.board.client(), USERS["bureau"][0], "fout-wachtwoord"),
        "redirect to login": anonymous.get("/queue"),
        "htmx 401": anonymous.get("/queue", headers={"HX-Request": "true"}),
        "home redirect": anonymous.get("/"),
        "health": anonymous.get("/healthz"),
        "static css": anonymous.get("/static/loonbode.css"),
        "static js": anonymous.get("/static/htmx.min.js"),
        "static 404": anonymous.get("/static/nope.js"),
        "decision link": anonymous.get(f"/leave/decide/{ids['token']}"),
        "forged decision link": anonymous.get("/leave/decide/1.approve.1.x.y"),
        "queue": bureau.get("/queue"),
        "queue fragment": bureau.get("/queue", headers={"HX-Request": "true", "HX-Target": "queue-table"}),
        "draft": bureau.get(f"/drafts/{ids['draft_id']}"),
        "export file": bureau.get(f"/exports/{ids['batch_id']}/files/{ids['name']}"),
        "404 unknown path": bureau.get("/bestaat-niet"),
        "404 other employer": garage.get(f"/drafts/{world.ids['atelier-noorderlicht']['draft_id']}"),
        "403 bureau only": garage.get("/quarantine"),
        "403 csrf": bureau.post("/queue/approve", data={"draft": ids["draft_id"]}),
        "405": bureau.get("/logout"),
        "422 validation": bureau.get("/drafts/niet-een-nummer"),
    }
    for path in ("/leave", "/periods", f"/periods/{GARAGE_ID}", "/quarantine", "/employers", f"/employers/{GARAGE_ID}",
                 "/exports", f"/exports/{ids['batch_id']}"):
        answers[path] = bureau.get(path)
    admin = world.board.login("admin")
    answers["/users"], answers["/settings/reminders"] = admin.get("/users"), admin.get("/settings/reminders")
    expected = {"login refused": 403, "wrong password": 401, "htmx 401": 401, "static 404": 404,
                "forged decision link": 404, "404 unknown path": 404, "404 other employer": 404,
                "403 bureau only": 403, "403 csrf": 403, "405": 405, "422 validation": 422,
                "redirect to login": 303, "home redirect": 303}
    for what, answer in answers.items():
        assert answer.status_code == expected.get(what, 200), (what, answer.status_code)
        assert_secure_headers(answer, what)
    # The decision page keeps its token out of every Referer.
    assert answers["decision link"].headers["referrer-policy"] == "no-referrer"
    # Pages with personal data are not kept by the browser or a proxy.
    for what in ("queue", "draft", "export file", "/leave"):
        assert "no-store" in answers[what].headers.get("cache-control", ""), what


def test_an_unexpected_server_error_carries_the_headers_too(tmp_path: Path):
    broken = create_engine(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}")  # every query fails
    app = create_app(Settings(data_dir=tmp_path), broken)  # type: ignore[call-arg]
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    client.cookies.set(SESSION, "any")
    answer = client.get("/queue")
    assert answer.status_code == 500
    assert_secure_headers(answer, "500")
    assert "Traceback" not in answer.text and "sqlite" not in answer.text.lower()
    with pytest.raises(Exception, match="no such table"):  # still raised to the server, which logs it
        TestClient(app, follow_redirects=False, cookies={SESSION: "any"}).get("/queue")


def test_logging_in_again_ends_the_session_the_browser_had(world: World) -> None:
    client = world.board.login("garage")
    old = client.cookies[SESSION]
    assert attempt(client, USERS["bureau"][0], PASSWORD).status_code == 303
    assert client.cookies[SESSION] != old
    assert signed_in(world.engine, old) is None  # ended on the server, not left for 10 hours


def test_cookies_are_secure_when_the_public_address_is_https(engine, data_dir) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from dashboard.app import create_app
    from loonbode.settings import Settings

    app = create_app(Settings(_env_file=None, data_dir=data_dir, public_url="https://loon.bureau.example"),  # type: ignore[call-arg]
                     engine)
    answer = TestClient(app, base_url="http://127.0.0.1").get("/login")
    assert "secure" in answer.headers["set-cookie"].lower()
