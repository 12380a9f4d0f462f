"""Which addresses mail for which employer: adding and removing sender addresses, each audited.

An address belongs to one employer at most (the parser decides the employer from the
sender alone); adding one that another employer already has is refused, with a Dutch
message the bureau can act on. `claim_address` works inside the caller's session, so the
quarantine can add an address and release its mail in one transaction.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from workflows.models import AuditEvent, Employer, SenderAddress

_ADDRESS_RE = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+")
MAX_ADDRESS = 320


class SenderError(ValueError):
    """The address cannot be added or removed; the message says why, in Dutch."""


def normalize_address(address: str) -> str:
    """The address as stored (trimmed, lower-case); SenderError when it is no e-mail address."""
    cleaned = address.strip().lower()
    if not cleaned:
        raise SenderError("vul een e-mailadres in")
    if len(cleaned) > MAX_ADDRESS or not _ADDRESS_RE.fullmatch(cleaned):
        raise SenderError(f"'{cleaned[:80]}' is geen geldig e-mailadres")
    return cleaned


def owner_of(session: Session, address: str) -> SenderAddress | None:
    return session.exec(select(SenderAddress).where(SenderAddress.address == address.strip().lower())).first()


def claim_address(session: Session, employer_id: str, address: str, *, actor: str) -> bool:
    """Give `address` to the employer inside `session` (not committed). True when it was added,
    False when the employer already had it; SenderError when another employer has it."""
    employer = session.get(Employer, employer_id)
    if employer is None:
        raise LookupError(employer_id)
    address = normalize_address(address)
    existing = owner_of(session, address)
    if existing is not None:
        if existing.employer_id == employer_id:
            return False
        other = session.get(Employer, existing.employer_id)
        name = other.name if other else existing.employer_id
        raise SenderError(f"het adres {address} hoort al bij werkgever {name}; haal het daar eerst weg")
    row = SenderAddress(employer_id=employer_id, address=address)
    session.add(row)
    session.flush()  # the id, for the audit: the address itself stays out of it
    session.add(AuditEvent(actor=actor, action="sender_added", subject_type="employer", subject_id=employer_id,
                           detail={"sender_address_id": row.id}))
    return True


def add_sender(engine: Engine, employer_id: str, address: str, *, actor: str) -> bool:
    """Add a sender address to an employer; True when added, False when it was there already."""
    with Session(engine) as session:
        try:
            added = claim_address(session, employer_id, address, actor=actor)
            session.commit()
        except IntegrityError as exc:  # someone else took it a moment ago
            session.rollback()
            raise SenderError(f"het adres {normalize_address(address)} is zojuist aan een andere werkgever "
                              "gegeven; vernieuw de pagina") from exc
        return added


def remove_sender(engine: Engine, employer_id: str, address_id: int, *, actor: str) -> str:
    """Remove one of an employer's sender addresses; returns the address. LookupError when the
    employer has no such address."""
    with Session(engine) as session:
        row = session.get(SenderAddress, address_id)
        if row is None or row.employer_id != employer_id:
            raise LookupError(address_id)
        address = row.address
        session.delete(row)
        session.add(AuditEvent(actor=actor, action="sender_removed", subject_type="employer",
                               subject_id=employer_id, detail={"sender_address_id": address_id}))
        session.commit()
        return address
