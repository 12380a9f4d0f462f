"""The database tables: who mails us, what arrived, what it became, and what went out.

Raw mail lives in content-addressed files in the data dir (`raw_path`); the tables hold
the envelope, the parse state and the drafts. JSON columns keep fields, sources and
issues exactly as the parser produced them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Employer(SQLModel, table=True):
    __tablename__ = "employers"

    id: str = Field(primary_key=True, max_length=100)
    name: str = Field(max_length=200)
    # What an unproven sender means for this employer's mail: require (quarantine it), warn (flag its
    # drafts), off; None: the installation's LOONBODE_SENDER_POLICY (workflows/sender_checks.py).
    sender_policy: str | None = Field(default=None, max_length=10)
    totp_required: bool = False  # its dashboard users must use two-factor login (bureau users always must)
    template_sent_at: dt.datetime | None = None  # the Excel template went with its first confirmation


class SenderAddress(SQLModel, table=True):
    __tablename__ = "sender_addresses"

    id: int | None = Field(default=None, primary_key=True)
    employer_id: str = Field(foreign_key="employers.id", index=True, max_length=100)
    address: str = Field(unique=True, max_length=320)  # lower-case


class Employee(SQLModel, table=True):
    __tablename__ = "employees"
    __table_args__ = (UniqueConstraint("employer_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    employer_id: str = Field(foreign_key="employers.id", index=True, max_length=100)
    number: str = Field(max_length=40)
    first_name: str = Field(max_length=120)
    prefix: str = Field(default="", max_length=40)
    last_name: str = Field(max_length=160)
    birth_date: dt.date | None = None
    hours_per_week: float | None = None
    email: str | None = Field(default=None, max_length=320)
    work_days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
                                 sa_column=Column(JSON, nullable=False))
    start_date: dt.date | None = None
    paid_hourly: bool = False  # paid by the hour: a period without hours for them is incomplete

    @property
    def full_name(self) -> str:
        """"Stijn van der Linden": first name, prefix and last name as they are written."""
        return " ".join(p for p in (self.first_name, self.prefix, self.last_name) if p)


class InboundStatus:
    RECEIVED = "received"  # stored, waiting for the worker
    PROCESSING = "processing"  # claimed by a worker
    PARSED = "parsed"  # drafts made (possibly none)
    QUARANTINED = "quarantined"  # unknown sender: held for a person
    AUTO_REPLY = "auto_reply"  # automatic reply: stored, never answered
    BULK = "bulk"  # newsletter or mailing list
    DUPLICATE = "duplicate"  # the same mail arrived before
    FAILED = "failed"  # processing failed; kept with the error, can be retried
    DISCARDED = "discarded"  # quarantined mail a person threw away; the raw mail is kept


class InboundMessage(SQLModel, table=True):
    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)  # smtp, imap, telegram, dashboard
    received_at: dt.datetime = Field(default_factory=utcnow)
    envelope_from: str | None = Field(default=None, max_length=320)
    envelope_to: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message_id: str | None = Field(default=None, index=True, max_length=998)
    content_sha256: str = Field(index=True, max_length=64)
    raw_path: str = Field(max_length=300)
    size: int
    status: str = Field(default=InboundStatus.RECEIVED, max_length=20)
    status_detail: str | None = None
    employer_id: str | None = Field(default=None, index=True, max_length=100)
    sender: str | None = Field(default=None, max_length=320)
    subject: str | None = None
    language: str | None = Field(default=None, max_length=5)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: dt.datetime | None = None
    attempts: int = 0
    processed_at: dt.datetime | None = None
    duplicate_of: int | None = None
    issues: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The raw file was deleted after the retention period (workflows/retention.py); raw_path is then "".
    purged_at: dt.datetime | None = None
    # Who really sent it (parsers.authenticity.SenderVerdict as JSON), checked before it became drafts.
    sender_check: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class MessageKey(SQLModel, table=True):
    """One row per distinct mail (Message-ID, or content hash without one): the first wins."""

    __tablename__ = "message_keys"

    key: str = Field(primary_key=True, max_length=1000)
    inbound_id: int = Field(foreign_key="inbound_messages.id")


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int = Field(foreign_key="inbound_messages.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=200)
    size: int
    sha256: str = Field(max_length=64)


class DraftStatus:
    NEW = "new"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPORTED = "exported"
    DUPLICATE = "duplicate"

    LIVE = (NEW, APPROVED, EXPORTED)  # what a draft counts for: not rejected, not a duplicate


class DraftRow(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_status_id", "status", "id"),
                      Index("ix_drafts_employer_status", "employer_id", "status"),
                      # The queue's counts per employer, answered from the index alone.
                      Index("ix_drafts_status_employer", "status", "employer_id"))

    id: int | None = Field(default=None, primary_key=True)
    # The mail it was read from; None for a draft made by a decision elsewhere (approved unpaid or
    # parental leave, see leave_request_id).
    inbound_id: int | None = Field(default=None, foreign_key="inbound_messages.id", index=True)
    leave_request_id: int | None = Field(default=None, foreign_key="leave_requests.id", index=True)
    employer_id: str | None = Field(default=None, max_length=100)
    type: str = Field(max_length=40)
    employee_id: str | None = Field(default=None, max_length=40)
    employee_name: str | None = Field(default=None, max_length=300)
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    confidence: float = 0.0
    issues: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=DraftStatus.NEW, max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    # The payroll month the mutation belongs to (YYYY-MM), for filtering and export.
    period: str | None = Field(default=None, max_length=10, index=True)  # "2026-03", four-weekly "2026-P04"
    decided_by: str | None = Field(default=None, max_length=320)
    decided_at: dt.datetime | None = None
    reason: str | None = None  # why it was rejected, or the question asked
    duplicate_of: int | None = None
    export_id: int | None = Field(default=None, index=True)


class OutboundStatus:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; kept with the error


class OutboundMessage(SQLModel, table=True):
    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)  # confirmation, question, notification
    channel: str = Field(default="mail", max_length=20)
    to_address: str = Field(max_length=320)
    subject: str
    body: str
    message_id: str = Field(unique=True, max_length=998)
    in_reply_to: str | None = Field(default=None, max_length=998)
    references: str | None = None
    related_inbound_id: int | None = Field(default=None, index=True)
    related_draft_id: int | None = Field(default=None, index=True)  # the draft a question is about
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    status: str = Field(default=OutboundStatus.PENDING, max_length=20)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)  # a draft's history

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=200)  # "system", "smtp", a user's e-mail
    action: str = Field(max_length=60)
    subject_type: str = Field(max_length=40)
    subject_id: str = Field(max_length=100)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ImapLedger(SQLModel, table=True):
    """Every mailbox message we saw, keyed on folder, UIDVALIDITY and UID."""

    __tablename__ = "imap_ledger"
    __table_args__ = (UniqueConstraint("folder", "uidvalidity", "uid"),)

    id: int | None = Field(default=None, primary_key=True)
    folder: str = Field(max_length=200)
    uidvalidity: int
    uid: int
    status: str = Field(max_length=20)  # stored, moved, failed
    inbound_id: int | None = None
    error: str | None = None
    seen_at: dt.datetime = Field(default_factory=utcnow)


class UserRole:
    ADMIN = "admin"  # users, employers, settings, and all a bureau user can do
    BUREAU = "bureau"  # the queue of every employer
    EMPLOYER = "employer"  # its own company only

    ALL = (ADMIN, BUREAU, EMPLOYER)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320)  # lower-case
    password_hash: str = Field(max_length=300)  # argon2id
    role: str = Field(max_length=20)
    employer_id: str | None = Field(default=None, foreign_key="employers.id", max_length=100)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)
    password_set_at: dt.datetime | None = None  # None: invited, no personal password yet
    totp_secret: str | None = Field(default=None, max_length=64)  # base32; set while setting up or in use
    totp_enabled_at: dt.datetime | None = None  # two-factor login is on
    totp_last_step: int | None = None  # the last 30-second step a code was used in: no replay


class UserToken(SQLModel, table=True):
    """A single-use link mailed to a user: an invitation to activate the account, or a password reset.
    Only the token's SHA-256 is stored."""

    __tablename__ = "user_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    purpose: str = Field(max_length=20)  # invite, reset
    token_hash: str = Field(unique=True, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=320)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


