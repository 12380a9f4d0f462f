"""Two-factor login through the dashboard: setting it up, the code step, replays, recovery codes, trusted
devices, and who must use it. The clock of `workflows.two_factor` is replaced, so codes are made for a
known moment and a trusted device can be 29 or 31 days old."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dashboard.app import create_app
from loonbode.settings import Settings
from tests.dashboard.conftest import PASSWORD, USERS, Dashboard, csrf_of, log_in, page_csrf
from tests.security.conftest import read_page
from workflows import two_factor
from workflows.models import AuditEvent, Employer, LoginAttempt, RecoveryCode, TrustedDevice, User
from workflows.users import MAX_FAILURES_PER_EMAIL

SESSION, DEVICE, PENDING = "loonbode_session", "loonbode_device", "loonbode_login_pending"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)  # 10 seconds into a 30-second step

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(two_factor, "clock", fake)
    return fake


@pytest.fixture
def strict(dashboard: Dashboard) -> Dashboard:
    """The seeded dashboard with two-factor login required for the bureau, as installed by default."""
    dashboard.app = create_app(Settings(data_dir=dashboard.data_dir, require_two_factor_for_bureau=True),  # type: ignore[call-arg]
                               dashboard.engine)
    return dashboard


def user_row(board: Dashboard, who: str) -> User:
    with Session(board.engine) as session:
        return session.exec(select(User).where(User.email == USERS[who][0])).one()


def code_at(secret: str, moment: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def set_up(board: Dashboard, client: TestClient, who: str, clock: Clock) -> tuple[str, list[str]]:
    """Switch two-factor login on through the pages; returns the secret and the recovery codes."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200, page.headers
    secret = user_row(board, who).totp_secret
    assert secret and " ".join(re.findall(".{1,4}", secret)) in page.text
    shown = client.post("/account/two-factor", data={"csrf_token": csrf_of(page.text),
                                                      "code": code_at(secret, clock.now)})
    assert shown.status_code == 200 and "herstelcodes" in shown.text
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", shown.text)
    assert len(codes) == two_factor.RECOVERY_CODES
    return secret, codes


