"""Accounts a person manages themselves: invitations, password resets by mail, and their own sessions.

The bureau invites an employer's contact (`invite`): the user is made without a password
that works, and a link is mailed to activate the account. Both that link and a password
reset link (`request_reset`) are single-use tokens (`UserToken`): 32 random bytes in the
URL, only their SHA-256 in the database, an invitation valid `LIFETIMES["invite"]` (7 days),
a reset `LIFETIMES["reset"]` (1 hour). A new link of the same kind ends the older unused
ones. Redeeming one (`redeem_token`) sets the person's own password, checked by
`workflows.passwords`, and uses the link up; a reset also ends every session and trusted
device of the user, so whoever had the old password is out.

The mail itself is not written here: `on_issued(session, user, token, row)` adds it to the
outbox in the same transaction as the token (see `notifier.account_mail`), so a link is
never stored without its mail, nor mailed without being stored.

A reset for an address that has no (active, activated) account returns None and writes
nothing; the page answers the same either way, so it tells nobody which addresses exist.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import ClassVar

from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, col, select

from workflows.models import AuditEvent, Employer, TrustedDevice, User, UserRole, UserToken, WebSession, utcnow
from workflows.passwords import password_problem
from workflows.users import UserError, hash_password, token_id

INVITE, RESET = "invite", "reset"
LIFETIMES = {INVITE: dt.timedelta(days=7), RESET: dt.timedelta(hours=1)}
LINKS_PER_HOUR = 3  # mailed links of one kind per user per hour; more asks are answered the same, unsent

Issued = Callable[[Session, User, str, UserToken], object]


class AccountError(ValueError):
    """A link cannot be used; `reason` is unknown, used or expired."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "unknown": "Deze link is ongeldig. Gebruik de hele link uit de mail; werkt dat niet, vraag dan een nieuwe.",
        "used": "Deze link is al gebruikt. Een link werkt één keer.",
        "expired": "Deze link is verlopen, of er is daarna een nieuwere link gestuurd.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES[reason])
        self.reason = reason


class PasswordRefused(ValueError):
    """The chosen password is not good enough; the message says why, in Dutch."""


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _issue(session: Session, user: User, purpose: str, *, actor: str, now: dt.datetime) -> tuple[str, UserToken]:
    """A new token (added, not committed); older unused tokens of the same kind end now."""
    assert user.id is not None
    session.exec(update(UserToken).where(  # type: ignore[call-overload]
        col(UserToken.user_id) == user.id, col(UserToken.purpose) == purpose, col(UserToken.used_at).is_(None),
        col(UserToken.expires_at) > now).values(expires_at=now))
    token = secrets.token_urlsafe(32)
    row = UserToken(user_id=user.id, purpose=purpose, token_hash=token_id(token), created_at=now,
                    created_by=actor[:320], expires_at=now + LIFETIMES[purpose])
    session.add(row)
    session.flush()
    return token, row


def _issued_lately(session: Session, user_id: int, purpose: str, now: dt.datetime) -> int:
    return session.exec(select(func.count()).select_from(UserToken).where(
        UserToken.user_id == user_id, UserToken.purpose == purpose,
        UserToken.created_at > now - dt.timedelta(hours=1))).one()


