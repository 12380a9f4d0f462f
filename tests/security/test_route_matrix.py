"""Every dashboard route against every role: who gets in, who is refused, and that a refusal changes nothing.

The routes are read from the app itself, so a new route is tested the moment it exists, and
fails until it is given a rule below. Per route and method:

- anonymous: a redirect to /login (401 with HX-Redirect for HTMX), except the public routes;
- each employer user, asking with the ids of the *other* employer's objects: 403 or 404, never
  a page with that employer's data; a bureau-only route is 403 for them even with their own ids;
- the bureau on an admin-only route: 403;
- a POST without the session's CSRF token, with a wrong one or with another session's: 403;
- every refused POST leaves every table as it was;
- and the owner of the object (or the bureau, or the admin) does get through with the same
  request, so the refusals above are about who asks, not about a wrong id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlmodel import Session, select

from dashboard.app import create_app
from loonbode.settings import Settings
from tests.dashboard.conftest import page_csrf
from tests.security.conftest import (
    ATELIER_ID,
    EMPLOYER_OF,
    GARAGE_ID,
    LEAVE_EMPLOYEE,
    OTHER,
    World,
    build_world,
    foreign_markers,
    snapshot,
)
from workflows.models import Employee
from workflows.personal_details import request_change

PUBLIC, USER, BUREAU, ADMIN = "public", "user", "bureau", "admin"


@dataclass(frozen=True)
class Rule:
    """Who may use a route. `USER` routes are open to every signed-in user but only for objects of the
    user's own employer; `fixed` sets path parameters that are not object ids; `form` is what a real
    form sends (with the object's ids filled in); `csrf` False only for a route whose URL itself is the
    credential."""

    access: str
    form: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    query: str = ""
    csrf: bool = True
    sample: str = ""  # for a mount: one path under it


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): Rule(PUBLIC),
    ("GET", "/"): Rule(PUBLIC),  # only a redirect to /queue, which asks for the login
    ("GET", "/static"): Rule(PUBLIC, sample="/static/loonbode.css"),
    ("GET", "/login"): Rule(PUBLIC),
    ("POST", "/login"): Rule(PUBLIC, form={"email": "anna@bureau.example", "password": "correct horse battery"}),
    # The signed, single-use token in the URL is the credential (workflows.decision_links); a forged
    # cross-site POST would need that token, and whoever has it may decide anyway.
    ("GET", "/leave/decide/{token}"): Rule(PUBLIC, csrf=False),
    ("POST", "/leave/decide/{token}"): Rule(PUBLIC, csrf=False),
    ("POST", "/logout"): Rule(USER),
    # Without a pending login (the signed cookie after a right password) the code step starts over at /login.
    ("GET", "/login/code"): Rule(PUBLIC),
    ("POST", "/login/code"): Rule(PUBLIC, form={"code": "123456"}),
    # Account links: the token in the URL is the credential (workflows.accounts); the forms carry the
    # login form's double-submit token. The world's token is no account link: the pages explain that.
    ("GET", "/activate/{token}"): Rule(PUBLIC),
    ("POST", "/activate/{token}"): Rule(PUBLIC, form={"password": "een lange zin als wachtwoord",
                                                      "password_again": "een lange zin als wachtwoord"}),
    ("POST", "/activate/{token}/new"): Rule(PUBLIC),
    ("GET", "/reset"): Rule(PUBLIC),
    ("POST", "/reset"): Rule(PUBLIC, form={"email": "anna@bureau.example"}),
    ("GET", "/reset/{token}"): Rule(PUBLIC),
    ("POST", "/reset/{token}"): Rule(PUBLIC, form={"password": "een lange zin als wachtwoord",
                                                   "password_again": "een lange zin als wachtwoord"}),
    ("POST", "/reset/{token}/new"): Rule(PUBLIC),
    ("GET", "/account"): Rule(USER),
    ("POST", "/account/logout-others"): Rule(USER),
    ("POST", "/account/logout-everywhere"): Rule(USER),
    ("GET", "/account/two-factor"): Rule(USER),
    ("POST", "/account/two-factor"): Rule(USER, form={"code": "123456"}),
    ("POST", "/account/two-factor/recovery-codes"): Rule(USER, form={"code": "123456"}),
    ("POST", "/account/two-factor/off"): Rule(USER, form={"code": "123456"}),
    ("GET", "/queue"): Rule(USER, query="?employer={employer_id}&status=all&q=a"),
    ("POST", "/queue"): Rule(USER, form={"employer": "{employer_id}", "status": "all", "q": "a"}),
    ("POST", "/queue/approve"): Rule(BUREAU, form={"draft": "{draft_id}"}),
    ("GET", "/drafts/{draft_id}"): Rule(USER),
    ("POST", "/drafts/{draft_id}/{action}"): Rule(BUREAU, fixed={"action": "approve"}),
    ("GET", "/quarantine"): Rule(BUREAU),
    ("POST", "/quarantine/{inbound_id}/release"): Rule(BUREAU, form={"employer": "{employer_id}"}),
    ("POST", "/quarantine/{inbound_id}/discard"): Rule(BUREAU),
    ("POST", "/quarantine/{inbound_id}/accept"): Rule(BUREAU),
    ("GET", "/employers"): Rule(BUREAU),
    ("POST", "/employers/import"): Rule(BUREAU),
    ("GET", "/employers/{employer_id}"): Rule(BUREAU),
    ("POST", "/employers/{employer_id}/senders"): Rule(BUREAU, form={"address": "nieuw@{employer_id}.example"}),
    ("POST", "/employers/{employer_id}/senders/{address_id}/delete"): Rule(BUREAU),
    ("POST", "/employers/{employer_id}/sender-policy"): Rule(BUREAU, form={"policy": "require"}),
    ("GET", "/employers/{employer_id}/employees/{employee_id}/data"): Rule(BUREAU),
    ("POST", "/employers/{employer_id}/employees/{employee_id}/erase"): Rule(BUREAU, form={"confirm": "WISSEN"}),
    ("GET", "/users"): Rule(ADMIN),
    ("POST", "/users"): Rule(ADMIN, form={"email": "nieuw@bureau.example", "role": "employer",
                                          "employer": "{employer_id}", "password": "lang genoeg wachtwoord"}),
    ("POST", "/users/{user_id}/{action}"): Rule(ADMIN, fixed={"action": "disable"}),
    ("POST", "/users/invite"): Rule(ADMIN, form={"email": "nieuw@{employer_id}.example", "role": "employer",
                                                 "employer": "{employer_id}"}),
    ("POST", "/users/employers/{employer_id}/two-factor"): Rule(ADMIN, form={"required": "1"}),
    ("GET", "/leave"): Rule(USER, query="?employer={employer_id}"),
    ("POST", "/leave/settings/{employer_id}"): Rule(USER, form={"extra_hours": "8", "negative_limit_hours": "4"}),
    ("POST", "/leave/telegram/code"): Rule(USER),
    ("POST", "/leave/{request_id}/{action}"): Rule(USER, fixed={"action": "approve"}),
    ("POST", "/leave/employees/{employee_id}/code"): Rule(USER),
    # An employee's data change request (/gegevens); `world` below gives each employer one.
    ("GET", "/data-changes"): Rule(USER),
    ("POST", "/data-changes/{change_id}/{action}"): Rule(USER, fixed={"action": "confirm"}),
    ("GET", "/exports"): Rule(BUREAU),
    ("POST", "/exports"): Rule(BUREAU, form={"employer": "{employer_id}", "period": "{period}"}),
    ("GET", "/exports/{batch_id}"): Rule(BUREAU),
    ("GET", "/exports/{batch_id}/files/{name}"): Rule(BUREAU),
    ("GET", "/settings/reminders"): Rule(ADMIN),
    ("POST", "/settings/reminders"): Rule(ADMIN, form={"days_before": "3", "enabled_nothing_received": "1"}),
    ("GET", "/periods"): Rule(USER, query="?employer={employer_id}"),
    ("GET", "/periods/{employer_id}"): Rule(USER),
    ("GET", "/template.xlsx"): Rule(USER, query="?employer={employer_id}"),  # an employer user always gets its own
    ("POST", "/periods/{employer_id}/{period}/run-done"): Rule(BUREAU),
    ("POST", "/periods/{employer_id}/schedule"): Rule(BUREAU, form={"frequency": "monthly", "run_day": "25",
                                                                   "deadline_working_days": "5"}),
    # An employer user hands in for its own employer only: another one named in the address or the form is
    # not found. A hire needs no employee, so the form is complete with the same values for every employer.
    ("GET", "/mutations"): Rule(USER, query="?employer={employer_id}"),
    ("GET", "/mutations/new"): Rule(USER, query="?employer={employer_id}"),
    ("GET", "/mutations/new/{mutation_type}"): Rule(USER, fixed={"mutation_type": "sick"},
                                                    query="?employer={employer_id}"),
    ("POST", "/mutations/new/{mutation_type}"): Rule(USER, fixed={"mutation_type": "hire"},
                                                     form={"employer": "{employer_id}", "start_date": "2026-05-01",
                                                           "employee_name": "Nieuwe Collega"}),
}


def _walk(routes: list[Any], prefix: str = "") -> list[tuple[str, str, str]]:
    """(method, path, kind) for every route, into included routers and mounts alike."""
    found: list[tuple[str, str, str]] = []
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # FastAPI >= 0.13x keeps included routers whole
            context = getattr(route, "include_context", None)
            inner = getattr(getattr(route, "original_router", None), "routes", None)
            if inner is not None:
                found += _walk(list(inner), prefix + (getattr(context, "prefix", "") or ""))
                continue
            found += [(m, prefix + c.path, "route") for c in route.effective_route_contexts() for m in c.methods]
        elif getattr(route, "methods", None):
            found += [(m, prefix + route.path, "route") for m in route.methods if m != "HEAD"]
        elif hasattr(route, "routes") and getattr(route, "path", None) is not None and \
                not getattr(route, "methods", None):
            found.append(("GET", prefix + route.path, "mount"))
        else:
            raise AssertionError(f"a route of an unknown kind: {route!r}")
    return found


def app_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(data_dir=Path("/nonexistent")), create_engine("sqlite://"))  # type: ignore[call-arg]
    return sorted({(method, path) for method, path, _ in _walk(list(app.routes))})


ROUTES = app_routes()


def test_the_walk_finds_every_route_the_app_answers():
    """The walk over app.routes must not miss what the app serves: compare with FastAPI's own list."""
    app = create_app(Settings(data_dir=Path("/nonexistent")), create_engine("sqlite://"))  # type: ignore[call-arg]
    schema = app.openapi()
    served = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert served and served <= set(ROUTES), served - set(ROUTES)
    assert ("GET", "/static") in ROUTES and len(ROUTES) >= 30


def test_every_route_is_classified_and_every_rule_is_a_route():
    unclassified = [route for route in ROUTES if route not in RULES]
    assert not unclassified, f"give these routes a rule in RULES: {unclassified}"
    stale = [route for route in RULES if route not in ROUTES]
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.fixture
def world(engine: Engine, data_dir: Path) -> World:
    """The shared world, and per employer one pending data change request of its leave employee (`change_id`)."""
    built = build_world(engine, data_dir)
    for employer_id, number in LEAVE_EMPLOYEE.items():
        with Session(engine) as session:
            employee_id = session.exec(select(Employee.id).where(Employee.employer_id == employer_id,
                                                                 Employee.number == number)).one()
        made = request_change(engine, employee_id, None, {"phone": "0612345678"}, "Nieuw nummer 06 12345678")
        built.ids[employer_id]["change_id"] = str(made.id)
    return built


# ---------------------------------------------------------------------------------------------------------------


def fill(template: str, ids: dict[str, str], rule: Rule) -> str:
    values = {**ids, **rule.fixed}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def request(client: TestClient, method: str, path: str, rule: Rule, ids: dict[str, str], *,
            token: str | None = None, hx: bool = False) -> httpx.Response:
    url = (rule.sample or fill(path, ids, rule)) + (fill(rule.query, ids, rule) if method == "GET" else "")
    headers = {"HX-Request": "true"} if hx else {}
    if method == "GET":
        return client.get(url, headers=headers)
    form = {name: fill(value, ids, rule) for name, value in rule.form.items()}
    if token is not None:
        form["csrf_token"] = token
    return client.request(method, url, data=form, headers=headers)


def owner_ids(world: World, who: str) -> dict[str, str]:
    """The ids a role works with when it is allowed: its own employer's; the bureau the garage's and the
    admin the atelier's (so one deleting an object leaves the other's), each with a quarantined mail of
    its own for the quarantine routes."""
    if who in EMPLOYER_OF:
        return world.ids[EMPLOYER_OF[who]]
    if who == "bureau":
        return {**world.ids[GARAGE_ID], "inbound_id": str(world.quarantined[0])}
    return {**world.ids[ATELIER_ID], "inbound_id": str(world.quarantined[1])}


def goes_to_login(answer: httpx.Response) -> bool:
    """The answer to a request without a (valid) session; a logout's own redirect to /login is not one."""
    return answer.status_code == 303 and answer.headers.get("location", "").startswith("/login?next=")


def got_through(answer: httpx.Response) -> bool:
    """Reached the route's own work: a page, a redirect onward, or the route's own refusal of the input."""
    return not goes_to_login(answer) and (answer.status_code < 400 or answer.status_code in (409, 410, 422))


def refused(world: World, answer: httpx.Response, before: dict[str, list[str]], *statuses: int) -> None:
    assert answer.status_code in statuses, (answer.status_code, answer.text[:300])
    assert snapshot(world.engine) == before, "a refused request changed the database"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route(world: World, method: str, path: str):
    rule = RULES.get((method, path))
    assert rule is not None, f"{method} {path} has no rule in RULES"
    if rule.access == PUBLIC:
        _public(world, method, path, rule)
        return
    _anonymous(world, method, path, rule)
    clients = {who: world.board.login(who) for who in ("admin", "bureau", "garage", "atelier")}
    tokens = {who: page_csrf(client) for who, client in clients.items()}
    for who in ("garage", "atelier"):
        _employer_asks_for_the_other(world, method, path, rule, who, clients[who], tokens[who])
    if rule.access == ADMIN:
        before = snapshot(world.engine)
        refused(world, request(clients["bureau"], method, path, rule, owner_ids(world, "bureau"),
                               token=tokens["bureau"]), before, 403)
    allowed = {USER: ("garage", "atelier", "bureau", "admin"), BUREAU: ("bureau", "admin"), ADMIN: ("admin",)}
    if method == "POST":
        for who in allowed[rule.access]:
            _csrf_refused(world, method, path, rule, clients[who], owner_ids(world, who), who, tokens)
    for who in allowed[rule.access]:
        answer = request(clients[who], method, path, rule, owner_ids(world, who), token=tokens[who])
        assert got_through(answer), (who, answer.status_code, answer.headers.get("location"), answer.text[:300])


def _public(world: World, method: str, path: str, rule: Rule) -> None:
    client = world.board.client()
    ids = world.ids[GARAGE_ID]
    if method == "POST" and rule.csrf:
        before = snapshot(world.engine)
        refused(world, request(client, method, path, rule, ids), before, 403)
        client.get("/login")
        token = client.cookies.get("loonbode_login_csrf")
        assert token
        answer = request(client, method, path, rule, ids, token=token)
    else:
        answer = request(client, method, path, rule, ids)
    assert got_through(answer), (answer.status_code, answer.text[:300])
    if method == "GET" and path != "/":
        assert answer.status_code == 200, answer.status_code


def _anonymous(world: World, method: str, path: str, rule: Rule) -> None:
    before = snapshot(world.engine)
    for ids in world.ids.values():
        answer = request(world.board.client(), method, path, rule, ids)
        assert goes_to_login(answer), (answer.status_code, answer.headers)
        assert answer.headers["location"] == f"/login?next={fill(path, ids, rule)}"
        htmx = request(world.board.client(), method, path, rule, ids, hx=True)
        assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login"
    assert snapshot(world.engine) == before


def _employer_asks_for_the_other(world: World, method: str, path: str, rule: Rule, who: str, client: TestClient,
                                 token: str) -> None:
    """With a valid CSRF token, so what refuses is the scope, not the form."""
    own, other = EMPLOYER_OF[who], EMPLOYER_OF[OTHER[who]]
    if rule.access == USER and "{" not in path and method != "GET":
        return  # an action on the user's own account (log out, a link code for oneself): nothing to point elsewhere
    attempts = [world.ids[other]] + ([world.ids[own]] if rule.access != USER else [])
    for ids in attempts:
        before = snapshot(world.engine)
        answer = request(client, method, path, rule, ids, token=token)
        assert not foreign_markers(answer.text, other), (who, foreign_markers(answer.text, other))
        if rule.access != USER:
            refused(world, answer, before, 403)
        elif "{" in path:  # the path names the other employer's object
            refused(world, answer, before, 403, 404)
        else:  # a page or action of the user's own; asked about the other employer in the query at most
            assert answer.status_code in (200, 303), answer.status_code
            assert not goes_to_login(answer)


def _csrf_refused(world: World, method: str, path: str, rule: Rule, client: TestClient, ids: dict[str, str],
                  who: str, tokens: dict[str, str]) -> None:
    """No token, an empty or made-up one, one a character short, and the tokens of the other sessions."""
    own = tokens[who]
    for token in (None, "", "vervalst", own[:-1], *(t for w, t in tokens.items() if w != who)):
        before = snapshot(world.engine)
        refused(world, request(client, method, path, rule, ids, token=token), before, 403)
