"""The mails that carry an account link: the invitation to activate an account, and a password reset.

Each is added to the outbox in the session that stores its token (`workflows.accounts`
calls `on_issued` inside its transaction), so the link and its mail are committed together.
The link is in the mail and nowhere else: never in a log line, an audit event or a URL
we redirect to. Dutch; `Auto-Submitted: auto-generated` (RFC 3834), so an out-of-office
does not answer it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import make_msgid, parseaddr

from sqlmodel import Session

from loonbode.settings import Settings
from notifier.mailer import compose
from workflows.accounts import INVITE, LIFETIMES, RESET
from workflows.models import Employer, OutboundMessage, User, UserRole, UserToken, utcnow
from workflows.periods import AMSTERDAM

INVITE_KIND = "invitation"
RESET_KIND = "password_reset"

INVITATION = {
    "subject": "Uw account voor Loonbode{company}",
    "body": ("Goedendag,\n\n"
             "De salarisadministratie nodigt u uit voor Loonbode{company_long}: daar ziet u wat er met uw "
             "mutaties gebeurt en handelt u verlofaanvragen af.\n\n"
             "Activeer uw account en kies een eigen wachtwoord via deze link:\n\n{link}\n\n"
             "De link werkt één keer en tot {expires}. Is hij verlopen, dan kunt u op de pagina van de link "
             "een nieuwe aanvragen.\n\n"
             "U logt in met dit e-mailadres: {email}{two_factor}\n\n"
             "Deze mail kan in uw map met ongewenste mail (spam) terechtkomen. Zet {sender} in uw adresboek, "
             "dan komen volgende mails van ons (zoals een link voor een nieuw wachtwoord) gewoon binnen.\n\n"
             "Verwachtte u deze uitnodiging niet? Dan kunt u deze mail negeren; zonder de link gebeurt er niets.\n\n"
             "Met vriendelijke groet,\nDe salarisadministratie"),
    "two_factor": (".\nNa het kiezen van uw wachtwoord stelt u tweestapsverificatie in met een authenticator-app "
                   "op uw telefoon (bijvoorbeeld Microsoft Authenticator of Google Authenticator)."),
}
RESET_MAIL = {
    "subject": "Een nieuw wachtwoord voor Loonbode",
    "body": ("Goedendag,\n\n"
             "Er is gevraagd om een nieuw wachtwoord voor het Loonbode-account van {email}. Kies het via deze "
             "link:\n\n{link}\n\n"
             "De link werkt één keer en één uur lang, tot {expires}. Daarna vraagt u op de inlogpagina een "
             "nieuwe aan via 'Wachtwoord vergeten'.\n\n"
             "Heeft u dit niet gevraagd, dan kunt u deze mail negeren; uw wachtwoord blijft dan zoals het is.\n\n"
             "Met vriendelijke groet,\nDe salarisadministratie"),
}


def _moment(value: dt.datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M") + " (Nederlandse tijd)"


def _row(settings: Settings, user: User, subject: str, body: str, kind: str, now: dt.datetime) -> OutboundMessage:
    from_address = parseaddr(settings.from_address)[1] or settings.from_address
    message_id = make_msgid(idstring=f"loonbode-{kind}", domain=from_address.rpartition("@")[2] or None)
    raw = compose(from_address=settings.from_address, to_address=user.email, subject=subject, body=body,
                  message_id=message_id, extra_headers={"Auto-Submitted": "auto-generated"})
    return OutboundMessage(kind=kind, channel="mail", to_address=user.email, subject=subject, body=body,
                           message_id=message_id, raw=raw, created_at=now, next_attempt_at=now)


def queue_invitation(settings: Settings, session: Session, user: User, token: str, row: UserToken, *,
                     bureau_required: bool = True) -> OutboundMessage:
    """Add (not commit) the invitation with the activation link."""
    now = row.created_at or utcnow()
    employer = session.get(Employer, user.employer_id) if user.employer_id else None
    needs_two_factor = (user.role in (UserRole.ADMIN, UserRole.BUREAU) and bureau_required) or \
        bool(employer and employer.totp_required)
    values = {"company": f" ({employer.name})" if employer else "",
              "company_long": f" voor {employer.name}" if employer else "",
              "link": f"{settings.dashboard_url}/activate/{token}", "expires": _moment(row.expires_at),
              "email": user.email, "sender": parseaddr(settings.from_address)[1] or settings.from_address,
              "two_factor": INVITATION["two_factor"] if needs_two_factor else "."}
    message = _row(settings, user, INVITATION["subject"].format(**values), INVITATION["body"].format(**values),
                   INVITE_KIND, now)
    session.add(message)
    return message


def queue_reset(settings: Settings, session: Session, user: User, token: str, row: UserToken) -> OutboundMessage:
    """Add (not commit) the mail with the password reset link."""
    values = {"email": user.email, "link": f"{settings.dashboard_url}/reset/{token}",
              "expires": _moment(row.expires_at)}
    message = _row(settings, user, RESET_MAIL["subject"], RESET_MAIL["body"].format(**values), RESET_KIND,
                   row.created_at or utcnow())
    session.add(message)
    return message


def link_mailer(settings: Settings, purpose: str) -> Callable[[Session, User, str, UserToken], object]:
    """The `on_issued` hook for `workflows.accounts`: mails the link of that purpose."""
    assert purpose in LIFETIMES

    def mail(session: Session, user: User, token: str, row: UserToken) -> object:
        if purpose == INVITE:
            return queue_invitation(settings, session, user, token, row,
                                    bureau_required=settings.require_two_factor_for_bureau)
        assert purpose == RESET
        return queue_reset(settings, session, user, token, row)

    return mail