def invite(engine: Engine, email: str, *, employer_id: str | None, role: str = UserRole.EMPLOYER, actor: str,
           now: dt.datetime | None = None, on_issued: Issued | None = None) -> tuple[User, str]:
    """Make the user (or, not yet activated, invite them again) and issue an invitation; returns (user, token).

    Refused with a UserError for a user who already chose a password: they can reset it themselves."""
    now = now or utcnow()
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise UserError(f"'{email}' is geen e-mailadres")
    if role not in UserRole.ALL:
        raise UserError(f"onbekende rol '{role}'; kies uit {', '.join(UserRole.ALL)}")
    if role == UserRole.EMPLOYER and not employer_id:
        raise UserError("een werkgever-gebruiker hoort bij een werkgever: kies de werkgever")
    if role != UserRole.EMPLOYER and employer_id:
        raise UserError("alleen een werkgever-gebruiker hoort bij één werkgever")
    with Session(engine) as session:
        if employer_id and session.get(Employer, employer_id) is None:
            raise UserError(f"werkgever '{employer_id}' bestaat niet")
        user = session.exec(select(User).where(User.email == email)).first()
        if user is not None and user.password_set_at is not None:
            raise UserError(f"{email} heeft het account al geactiveerd; een vergeten wachtwoord herstelt de "
                            "gebruiker zelf via 'Wachtwoord vergeten' op de inlogpagina")
        if user is not None and not user.active:
            raise UserError(f"{email} is uitgeschakeld; schakel de gebruiker eerst weer in")
        if user is None:
            # No password works until the person chooses one: "!" is never an argon2 hash.
            user = User(email=email, password_hash="!" + secrets.token_hex(32), role=role, employer_id=employer_id,
                        created_at=now, password_set_at=None)
            session.add(user)
        else:
            user.role, user.employer_id = role, employer_id
            session.add(user)
        session.flush()
        token, row = _issue(session, user, INVITE, actor=actor, now=now)
        session.add(AuditEvent(at=now, actor=actor, action="user_invited", subject_type="user",
                               subject_id=str(user.id), detail={"role": role, "employer_id": employer_id}))
        if on_issued is not None:
            on_issued(session, user, token, row)
        session.commit()
        session.refresh(user)
        session.expunge(user)
        return user, token


def request_reset(engine: Engine, email: str, *, now: dt.datetime | None = None,
                  on_issued: Issued | None = None) -> str | None:
    """A reset token for an active, activated account at `email`; None (and nothing written) for any other
    address, or when `LINKS_PER_HOUR` were mailed in the last hour. The caller answers the same either way."""
    now = now or utcnow()
    email = email.strip().lower()[:320]
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None or user.id is None or not user.active or user.password_set_at is None:
            return None
        if _issued_lately(session, user.id, RESET, now) >= LINKS_PER_HOUR:
            return None
        token, row = _issue(session, user, RESET, actor=email, now=now)
        session.add(AuditEvent(at=now, actor=email, action="password_reset_requested", subject_type="user",
                               subject_id=str(user.id)))
        if on_issued is not None:
            on_issued(session, user, token, row)
        session.commit()
        return token


def _find(session: Session, token: str, purpose: str) -> tuple[UserToken, User] | None:
    if not token or len(token) > 200:
        return None
    found = session.exec(select(UserToken, User).join(User, col(User.id) == UserToken.user_id)
                         .where(UserToken.token_hash == token_id(token), UserToken.purpose == purpose)).first()
    return (found[0], found[1]) if found else None


def _check(found: tuple[UserToken, User] | None, now: dt.datetime) -> tuple[UserToken, User]:
    if found is None or not found[1].active:
        raise AccountError("unknown")
    row, user = found
    if row.used_at is not None:
        raise AccountError("used")
    if _aware(row.expires_at) <= now:
        raise AccountError("expired")
    return row, user


def check_token(engine: Engine, token: str, purpose: str, *, now: dt.datetime | None = None) -> User:
    """The user a link is for, when it can still be used; AccountError (unknown, used, expired) otherwise."""
    with Session(engine) as session:
        _row, user = _check(_find(session, token, purpose), now or utcnow())
        session.expunge(user)
        return user