def password_step(client: TestClient, who: str, next_path: str | None = None):  # type: ignore[no-untyped-def]
    form = client.get("/login")
    data = {"email": USERS[who][0], "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    if next_path:
        data["next"] = next_path
    return client.post("/login", data=data)


def code_step(client: TestClient, code: str, *, remember: bool = False, next_path: str = "/queue"):  # type: ignore[no-untyped-def]
    page = client.get(f"/login/code?next={next_path}")
    data = {"code": code, "csrf_token": csrf_of(page.text), "next": next_path}
    if remember:
        data["remember"] = "1"
    return client.post("/login/code", data=data)


def enabled_user(board: Dashboard, who: str, clock: Clock) -> tuple[str, list[str]]:
    secret, codes = set_up(board, board.login(who), who, clock)
    clock.advance(seconds=30)  # the setup's code is used up; the next login is in the next step
    return secret, codes


# --- setting up ------------------------------------------------------------------------------------------------

def test_setup_shows_a_qr_code_and_needs_a_valid_first_code(dashboard: Dashboard, clock: Clock):
    client = dashboard.login("garage")
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    svg = re.search(r"<svg.*?</svg>", page.text, re.S)
    assert svg and "<script" not in svg.group(0) and "style=" not in svg.group(0) and "<?xml" not in page.text
    assert not any(name == "style" or name.startswith("on") for e in read_page(page.text).elements for name in e.attrs)
    secret = user_row(dashboard, "garage").totp_secret
    assert secret
    assert client.get("/account/two-factor").text.count(" ".join(re.findall(".{1,4}", secret))) == 1  # same secret
    for wrong in ("000000", code_at(secret, clock.now - dt.timedelta(minutes=5)), "abc", ""):
        refused = client.post("/account/two-factor", data={"csrf_token": page_csrf(client, "/account"),
                                                           "code": wrong})
        assert refused.status_code == 422 and "klopt niet" in refused.text, wrong
    assert user_row(dashboard, "garage").totp_enabled_at is None
    _secret, codes = set_up(dashboard, client, "garage", clock)
    user = user_row(dashboard, "garage")
    assert user.totp_enabled_at is not None
    with Session(dashboard.engine) as session:
        stored = session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not {r.code_hash for r in stored} & set(codes)  # only hashes
    assert len(set(codes)) == 10
    assert client.get("/account/two-factor").headers["location"] == "/account"
    assert "Staat <strong>aan</strong>" in client.get("/account").text


def test_the_provisioning_uri_names_loonbode_and_the_user():
    uri = two_factor.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ria@garagehoek.example")
    assert uri.startswith("otpauth://totp/Loonbode:ria%40garagehoek.example?") and "issuer=Loonbode" in uri
    svg = two_factor.qr_svg(uri)
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg


# --- logging in ------------------------------------------------------------------------------------------------

def test_login_needs_the_code_after_the_password(dashboard: Dashboard, clock: Clock):
    secret, _codes = enabled_user(dashboard, "garage", clock)
    client = dashboard.client()
    answer = password_step(client, "garage", next_path="/leave")
    assert answer.status_code == 303 and answer.headers["location"] == "/login/code?next=/leave"
    assert SESSION not in client.cookies and PENDING in client.cookies
    assert client.get("/queue").status_code == 303  # not logged in yet
    page = client.get("/login/code?next=/leave")
    assert page.status_code == 200 and "one-time-code" in page.text and "Onthoud dit apparaat 30 dagen" in page.text
    done = code_step(client, code_at(secret, clock.now), next_path="/leave")
    assert done.status_code == 303 and done.headers["location"] == "/leave"
    assert client.get("/queue").status_code == 200
    assert PENDING not in client.cookies


def test_a_code_used_once_is_refused_again_within_its_window(dashboard: Dashboard, clock: Clock):
    secret, _codes = enabled_user(dashboard, "garage", clock)
    code = code_at(secret, clock.now)
    first, second = dashboard.client(), dashboard.client()
    assert password_step(first, "garage").status_code == 303
    assert password_step(second, "garage").status_code == 303
    assert code_step(first, code).status_code == 303
    clock.advance(seconds=5)  # same step: the code is still the app's current one
    replay = code_step(second, code)
    assert replay.status_code == 401 and "al gebruikt" in replay.text
    assert SESSION not in second.cookies
    clock.advance(seconds=30)
    assert code_step(second, code).status_code == 401  # the previous step's code, still within the window
    assert code_step(second, code_at(secret, clock.now)).status_code == 303


def test_codes_of_a_step_either_side_are_accepted_and_older_ones_not(dashboard: Dashboard, clock: Clock):
    secret, _codes = enabled_user(dashboard, "garage", clock)
    user_id = user_row(dashboard, "garage").id or 0
    assert two_factor.verify(dashboard.engine, user_id, code_at(secret, clock.now - dt.timedelta(seconds=30)),
                             now=clock.now) is False  # the setup used that step
    assert two_factor.verify(dashboard.engine, user_id, code_at(secret, clock.now + dt.timedelta(seconds=30)),
                             now=clock.now)  # a phone a little ahead
    clock.advance(seconds=90)
    assert not two_factor.verify(dashboard.engine, user_id, code_at(secret, clock.now - dt.timedelta(seconds=60)),
                                 now=clock.now)
    assert two_factor.verify(dashboard.engine, user_id, code_at(secret, clock.now), now=clock.now)


def test_a_recovery_code_works_once(dashboard: Dashboard, clock: Clock):
    _secret, codes = enabled_user(dashboard, "garage", clock)
    client = dashboard.client()
    password_step(client, "garage")
    done = code_step(client, codes[3].upper().replace("-", " "))  # typed sloppily
    assert done.status_code == 303 and done.headers["location"].startswith("/account?notice=")
    assert "nog 9" in client.get(done.headers["location"]).text
    again = dashboard.client()
    password_step(again, "garage")
    assert code_step(again, codes[3]).status_code == 401
    assert code_step(again, codes[4]).status_code == 303


def test_wrong_codes_count_towards_the_lockout(dashboard: Dashboard, clock: Clock):
    secret, _codes = enabled_user(dashboard, "garage", clock)
    client = dashboard.client()
    password_step(client, "garage")
    for _ in range(MAX_FAILURES_PER_EMAIL):
        assert code_step(client, "000000").status_code == 401
    locked = code_step(client, code_at(secret, clock.now))
    assert locked.status_code == 401 and "te vaak" in locked.text and SESSION not in client.cookies
    with Session(dashboard.engine) as session:
        failed = session.exec(select(LoginAttempt).where(LoginAttempt.email == USERS["garage"][0],
                                                         LoginAttempt.succeeded == False)).all()  # noqa: E712
    assert len(failed) == MAX_FAILURES_PER_EMAIL + 1


def test_the_pending_login_is_signed_and_lasts_five_minutes(dashboard: Dashboard, clock: Clock):
    secret, _codes = enabled_user(dashboard, "garage", clock)
    client = dashboard.client()
    password_step(client, "garage")
    pending = client.cookies[PENDING]
    user_id, rest = pending.split(".", 1)
    other = str(user_row(dashboard, "atelier").id)
    for forged in (f"{other}.{rest}", pending[:-2] + "xx", "1.9999999999.x.y.z", ""):
        attacker = dashboard.client()
        attacker.cookies.set(PENDING, forged, domain="testserver.local")
        assert "verlopen" in attacker.get("/login/code").text
        token = attacker.cookies["loonbode_login_csrf"]
        answer = attacker.post("/login/code", data={"code": code_at(secret, clock.now), "csrf_token": token})
        assert answer.status_code == 303 and answer.headers["location"] == "/login", forged
        assert SESSION not in attacker.cookies
    assert user_id == str(user_row(dashboard, "garage").id)
    clock.advance(minutes=5, seconds=1)
    assert "verlopen" in client.get("/login/code").text
    assert code_step(client, code_at(secret, clock.now)).headers["location"] == "/login"


def test_the_code_step_needs_its_form_token(dashboard: Dashboard, clock: Clock):
    secret, _codes = enabled_user(dashboard, "garage", clock)
    client = dashboard.client()
    password_step(client, "garage")
    client.get("/login/code")
    answer = client.post("/login/code", data={"code": code_at(secret, clock.now), "csrf_token": "vervalst"})
    assert answer.status_code == 403 and SESSION not in client.cookies


# --- trusted devices -------------------------------------------------------------------------------------------

def test_a_remembered_device_skips_the_code_for_thirty_days_and_not_after(dashboard: Dashboard, clock: Clock):
    secret, _codes = enabled_user(dashboard, "garage", clock)
    client = dashboard.client()
    password_step(client, "garage")
    done = code_step(client, code_at(secret, clock.now), remember=True)
    assert done.status_code == 303
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith(f"{DEVICE}="))
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert f"max-age={30 * 86400}" in flags
    with Session(dashboard.engine) as session:
        [device] = session.exec(select(TrustedDevice)).all()
    assert device.id != client.cookies[DEVICE] and len(device.id) == 64  # only the hash is stored

    clock.advance(days=29)
    again = password_step(client, "garage")
    assert again.status_code == 303 and again.headers["location"] == "/queue"
    assert client.get("/queue").status_code == 200
    clock.advance(days=1, seconds=1)
    later = password_step(client, "garage")
    assert later.status_code == 303 and later.headers["location"].startswith("/login/code")
    # Another browser never had the cookie; another user's cookie is not this user's.
    assert password_step(dashboard.client(), "garage").headers["location"].startswith("/login/code")