class RecoveryCode(SQLModel, table=True):
    """A one-time code that stands in for the authenticator app; only its hash is stored."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: dt.datetime | None = None


class TrustedDevice(SQLModel, table=True):
    """A browser where the second factor was given, remembered (cookie token, only its hash stored)."""

    __tablename__ = "trusted_devices"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie token
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime  # at most 30 days after created_at


class WebSession(SQLModel, table=True):
    """A dashboard login. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie token
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    last_seen_at: dt.datetime | None = None
    client: str | None = Field(default=None, max_length=64)  # the IP address it was opened from
    user_agent: str | None = Field(default=None, max_length=300)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"), Index("ix_login_attempts_ip_at", "ip", "at"))

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    ip: str = Field(max_length=64)
    at: dt.datetime = Field(default_factory=utcnow)
    succeeded: bool = False


class ExportBatch(SQLModel, table=True):
    """One export of an employer's approved mutations for a payroll period."""

    __tablename__ = "exports"

    id: int | None = Field(default=None, primary_key=True)
    employer_id: str = Field(foreign_key="employers.id", index=True, max_length=100)
    period: str = Field(max_length=10)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=320)
    draft_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    files: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # name -> sha256


class ExportCode(SQLModel, table=True):
    """An employer's own Nmbrs code for a mutation kind (an hour code or a wage component)."""

    __tablename__ = "export_codes"
    __table_args__ = (UniqueConstraint("employer_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    employer_id: str = Field(foreign_key="employers.id", index=True, max_length=100)
    kind: str = Field(max_length=60)  # e.g. "hours:overtime:125", "one_off_payment", "expense"
    code: str = Field(max_length=60)


# Leave: settings per employer, requests, and the ledger whose entries make the balance.
# Hours are stored as whole MINUTES (int) everywhere, so sums never drift; the API in
# workflows/leave_ledger.py takes and gives hours.


class LeaveSettings(SQLModel, table=True):
    """An employer's leave rules; an employer without a row gets the defaults."""

    __tablename__ = "leave_settings"

    employer_id: str = Field(primary_key=True, foreign_key="employers.id", max_length=100)
    extra_minutes_per_year: int = 0  # extra-statutory, for a 40-hour week; pro rata by contract hours
    negative_limit_minutes: int = 0  # how far the balance may go below zero
    holidays_free: bool = True  # public holidays cost no leave


class LeaveStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    ACTIVE = (PENDING, APPROVED)  # the ones another request may not overlap


class LeaveRequestRow(SQLModel, table=True):
    __tablename__ = "leave_requests"
    __table_args__ = (Index("ix_leave_requests_employee_dates", "employee_id", "start_date", "end_date"),)

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="employees.id", index=True)
    leave_type: str = Field(max_length=40)
    start_date: dt.date
    end_date: dt.date  # inclusive
    minutes: int  # the leave hours asked, in minutes
    status: str = Field(default=LeaveStatus.PENDING, max_length=20)
    channel: str = Field(max_length=20)  # dashboard, mail, telegram
    text: str | None = None  # the employee's own words
    created_at: dt.datetime = Field(default_factory=utcnow)
    decided_at: dt.datetime | None = None
    decided_by: str | None = Field(default=None, max_length=320)
    reason: str | None = None  # why it was rejected
    negative: bool = False  # approving it took the balance below zero (within the employer's limit)
    reminded_at: dt.datetime | None = None  # the one reminder to the employer of a request left open


class DecisionLink(SQLModel, table=True):
    """An approve or reject link mailed to an employer: the nonce inside the signed token, so each
    link is used once (`used_at`) and stops working at `expires_at`."""

    __tablename__ = "decision_links"

    nonce: str = Field(primary_key=True, max_length=64)
    request_id: int = Field(foreign_key="leave_requests.id", index=True)
    action: str = Field(max_length=10)  # approve, reject
    recipient: str = Field(max_length=320)  # the address it was mailed to (the decision's actor)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


class LeaveKind:
    STATUTORY = "statutory"  # wettelijk: 4 × weekly hours a year, expires 1 July of the next year
    EXTRA = "extra"  # bovenwettelijk: per employer, expires after 5 years

    ALL = (STATUTORY, EXTRA)


class LeaveEntryType:
    ACCRUAL = "accrual"  # +
    TAKEN = "taken"  # -
    EXPIRED = "expired"  # -
    CORRECTION = "correction"  # ±
    CANCELLED = "cancelled"  # + (gives back what a request took)


class LeaveEntry(SQLModel, table=True):
    """One change to one bucket (employee, kind, accrual year); the balance is the sum."""

    __tablename__ = "leave_entries"
    __table_args__ = (UniqueConstraint("employee_id", "dedupe_key"),
                      Index("ix_leave_entries_bucket", "employee_id", "kind", "year"))

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="employees.id", index=True)
    kind: str = Field(max_length=20)
    entry_type: str = Field(max_length=20)
    minutes: int  # signed
    year: int  # the accrual year of the bucket
    expires_on: dt.date  # the first day the bucket's hours are gone
    request_id: int | None = Field(default=None, foreign_key="leave_requests.id", index=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=320)
    note: str | None = None
    # Makes a repeated step a no-op the database enforces: "accrual:statutory:2026",
    # "taken:12:extra:2025", "cancelled:12:extra:2025", "expired:statutory:2025:0". None for corrections.
    dedupe_key: str | None = Field(default=None, max_length=120)