def redeem_token(engine: Engine, token: str, purpose: str, password: str, *,
                 now: dt.datetime | None = None) -> User:
    """Set the user's own password with a link and use the link up; returns the user.

    AccountError when the link cannot be used, PasswordRefused (the link stays usable) when the password
    is not good enough. A reset ends every session and trusted device of the user."""
    now = now or utcnow()
    with Session(engine) as session:
        row, user = _check(_find(session, token, purpose), now)
        problem = password_problem(password, email=user.email)
        if problem:
            raise PasswordRefused(problem)
        assert user.id is not None
        # Conditional: of two requests with the same link, one sets the password, the other finds it used.
        used = session.exec(update(UserToken).where(  # type: ignore[call-overload]
            col(UserToken.id) == row.id, col(UserToken.used_at).is_(None)).values(used_at=now))
        if used.rowcount != 1:
            raise AccountError("used")
        session.exec(update(UserToken).where(  # type: ignore[call-overload]
            col(UserToken.user_id) == user.id, col(UserToken.used_at).is_(None),
            col(UserToken.expires_at) > now).values(expires_at=now))  # other open links of the user end too
        first = user.password_set_at is None
        user.password_hash = hash_password(password)
        user.password_set_at = now
        session.add(user)
        session.exec(delete(WebSession).where(col(WebSession.user_id) == user.id))  # type: ignore[call-overload]
        session.exec(delete(TrustedDevice).where(col(TrustedDevice.user_id) == user.id))  # type: ignore[call-overload]
        session.add(AuditEvent(at=now, actor=user.email, action="account_activated" if first else "password_reset",
                               subject_type="user", subject_id=str(user.id), detail={"link": purpose}))
        session.commit()
        session.refresh(user)
        session.expunge(user)
        return user


def resend_link(engine: Engine, token: str, purpose: str, *, now: dt.datetime | None = None,
                on_issued: Issued | None = None) -> bool:
    """From an expired or used link: a new one of the same kind to the same user, when that still makes
    sense (an invitation for a user who has not activated, a reset for one who has) and fewer than
    `LINKS_PER_HOUR` went out in the last hour. True when one was issued; the caller answers the same."""
    now = now or utcnow()
    with Session(engine) as session:
        found = _find(session, token, purpose)
        if found is None:
            return False
        _row, user = found
        if user.id is None or not user.active or (user.password_set_at is None) != (purpose == INVITE):
            return False
        if _issued_lately(session, user.id, purpose, now) >= LINKS_PER_HOUR:
            return False
        new_token, new_row = _issue(session, user, purpose, actor=user.email, now=now)
        session.add(AuditEvent(at=now, actor=user.email, action="link_renewed", subject_type="user",
                               subject_id=str(user.id), detail={"link": purpose}))
        if on_issued is not None:
            on_issued(session, user, new_token, new_row)
        session.commit()
        return True


# --- one's own sessions ------------------------------------------------------------------------------------------

def sessions_of(engine: Engine, user_id: int, *, now: dt.datetime | None = None) -> list[WebSession]:
    """The user's sessions that have not expired, the most recently used first."""
    now = now or utcnow()
    with Session(engine) as session:
        rows = list(session.exec(select(WebSession).where(WebSession.user_id == user_id)))
    live = [row for row in rows if _aware(row.expires_at) > now]
    return sorted(live, key=lambda row: _aware(row.last_seen_at or row.created_at), reverse=True)


def log_out_everywhere(engine: Engine, user_id: int, except_token: str | None = None, *,
                       keep_device: str | None = None, actor: str = "") -> int:
    """End the user's sessions (all but the one of `except_token`, when given) and forget their trusted
    devices (all but the one of the `keep_device` cookie token); returns how many sessions ended."""
    with Session(engine) as session:
        sessions = delete(WebSession).where(col(WebSession.user_id) == user_id)
        if except_token:
            sessions = sessions.where(col(WebSession.id) != token_id(except_token))
        ended = session.exec(sessions).rowcount  # type: ignore[call-overload]
        devices = delete(TrustedDevice).where(col(TrustedDevice.user_id) == user_id)
        if keep_device:
            devices = devices.where(col(TrustedDevice.id) != token_id(keep_device))
        session.exec(devices)  # type: ignore[call-overload]
        session.add(AuditEvent(actor=actor or str(user_id), action="logged_out_everywhere", subject_type="user",
                               subject_id=str(user_id),
                               detail={"sessions": ended, "kept_this_one": bool(except_token)}))
        session.commit()
        return int(ended or 0)
