"""The reminders' switches and timing, as an admin sets them: reading them with defaults, and saving.

Four kinds (`KINDS`, with their Dutch labels): `nothing_received` (employers that sent
nothing for the period, `days_before` working days before the deadline, 3 unless set),
`leave_waiting` (employers with leave requests waiting; the same day window as
`nothing_received`), `poortwachter` (the Wet verbetering poortwachter milestones of open
sick reports) and `bureau_digest` (the bureau's daily overview). A kind without a
`ReminderSetting` row is on with its defaults. A save that changes something leaves an
audit event with the old and the new values.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from workflows.models import AuditEvent, ReminderSetting

NOTHING_RECEIVED, LEAVE_WAITING, POORTWACHTER, BUREAU_DIGEST = (
    "nothing_received", "leave_waiting", "poortwachter", "bureau_digest")
KINDS: dict[str, str] = {
    NOTHING_RECEIVED: "Werkgevers die voor de periode nog niets stuurden, vóór de deadline",
    LEAVE_WAITING: "Werkgevers met verlofaanvragen die op een besluit wachten, vóór de deadline",
    POORTWACHTER: "Poortwachter-mijlpalen van open ziekmeldingen (werkgever en bureau)",
    BUREAU_DIGEST: "Dagoverzicht voor het bureau: nieuw, wachtend, te laat, per werkgever",
}
DEFAULT_DAYS_BEFORE: dict[str, int] = {NOTHING_RECEIVED: 3}  # kinds not named here have no timing
MAX_DAYS_BEFORE = 20  # about a month of working days: more would start before the period does


class ReminderSettingsError(ValueError):
    """The setting cannot be saved; the message says why, in Dutch."""


def get(source: Session | Engine, kind: str) -> tuple[bool, int | None]:
    """(enabled, days_before) for `kind`: as saved, else on with the default timing. KeyError for an unknown kind."""
    if kind not in KINDS:
        raise KeyError(kind)
    if isinstance(source, Session):
        row = source.get(ReminderSetting, kind)
    else:
        with Session(source) as session:
            row = session.get(ReminderSetting, kind)
    default = DEFAULT_DAYS_BEFORE.get(kind)
    if row is None:
        return True, default
    days = row.days_before if row.days_before is not None else default
    return row.enabled, days if kind in DEFAULT_DAYS_BEFORE else None


def get_all(source: Session | Engine) -> dict[str, tuple[bool, int | None]]:
    """Every kind's (enabled, days_before), in the order of KINDS."""
    if isinstance(source, Session):
        return {kind: get(source, kind) for kind in KINDS}
    with Session(source) as session:
        return {kind: get(session, kind) for kind in KINDS}


def save(engine: Engine, kind: str, enabled: bool, days_before: int | None, actor: str) -> tuple[bool, int | None]:
    """Store the switch (and, for a kind with timing, `days_before`; None keeps what it was); returns the result.

    LookupError for an unknown kind; ReminderSettingsError when days_before is out of range."""
    if kind not in KINDS:
        raise LookupError(kind)
    if kind not in DEFAULT_DAYS_BEFORE:
        days_before = None
    elif days_before is not None and not 0 <= days_before <= MAX_DAYS_BEFORE:
        raise ReminderSettingsError(f"Het aantal werkdagen vóór de deadline moet tussen 0 en {MAX_DAYS_BEFORE} "
                                    "liggen.")
    try:
        return _save(engine, kind, enabled, days_before, actor)
    except IntegrityError:  # another save made the row first: ours becomes an update of it
        return _save(engine, kind, enabled, days_before, actor)


def _save(engine: Engine, kind: str, enabled: bool, days_before: int | None, actor: str) -> tuple[bool, int | None]:
    with Session(engine) as session:
        row = session.get(ReminderSetting, kind, with_for_update=True)
        old = get(session, kind)
        if row is None:
            row = ReminderSetting(kind=kind)
        row.enabled = enabled
        if days_before is not None:
            row.days_before = days_before
        elif row.days_before is None and kind in DEFAULT_DAYS_BEFORE:
            row.days_before = DEFAULT_DAYS_BEFORE[kind]
        new = (row.enabled, row.days_before)
        if new != old:
            session.add(row)
            session.add(AuditEvent(actor=actor, action="reminder_settings_changed", subject_type="reminder_setting",
                                   subject_id=kind, detail={"old": {"enabled": old[0], "days_before": old[1]},
                                                            "new": {"enabled": new[0], "days_before": new[1]}}))
        session.commit()
        return new