def test_a_device_cookie_of_another_user_does_not_skip_the_code(dashboard: Dashboard, clock: Clock):
    garage_secret, _ = enabled_user(dashboard, "garage", clock)
    atelier_secret, _ = enabled_user(dashboard, "atelier", clock)
    client = dashboard.client()
    password_step(client, "garage")
    code_step(client, code_at(garage_secret, clock.now), remember=True)
    assert password_step(client, "atelier").headers["location"].startswith("/login/code")
    assert code_step(client, code_at(atelier_secret, clock.now)).status_code == 303


def test_log_out_everywhere_forgets_trusted_devices(dashboard: Dashboard, clock: Clock):
    secret, _codes = enabled_user(dashboard, "garage", clock)
    laptop, phone = dashboard.client(), dashboard.client()
    for device in (laptop, phone):
        password_step(device, "garage")
        assert code_step(device, code_at(secret, clock.now), remember=True).status_code == 303
        clock.advance(seconds=30)
    assert phone.post("/account/logout-others", data={"csrf_token": page_csrf(phone, "/account")}).status_code == 303
    assert laptop.get("/queue").status_code == 303
    assert password_step(laptop, "garage").headers["location"].startswith("/login/code")  # forgotten
    assert password_step(phone, "garage").headers["location"] == "/queue"  # this one was kept
    assert phone.post("/account/logout-everywhere",
                      data={"csrf_token": page_csrf(phone, "/account")}).status_code == 303
    assert password_step(phone, "garage").headers["location"].startswith("/login/code")
    with Session(dashboard.engine) as session:
        assert session.exec(select(TrustedDevice)).all() == []


