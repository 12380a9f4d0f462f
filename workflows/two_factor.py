"""Two-factor login: a code from an authenticator app (TOTP, RFC 6238), recovery codes, trusted devices.

Setting up: `start_setup` stores a new secret on the user, not yet in use; the page shows it
as a QR code (`qr_svg`) and as text. `confirm_setup` switches it on with a first valid code
and returns 10 recovery codes, shown once: only their SHA-256 is stored, each works once.

Logging in: `verify` accepts the code of the current 30-second step or of one step either
side (clocks drift), and only for a step later than the last one used (`User.totp_last_step`),
written with a conditional UPDATE: a code seen over someone's shoulder, or sent twice, does
not open a second session. A browser can be trusted for `DEVICE_DAYS` (30) days: a random
cookie token, only its SHA-256 stored (`TrustedDevice`); logging out everywhere, a password
reset and switching two-factor off forget them.

Who needs it (`two_factor_required`): bureau and admin users (unless the installation
switched that off, `LOONBODE_REQUIRE_TWO_FACTOR_FOR_BUREAU`), an employer's users when the
employer requires it, and everyone who switched it on.

The clock is `clock()`, so tests can move it; every function also takes `now`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

import pyotp
import segno
from sqlalchemy import Engine, delete, or_, update
from sqlmodel import Session, col, func, select

from workflows.models import AuditEvent, Employer, RecoveryCode, TrustedDevice, User, UserRole, utcnow
from workflows.users import token_id

ISSUER = "Loonbode"
STEP_SECONDS = 30
VALID_WINDOW = 1  # steps either side of now that are still accepted
RECOVERY_CODES = 10
DEVICE_DAYS = 30
DEVICE_COOKIE = "loonbode_device"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


class TwoFactorError(ValueError):
    """The code was not accepted, or two-factor login cannot be changed as asked; in Dutch."""


def clock() -> dt.datetime:
    """Now, as two-factor login sees it (tests replace this)."""
    return utcnow()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def required_for(role: str, *, enabled: bool, employer_requires: bool, bureau_required: bool = True) -> bool:
    """Whether a user must log in with a second factor (see the module docstring)."""
    if enabled:
        return True
    if role in (UserRole.ADMIN, UserRole.BUREAU):
        return bureau_required
    return employer_requires


def two_factor_required(session: Session, user: User, *, bureau_required: bool = True) -> bool:
    employer = session.get(Employer, user.employer_id) if user.employer_id else None
    return required_for(user.role, enabled=user.totp_enabled_at is not None,
                        employer_requires=bool(employer and employer.totp_required), bureau_required=bureau_required)


# --- setting up ----------------------------------------------------------------------------------------------

def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    return user


def start_setup(engine: Engine, user_id: int) -> str:
    """The secret to show for setting up: the one already waiting for its first code, else a new one."""
    with Session(engine) as session:
        user = _user(session, user_id)
        if user.totp_enabled_at is not None:
            raise TwoFactorError("Tweestapsverificatie staat al aan.")
        if not user.totp_secret:
            user.totp_secret = pyotp.random_base32()
            user.totp_last_step = None
            session.add(user)
            session.commit()
        assert user.totp_secret
        return user.totp_secret


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG: no XML declaration, no script, no style attribute (the CSP allows none)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, light="#fff", dark="#000", svgclass="qr",
                                                lineclass=None, title="QR-code voor uw authenticator-app")
    assert "<script" not in svg.lower() and "style=" not in svg.lower() and "<?xml" not in svg
    return svg


def confirm_setup(engine: Engine, user_id: int, code: str, *, now: dt.datetime | None = None) -> list[str]:
    """Switch two-factor login on with a first valid code; returns the new recovery codes (shown once)."""
    now = now or clock()
    with Session(engine) as session:
        user = _user(session, user_id)
        if user.totp_enabled_at is not None:
            raise TwoFactorError("Tweestapsverificatie staat al aan.")
        if not user.totp_secret:
            raise TwoFactorError("Begin opnieuw met instellen: er is nog geen geheime sleutel.")
        step = _matching_step(user.totp_secret, code, now)
        if step is None:
            raise TwoFactorError("Deze code klopt niet. Kijk of de tijd op uw telefoon goed staat en probeer de "
                                 "volgende code.")
        user.totp_enabled_at = now
        user.totp_last_step = step
        session.add(user)
        codes = _replace_recovery_codes(session, user_id)
        session.add(AuditEvent(at=now, actor=user.email, action="two_factor_enabled", subject_type="user",
                               subject_id=str(user_id)))
        session.commit()
        return codes


def disable(engine: Engine, user_id: int, *, actor: str, now: dt.datetime | None = None) -> None:
    """Switch two-factor login off: secret, recovery codes and trusted devices go."""
    now = now or clock()
    with Session(engine) as session:
        user = _user(session, user_id)
        user.totp_secret = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        session.add(user)
        session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))  # type: ignore[call-overload]
        session.exec(delete(TrustedDevice).where(col(TrustedDevice.user_id) == user_id))  # type: ignore[call-overload]
        session.add(AuditEvent(at=now, actor=actor, action="two_factor_disabled", subject_type="user",
                               subject_id=str(user_id)))
        session.commit()


def set_employer_requirement(engine: Engine, employer_id: str, required: bool, *, actor: str) -> None:
    """Whether the employer's users must use two-factor login (those without it set it up at their next page)."""
    with Session(engine) as session:
        employer = session.get(Employer, employer_id)
        if employer is None:
            raise LookupError(employer_id)
        employer.totp_required = required
        session.add(employer)
        session.add(AuditEvent(actor=actor, action="employer_two_factor", subject_type="employer",
                               subject_id=employer_id, detail={"required": required}))
        session.commit()


