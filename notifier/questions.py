"""A question from the bureau to the employer about one draft, in the mail's own thread.

The question goes out through the outbox like every other mail, answering the employer's
original message (In-Reply-To/References, "Re:" subject), in the language they wrote in,
with BSN and IBAN masked. The outbound row remembers the draft, so the employer's answer
— a reply in that thread — is found again by `workflows.review.answered_drafts`.
"""

from __future__ import annotations

from email.utils import make_msgid, parseaddr

from sqlalchemy import Engine
from sqlmodel import Session

from loonbode.settings import Settings
from notifier.confirmations import reply_subject, thread_headers
from notifier.mailer import compose
from parsers.labels import type_label
from parsers.masking import mask_secrets
from parsers.mime import read_mail
from workflows.models import InboundMessage, OutboundMessage, utcnow
from workflows.rawstore import read_raw
from workflows.retention import purged_notice
from workflows.review import QUESTION_KIND, ReviewError, record_question
from workflows.review_queue import visible_draft

TEXT = {
    "nl": ("Goedendag,\n\nOver uw mail \"{subject}\" (referentie LB-{ref}) hebben wij een vraag over de "
           "{what}{who}:\n\n{question}\n\nU kunt gewoon op deze mail antwoorden.\n\nMet vriendelijke groet,\n"
           "De salarisadministratie"),
    "en": ("Hello,\n\nAbout your e-mail \"{subject}\" (reference LB-{ref}) we have a question about the "
           "{what}{who}:\n\n{question}\n\nJust reply to this e-mail.\n\nKind regards,\nThe payroll team"),
}


def ask_employer(engine: Engine, settings: Settings, draft_id: int, question: str, *, scope: str | None,
                 actor: str) -> OutboundMessage:
    """Queue the question for sending and note it on the draft, in one transaction."""
    question = question.strip()
    if not question:
        raise ReviewError("schrijf eerst de vraag")
    with Session(engine) as session:
        draft = visible_draft(session, draft_id, scope)
        if draft is None:
            raise LookupError(draft_id)
        inbound = session.get(InboundMessage, draft.inbound_id)
        if inbound is None or not inbound.sender:
            raise ReviewError("de oorspronkelijke mail heeft geen afzender om te antwoorden")
        if inbound.purged_at is not None:
            raise ReviewError(f"{purged_notice(settings.retention_days)} Er kan niet meer in die draad worden "
                              "gevraagd; mail de werkgever zelf.")
        original = read_mail(read_raw(settings.data_dir, inbound.raw_path))
        language = inbound.language if inbound.language in TEXT else "nl"
        from_address = parseaddr(settings.from_address)[1] or settings.from_address
        message_id = make_msgid(idstring="loonbode-vraag", domain=from_address.rpartition("@")[2] or None)
        in_reply_to, references = thread_headers(settings, inbound, original.message_id)
        subject = mask_secrets(reply_subject(original.subject, language))[:900]
        who = f" van {draft.employee_name}" if language == "nl" and draft.employee_name else (
            f" for {draft.employee_name}" if draft.employee_name else "")
        body = mask_secrets(TEXT[language].format(subject=" ".join(original.subject.split()), ref=inbound.id,
                                                  what=type_label(draft.type, language), who=who,
                                                  question=question))
        now = utcnow()
        raw = compose(from_address=settings.from_address, to_address=inbound.sender, subject=subject, body=body,
                      message_id=message_id, in_reply_to=in_reply_to, references=references)
        row = OutboundMessage(kind=QUESTION_KIND, channel="mail", to_address=inbound.sender, subject=subject, body=body,
                              message_id=message_id, in_reply_to=in_reply_to, references=references,
                              related_inbound_id=inbound.id, related_draft_id=draft_id, raw=raw, created_at=now,
                              next_attempt_at=now)
        session.add(row)
        record_question(session, draft, question, actor=actor, message_id=message_id)
        session.commit()
        session.refresh(row)
        return row