# --- who must use it -------------------------------------------------------------------------------------------

def test_bureau_users_must_set_it_up_when_the_setting_is_on(strict: Dashboard, clock: Clock):
    client = strict.client()
    answer = password_step(client, "bureau")
    assert answer.status_code == 303 and answer.headers["location"] == "/account/two-factor"
    for path in ("/queue", "/account", f"/drafts/{strict.drafts['garage-hoek'][0]}", "/employers"):
        assert client.get(path).headers["location"] == "/account/two-factor", path
    htmx = client.get("/queue", headers={"HX-Request": "true"})
    assert htmx.headers["hx-redirect"] == "/account/two-factor"
    before = strict.draft(strict.drafts["garage-hoek"][0]).status
    token = csrf_of(client.get("/account/two-factor").text)
    assert client.post("/queue/approve", data={"csrf_token": token,
                                               "draft": strict.drafts["garage-hoek"][0]}).status_code == 303
    assert strict.draft(strict.drafts["garage-hoek"][0]).status == before  # the redirect did nothing
    assert "verplicht" in client.get("/account/two-factor").text
    set_up(strict, client, "bureau", clock)
    assert client.get("/queue").status_code == 200
    # The admin too; and it cannot be switched off, only set up again.
    admin = strict.client()
    assert password_step(admin, "admin").headers["location"] == "/account/two-factor"


def test_with_the_setting_off_the_bureau_logs_in_with_the_password_alone(dashboard: Dashboard):
    client = dashboard.client()
    log_in(client, USERS["bureau"][0], PASSWORD)  # 303 to /queue, as scripts expect
    assert client.get("/queue").status_code == 200
    assert Settings(data_dir=dashboard.data_dir).require_two_factor_for_bureau is True  # type: ignore[call-arg]


def test_a_required_user_cannot_switch_it_off_only_set_it_up_again(strict: Dashboard, clock: Clock):
    client = strict.client()
    password_step(client, "bureau")
    secret, _codes = set_up(strict, client, "bureau", clock)
    clock.advance(seconds=30)
    page = client.get("/account")
    assert "Opnieuw instellen" in page.text and "Tweestapsverificatie uitzetten" not in page.text
    answer = client.post("/account/two-factor/off", data={"csrf_token": csrf_of(page.text),
                                                          "code": code_at(secret, clock.now)})
    assert answer.status_code == 303 and answer.headers["location"] == "/account/two-factor"
    assert client.get("/queue").headers["location"] == "/account/two-factor"
    set_up(strict, client, "bureau", clock)
    assert client.get("/queue").status_code == 200