class TelegramChat(SQLModel, table=True):
    """One Telegram chat: who it is linked to, and where its conversation stands (so a restart
    mid-conversation continues)."""

    __tablename__ = "telegram_chats"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    employee_id: int | None = Field(default=None, foreign_key="employees.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)  # an employer contact's chat
    language: str = Field(default="nl", max_length=5)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    failed_codes: int = 0
    locked_until: dt.datetime | None = None
    linked_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=utcnow)


class LinkCode(SQLModel, table=True):
    """A one-time code that links a chat to an employee or to a dashboard user (an employer contact who
    decides on leave in Telegram); only its hash is stored."""

    __tablename__ = "link_codes"

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int | None = Field(default=None, foreign_key="employees.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    code_hash: str = Field(max_length=64, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


# Payroll periods: when each employer's payroll runs, what is due before it, and what was
# said to whom around it (workflows/payroll_periods.py, notifier/documents_ready.py,
# notifier/reminders.py).


class PayrollSchedule(SQLModel, table=True):
    """How an employer's payroll runs; an employer without a row runs monthly on the 25th."""

    __tablename__ = "payroll_schedules"

    employer_id: str = Field(primary_key=True, foreign_key="employers.id", max_length=100)
    frequency: str = Field(default="monthly", max_length=20)  # monthly, four_weekly
    run_day: int = 25  # monthly: the day of the month the payroll runs (earlier working day if not one)
    deadline_working_days: int = 5  # mutations are due this many working days before the run


class PayrollPeriod(SQLModel, table=True):
    """One payroll period of one employer. Its stage (open, mutations received, approved, exported)
    follows from its drafts; `run_done_at` is the bureau saying the payroll ran."""

    __tablename__ = "payroll_periods"
    __table_args__ = (UniqueConstraint("employer_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    employer_id: str = Field(foreign_key="employers.id", index=True, max_length=100)
    period: str = Field(max_length=10)
    starts_on: dt.date
    ends_on: dt.date
    run_date: dt.date
    deadline: dt.date
    run_done_at: dt.datetime | None = None
    run_done_by: str | None = Field(default=None, max_length=320)
    notices_queued_at: dt.datetime | None = None  # the "documents ready" messages are in the outbox


class SentNotice(SQLModel, table=True):
    """One notice or reminder given once: the key names what and to whom ("documents:12:mail:a@b.nl",
    "poortwachter:88:6:bureau"); the unique key makes a second writer fail instead of sending twice."""

    __tablename__ = "sent_notices"

    key: str = Field(primary_key=True, max_length=300)
    kind: str = Field(max_length=40)
    outbound_id: int | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class ReminderSetting(SQLModel, table=True):
    """A reminder's switch and timing, set by an admin; a kind without a row is on with its defaults."""

    __tablename__ = "reminder_settings"

    kind: str = Field(primary_key=True, max_length=40)
    enabled: bool = True
    days_before: int | None = None  # working days before the deadline, where the kind has one


class DataChangeRequest(SQLModel, table=True):
    """An employee's request (in Telegram, /gegevens) to change their own data; the employer confirms it,
    and it becomes a `personal_data_change` draft for the bureau."""

    __tablename__ = "data_change_requests"

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="employees.id", index=True)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    text: str | None = None  # the employee's own words
    status: str = Field(default="pending", max_length=20)  # pending, confirmed, rejected
    created_at: dt.datetime = Field(default_factory=utcnow)
    decided_at: dt.datetime | None = None
    decided_by: str | None = Field(default=None, max_length=320)
    draft_id: int | None = None