# --- codes ---------------------------------------------------------------------------------------------------

def _digits(code: str) -> str:
    return re.sub(r"\s", "", code or "")


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step `code` belongs to, within VALID_WINDOW of now; the latest if more than one."""
    code = _digits(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in range(current + VALID_WINDOW, current - VALID_WINDOW - 1, -1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def looks_like_totp(code: str) -> bool:
    return bool(re.fullmatch(r"\d{6}", _digits(code)))


def verify(engine: Engine, user_id: int, code: str, *, now: dt.datetime | None = None) -> bool:
    """A code from the app, for a user with two-factor login on; each step's code works once."""
    now = now or clock()
    with Session(engine) as session:
        user = _user(session, user_id)
        if user.totp_enabled_at is None or not user.totp_secret:
            return False
        step = _matching_step(user.totp_secret, code, now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            return False
        # Conditional: of two requests with the same code at once, only one moves the step on.
        moved = session.exec(update(User).where(  # type: ignore[call-overload]
            col(User.id) == user_id,
            or_(col(User.totp_last_step).is_(None), col(User.totp_last_step) < step)).values(totp_last_step=step))
        session.commit()
        return moved.rowcount == 1


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]", "", code or "").lower().encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _replace_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))  # type: ignore[call-overload]
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_recovery_hash(code)) for code in codes)
    return codes


def new_recovery_codes(engine: Engine, user_id: int, *, actor: str) -> list[str]:
    """Fresh recovery codes; the old ones stop working."""
    with Session(engine) as session:
        user = _user(session, user_id)
        if user.totp_enabled_at is None:
            raise TwoFactorError("Zet eerst tweestapsverificatie aan.")
        codes = _replace_recovery_codes(session, user_id)
        session.add(AuditEvent(actor=actor, action="recovery_codes_renewed", subject_type="user",
                               subject_id=str(user_id)))
        session.commit()
        return codes


def use_recovery_code(engine: Engine, user_id: int, code: str, *, now: dt.datetime | None = None) -> bool:
    """A recovery code instead of the app's code; each works once."""
    now = now or clock()
    with Session(engine) as session:
        user = _user(session, user_id)
        if user.totp_enabled_at is None:
            return False
        used = session.exec(update(RecoveryCode).where(  # type: ignore[call-overload]
            col(RecoveryCode.user_id) == user_id, col(RecoveryCode.code_hash) == _recovery_hash(code),
            col(RecoveryCode.used_at).is_(None)).values(used_at=now))
        if used.rowcount != 1:
            session.rollback()
            return False
        session.add(AuditEvent(at=now, actor=user.email, action="recovery_code_used", subject_type="user",
                               subject_id=str(user_id)))
        session.commit()
        return True


def recovery_codes_left(engine: Engine, user_id: int) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(RecoveryCode).where(
            RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))).one()


def check_code(engine: Engine, user_id: int, code: str, *, now: dt.datetime | None = None) -> str | None:
    """A code typed at login or to change settings: "totp" or "recovery" for the kind that was accepted, else None."""
    if looks_like_totp(code):
        return "totp" if verify(engine, user_id, code, now=now) else None
    return "recovery" if use_recovery_code(engine, user_id, code, now=now) else None


# --- trusted devices -----------------------------------------------------------------------------------------

def trust_device(engine: Engine, user_id: int, *, now: dt.datetime | None = None) -> str:
    """Remember this browser for DEVICE_DAYS; returns the cookie's token (only its hash is stored)."""
    now = now or clock()
    token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        session.add(TrustedDevice(id=token_id(token), user_id=user_id, created_at=now,
                                  expires_at=now + dt.timedelta(days=DEVICE_DAYS)))
        session.commit()
    return token


def device_trusted(engine: Engine, user_id: int, token: str | None, *, now: dt.datetime | None = None) -> bool:
    if not token or len(token) > 200:
        return False
    now = now or clock()
    with Session(engine) as session:
        device = session.get(TrustedDevice, token_id(token))
        if device is None or device.user_id != user_id:
            return False
        if _aware(device.expires_at) <= now:
            session.delete(device)
            session.commit()
            return False
        return True