def test_employer_users_choose_unless_their_employer_requires_it(strict: Dashboard, clock: Clock):
    garage = strict.client()
    log_in(garage, USERS["garage"][0], PASSWORD)  # optional: straight in, even with the bureau setting on
    assert "Staat <strong>uit</strong>" in garage.get("/account").text
    secret, _codes = set_up(strict, garage, "garage", clock)
    clock.advance(seconds=30)
    page = garage.get("/account")
    wrong = garage.post("/account/two-factor/off", data={"csrf_token": csrf_of(page.text), "code": "000000"})
    assert wrong.status_code == 422 and user_row(strict, "garage").totp_enabled_at is not None
    off = garage.post("/account/two-factor/off", data={"csrf_token": csrf_of(page.text),
                                                       "code": code_at(secret, clock.now)})
    assert off.status_code == 303 and off.headers["location"].startswith("/account?notice=")
    assert user_row(strict, "garage").totp_secret is None

    # The admin makes it required for Garage Hoek (the admin sets up its own first).
    admin = strict.client()
    password_step(admin, "admin")
    set_up(strict, admin, "admin", clock)
    users_page = admin.get("/users")
    assert "Verplicht maken" in users_page.text
    made = admin.post("/users/employers/garage-hoek/two-factor", data={"csrf_token": csrf_of(users_page.text),
                                                                      "required": "1"})
    assert made.status_code == 303
    with Session(strict.engine) as session:
        employer = session.get(Employer, "garage-hoek")
        assert employer is not None and employer.totp_required
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "employer_two_factor")).first()
    assert garage.get("/queue").headers["location"] == "/account/two-factor"  # at the next page
    atelier = strict.client()
    log_in(atelier, USERS["atelier"][0], PASSWORD)  # the other employer's users are not affected
    assert atelier.get("/queue").status_code == 200
    fresh = strict.client()
    assert password_step(fresh, "garage").headers["location"] == "/account/two-factor"


def test_an_admin_can_reset_a_users_two_factor(dashboard: Dashboard, clock: Clock):
    enabled_user(dashboard, "garage", clock)
    admin = dashboard.login("admin")
    target = user_row(dashboard, "garage")
    page = admin.get("/users")
    assert "Tweestaps resetten" in page.text
    assert admin.post(f"/users/{target.id}/reset-two-factor",
                      data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert user_row(dashboard, "garage").totp_enabled_at is None
    assert password_step(dashboard.client(), "garage").headers["location"] == "/queue"
    refused = dashboard.login("bureau").post(f"/users/{target.id}/reset-two-factor",
                                             data={"csrf_token": page_csrf(dashboard.login("bureau"))})
    assert refused.status_code == 403


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(dashboard: Dashboard, clock: Clock):
    secret, old = enabled_user(dashboard, "garage", clock)
    client = dashboard.client()
    password_step(client, "garage")
    code_step(client, code_at(secret, clock.now))
    clock.advance(seconds=30)
    page = client.get("/account")
    refused = client.post("/account/two-factor/recovery-codes", data={"csrf_token": csrf_of(page.text),
                                                                      "code": "123456"})
    assert refused.status_code == 422
    made = client.post("/account/two-factor/recovery-codes", data={"csrf_token": csrf_of(page.text),
                                                                   "code": code_at(secret, clock.now)})
    assert made.status_code == 200 and "werken niet meer" in made.text
    new = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", made.text)
    assert len(new) == 10 and not set(new) & set(old)
    other = dashboard.client()
    password_step(other, "garage")
    assert code_step(other, old[0]).status_code == 401
    assert code_step(other, new[0]).status_code == 303
