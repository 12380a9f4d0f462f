"""Employers as the bureau sees them: an overview with counts, one employer's staff and
senders, and importing an uploaded roster file (`roster.json` or a CSV, see
`workflows.roster_store`) with every failure turned into a Dutch message.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from parsers.roster import Roster
from workflows.models import DraftRow, DraftStatus, Employee, Employer, SenderAddress
from workflows.roster_store import RosterError, import_roster, roster_from_csv

MAX_ROSTER_BYTES = 5 * 1024 * 1024


@dataclass
class EmployerSummary:
    id: str
    name: str
    senders: list[SenderAddress] = field(default_factory=list)
    employees: int = 0
    open_drafts: int = 0


@dataclass
class EmployerDetail:
    summary: EmployerSummary
    staff: list[Employee]


def employer_overview(session: Session) -> list[EmployerSummary]:
    """Every employer by name, with its sender addresses, head count and drafts still to review."""
    senders: dict[str, list[SenderAddress]] = defaultdict(list)
    for address in session.exec(select(SenderAddress).order_by(col(SenderAddress.address))):
        senders[address.employer_id].append(address)
    staff = dict(session.exec(select(Employee.employer_id, func.count()).group_by(col(Employee.employer_id))).all())
    open_drafts = dict(session.exec(select(DraftRow.employer_id, func.count())
                                    .where(DraftRow.status == DraftStatus.NEW)
                                    .group_by(col(DraftRow.employer_id))).all())
    employers = session.exec(select(Employer)).all()
    return sorted((EmployerSummary(id=e.id, name=e.name, senders=senders[e.id], employees=staff.get(e.id, 0),
                                   open_drafts=open_drafts.get(e.id, 0)) for e in employers),
                  key=lambda s: (s.name.lower(), s.id))


def employer_detail(session: Session, employer_id: str) -> EmployerDetail | None:
    employer = session.get(Employer, employer_id)
    if employer is None:
        return None
    senders = list(session.exec(select(SenderAddress).where(SenderAddress.employer_id == employer_id)
                                .order_by(col(SenderAddress.address))))
    staff = list(session.exec(select(Employee).where(Employee.employer_id == employer_id)))
    staff.sort(key=lambda e: (len(e.number), e.number))  # 9 before 10
    open_drafts = session.exec(select(func.count()).select_from(DraftRow)
                               .where(DraftRow.employer_id == employer_id, DraftRow.status == DraftStatus.NEW)).one()
    summary = EmployerSummary(id=employer.id, name=employer.name, senders=senders, employees=len(staff),
                              open_drafts=open_drafts)
    return EmployerDetail(summary=summary, staff=staff)


_ERROR_TEXT = {"missing": "ontbreekt", "float_parsing": "is geen getal (gebruik een punt: 24.5)",
               "float_type": "is geen getal", "int_parsing": "is geen geheel getal", "date_from_datetime_parsing":
               "is geen datum (JJJJ-MM-DD)", "date_parsing": "is geen datum (JJJJ-MM-DD)", "date_type":
               "is geen datum (JJJJ-MM-DD)", "string_type": "moet tekst zijn", "list_type": "moet een lijst zijn",
               "literal_error": "is geen toegestane waarde"}


def _validation_message(exc: ValidationError) -> str:
    """The first few problems, each as `where: what`, readable for the bureau."""
    shown = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        what = _ERROR_TEXT.get(error.get("type", ""), error.get("msg", ""))
        value = error.get("input")
        if isinstance(value, str | int | float) and error.get("type") != "missing":
            what = f"'{str(value)[:40]}' {what}"
        shown.append(f"{where}: {what}" if where else what)
    more = f" (en nog {exc.error_count() - 3} fout(en))" if exc.error_count() > 3 else ""
    return "; ".join(shown) + more


def roster_from_upload(filename: str, data: bytes) -> Roster:
    """The roster in an uploaded file; RosterError (in Dutch) for anything that is not one."""
    name = filename.strip().lower()
    if not name.endswith((".json", ".csv")):
        raise RosterError("kies een .json- of .csv-bestand")
    if not data.strip():
        raise RosterError("het bestand is leeg")
    if len(data) > MAX_ROSTER_BYTES:
        raise RosterError(f"het bestand is groter dan {MAX_ROSTER_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError("het bestand is geen UTF-8-tekst; sla het op als UTF-8 en probeer opnieuw") from exc
    if name.endswith(".csv"):
        try:
            roster = roster_from_csv(text)
        except csv.Error as exc:
            raise RosterError(f"de CSV is niet te lezen: {exc}") from exc
        except RosterError as exc:  # pydantic's own text is long and English: say it shorter
            if isinstance(exc.__cause__, ValidationError):
                raise RosterError(f"de CSV bevat ongeldige waarden: {_validation_message(exc.__cause__)}") from exc
            raise
    else:
        try:
            roster = Roster.model_validate_json(text)
        except ValidationError as exc:
            if any(e.get("type") == "json_invalid" for e in exc.errors()):
                raise RosterError("het bestand is geen geldige JSON") from exc
            raise RosterError(f"het JSON-bestand klopt niet: {_validation_message(exc)}") from exc
    if not roster.employers:
        raise RosterError("het bestand bevat geen werkgevers")
    return roster


def _check_roster(session: Session, roster: Roster) -> None:
    """Refuse what the import would trip over: one address for two employers, one number twice."""
    in_file = {e.id for e in roster.employers}
    owners: dict[str, str] = {}
    for employer in roster.employers:
        for address in employer.senders:
            if owners.setdefault(address, employer.id) != employer.id:
                raise RosterError(f"het adres {address} staat bij twee werkgevers ({owners[address]} en "
                                  f"{employer.id})")
        twice = [n for n, count in Counter(e.number for e in employer.employees).items() if count > 1]
        if twice:
            raise RosterError(f"werkgever {employer.id}: personeelsnummer {twice[0]} komt twee keer voor")
    if owners:
        taken = session.exec(select(SenderAddress).where(col(SenderAddress.address).in_(list(owners)))).all()
        for row in taken:
            if row.employer_id not in in_file:
                raise RosterError(f"het adres {row.address} hoort al bij werkgever {row.employer_id}, die niet in "
                                  "het bestand staat; haal het daar eerst weg")


def import_upload(engine: Engine, filename: str, data: bytes, *, actor: str) -> tuple[int, int]:
    """Import an uploaded roster file; returns (employers, employees). RosterError says what is wrong."""
    roster = roster_from_upload(filename, data)
    with Session(engine) as session:
        _check_roster(session, roster)
    try:
        return import_roster(engine, roster, actor=actor)
    except IntegrityError as exc:  # e.g. an address moving between two employers in the file
        raise RosterError("het bestand botst met wat al is vastgelegd (een afzenderadres of personeelsnummer); "
                          "er is niets veranderd") from exc
