"""Dashboard users: accounts with argon2id passwords, server-side sessions, rate-limited logins.

A session cookie carries a random token; the database keeps only its SHA-256, so a copy of
the database opens no sessions. Sessions end after `SESSION_HOURS` or at logout. Logins are
refused, whatever the password, after too many failures for one address or from one client
in `ATTEMPT_WINDOW`: the answer does not say which, so it tells an attacker nothing.

A login is two steps when the user has a second factor (`workflows.two_factor`): the
password (`check_password`), then the code, and only then `open_session`. `log_in` is both
steps in one for a user without. A session remembers where it was opened from (address,
browser) and when it was last used, to the minute, so a user can see and end their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, or_, update
from sqlmodel import Session, col, select

from workflows.models import (
    AuditEvent,
    Employer,
    LoginAttempt,
    TrustedDevice,
    User,
    UserRole,
    WebSession,
    utcnow,
)

SESSION_HOURS = 10  # a working day
ATTEMPT_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
MIN_PASSWORD_LENGTH = 10
LAST_SEEN_EVERY = dt.timedelta(minutes=1)  # how stale `last_seen_at` may get: at most one write a minute

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the address is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A user cannot be made as asked; the message says why, in Dutch."""


@dataclass(frozen=True)
class SignedIn:
    """Who is behind a session: what every dashboard request is checked against."""

    user_id: int
    email: str
    role: str
    employer_id: str | None
    csrf_token: str
    session_id: str = ""  # the SHA-256 the session is stored under: which of the user's sessions this is
    totp_enabled: bool = False  # the user has set up two-factor login
    employer_requires_totp: bool = False  # the user's employer requires two-factor login

    @property
    def sees_all_employers(self) -> bool:
        return self.role in (UserRole.ADMIN, UserRole.BUREAU)

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN


def create_user(engine: Engine, email: str, *, role: str, password: str, employer_id: str | None = None,
                actor: str = "cli") -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise UserError(f"'{email}' is geen e-mailadres")
    if role not in UserRole.ALL:
        raise UserError(f"onbekende rol '{role}'; kies uit {', '.join(UserRole.ALL)}")
    if role == UserRole.EMPLOYER and not employer_id:
        raise UserError("een werkgever-gebruiker hoort bij een werkgever: geef --employer")
    if role != UserRole.EMPLOYER and employer_id:
        raise UserError("alleen een werkgever-gebruiker hoort bij één werkgever")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens hebben")
    with Session(engine) as session:
        if employer_id and session.get(Employer, employer_id) is None:
            raise UserError(f"werkgever '{employer_id}' bestaat niet")
        if session.exec(select(User).where(User.email == email)).first() is not None:
            raise UserError(f"er is al een gebruiker {email}")
        user = User(email=email, password_hash=_hasher.hash(password), role=role, employer_id=employer_id,
                    password_set_at=utcnow())
        session.add(user)
        session.flush()
        session.add(AuditEvent(actor=actor, action="user_created", subject_type="user", subject_id=str(user.id),
                               detail={"role": role, "employer_id": employer_id}))
        session.commit()
        session.refresh(user)
        return user


def token_id(token: str) -> str:
    """What a secret token from a cookie or link is stored as: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def too_many_failures(engine: Engine, email: str, client: str, now: dt.datetime | None = None) -> bool:
    since = (now or utcnow()) - ATTEMPT_WINDOW
    with Session(engine) as session:
        failed = select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.succeeded == False, LoginAttempt.at >= since)  # noqa: E712
        by_email = session.exec(failed.where(LoginAttempt.email == email)).one()
        by_client = session.exec(failed.where(LoginAttempt.ip == client)).one()
    return by_email >= MAX_FAILURES_PER_EMAIL or by_client >= MAX_FAILURES_PER_CLIENT


def check_password(engine: Engine, email: str, password: str, *, client: str) -> User | None:
    """The user when the password is right and the address is not locked out, else None (the failure counted).

    An invited user who has not chosen a password yet has none that works: checked against a dummy hash,
    like an unknown address, so the answer takes as long and says as little."""
    email = email.strip().lower()[:320]
    client = client[:64]
    if too_many_failures(engine, email, client):
        record_failure(engine, email, client)
        return None
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email, User.active == True)).first()  # noqa: E712
        usable = user is not None and user.password_set_at is not None
        try:
            _hasher.verify(user.password_hash if user and usable else _DUMMY_HASH, password)
            ok = usable
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None or user.id is None:
            record_failure(engine, email, client)
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
            session.add(user)
            session.commit()
            session.refresh(user)
        session.expunge(user)
        return user


def open_session(engine: Engine, user: User, *, client: str, user_agent: str | None = None,
                 now: dt.datetime | None = None) -> str:
    """A new session for a user who has passed every step of the login; returns the cookie's token."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    client = client[:64]
    with Session(engine) as session:
        session.add(WebSession(id=token_id(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                               created_at=now, expires_at=now + dt.timedelta(hours=SESSION_HOURS), last_seen_at=now,
                               client=client, user_agent=(user_agent or "")[:300] or None))
        session.add(LoginAttempt(email=user.email, ip=client, at=now, succeeded=True))
        session.add(AuditEvent(actor=user.email, action="login", subject_type="user", subject_id=str(user.id),
                               detail={"client": client}))
        session.commit()
    return token


def log_in(engine: Engine, email: str, password: str, *, client: str, user_agent: str | None = None) -> str | None:
    """A new session token when the password is right and the address is not locked out, else None.

    Both steps at once: only for a caller that has no second factor to ask (see `check_password`)."""
    user = check_password(engine, email, password, client=client)
    if user is None:
        return None
    return open_session(engine, user, client=client, user_agent=user_agent)


def record_failure(engine: Engine, email: str, client: str) -> None:
    """A failed login step (a wrong password or a wrong code): it counts towards the lockout."""
    _record_attempt(engine, email.strip().lower()[:320], client[:64], succeeded=False)


def _record_attempt(engine: Engine, email: str, client: str, *, succeeded: bool) -> None:
    with Session(engine) as session:
        session.add(LoginAttempt(email=email, ip=client, succeeded=succeeded))
        session.commit()


def signed_in(engine: Engine, token: str | None, now: dt.datetime | None = None) -> SignedIn | None:
    """The user behind a session token, or None when it is unknown, expired or the user is disabled."""
    if not token:
        return None
    now = now or utcnow()
    key = token_id(token)
    with Session(engine) as session:
        found = session.exec(select(WebSession, User, Employer.totp_required)  # type: ignore[call-overload]
                             .join(User, User.id == WebSession.user_id)
                             .outerjoin(Employer, Employer.id == User.employer_id)
                             .where(WebSession.id == key)).first()
        if found is None:
            return None
        web_session, user, employer_requires = found
        if _aware(web_session.expires_at) <= now or not user.active or user.id is None:
            return None
        if web_session.last_seen_at is None or _aware(web_session.last_seen_at) <= now - LAST_SEEN_EVERY:
            # Conditional, so two requests in the same minute write once; most requests write nothing.
            session.exec(update(WebSession).where(  # type: ignore[call-overload]
                col(WebSession.id) == key,
                or_(col(WebSession.last_seen_at).is_(None), col(WebSession.last_seen_at) <= now - LAST_SEEN_EVERY))
                .values(last_seen_at=now))
            session.commit()
        return SignedIn(user_id=user.id, email=user.email, role=user.role, employer_id=user.employer_id,
                        csrf_token=web_session.csrf_token, session_id=key,
                        totp_enabled=user.totp_enabled_at is not None, employer_requires_totp=bool(employer_requires))


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def log_out(engine: Engine, token: str | None) -> None:
    if not token:
        return
    with Session(engine) as session:
        session.exec(delete(WebSession).where(WebSession.id == token_id(token)))  # type: ignore[call-overload]
        session.commit()


def set_password(engine: Engine, email: str, password: str, *, actor: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens hebben")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None or user.id is None:
            raise UserError(f"er is geen gebruiker {email}")
        user.password_hash = _hasher.hash(password)
        user.password_set_at = utcnow()
        session.add(user)
        session.exec(delete(WebSession).where(WebSession.user_id == user.id))  # type: ignore[call-overload]
        session.exec(delete(TrustedDevice).where(TrustedDevice.user_id == user.id))  # type: ignore[call-overload]
        session.add(AuditEvent(actor=actor, action="password_set", subject_type="user", subject_id=str(user.id)))
        session.commit()


def demo_login(engine: Engine, email: str = "demo@bureau.example") -> tuple[str, str]:
    """A bureau user for `serve --demo`, with a fresh password each start; returns (email, password)."""
    password = secrets.token_urlsafe(12)
    with Session(engine) as session:
        exists = session.exec(select(User).where(User.email == email)).first() is not None
    if exists:
        set_password(engine, email, password, actor="demo")
    else:
        create_user(engine, email, role=UserRole.BUREAU, password=password, actor="demo")
    return email, password


def set_active(engine: Engine, user_id: int, active: bool, *, actor: str) -> None:
    """Switch a user on or off; switching off ends their sessions at once."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        if not active and user.email == actor:
            raise UserError("u kunt uzelf niet uitschakelen")
        user.active = active
        session.add(user)
        if not active:
            session.exec(delete(WebSession).where(WebSession.user_id == user_id))  # type: ignore[call-overload]
        session.add(AuditEvent(actor=actor, action="user_enabled" if active else "user_disabled",
                               subject_type="user", subject_id=str(user_id)))
        session.commit()


def all_users(engine: Engine) -> list[User]:
    with Session(engine) as session:
        return list(session.exec(select(User).order_by(User.email)))  # type: ignore[arg-type]
