"""What an unproven sender means for a mail, per employer: require, warn or off.

The worker asks the `SenderChecker` after reading a mail and before its drafts are made
(`parsers.authenticity.check_sender` does the checking; DNS for the DKIM keys is passed
in). The verdict is kept on the message (`InboundMessage.sender_check`), whatever the
policy, so the queue can show it. Then, by the employer's `sender_policy` (or the
installation's LOONBODE_SENDER_POLICY):

- `require`: only a proven sender (`pass`) becomes drafts; anything else is quarantined
  with the reasons, unanswered, until a person releases it (`release_unproven`).
- `warn` (the default): a sender shown to be false (`fail`) is let through, and each of
  its drafts carries a warning with the reasons; an unchecked sender (`none`) is shown
  as such in the queue, not flagged.
- `off`: not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from parsers.authenticity import DnsTxt, SenderVerdict, check_sender
from workflows.models import AuditEvent, Employer

POLICIES = ("require", "warn", "off")
POLICY_LABELS = {"require": "verplicht (anders quarantaine)", "warn": "waarschuwen", "off": "uit"}
RESULT_LABELS = {"pass": "afzender bewezen", "fail": "afzender niet bewezen", "none": "afzender niet gecontroleerd"}


@dataclass(frozen=True)
class SenderDecision:
    policy: str
    verdict: SenderVerdict | None  # None when the policy is off

    @property
    def hold(self) -> bool:
        """Quarantine it: the employer requires proof and there is none."""
        return self.policy == "require" and self.verdict is not None and self.verdict.result != "pass"

    @property
    def flag(self) -> bool:
        """Let it through with a warning on every draft."""
        return self.policy == "warn" and self.verdict is not None and self.verdict.result == "fail"

    def record(self) -> dict[str, Any] | None:
        return None if self.verdict is None else {**self.verdict.model_dump(), "policy": self.policy}

    def reason(self) -> str:
        reasons = self.verdict.reasons if self.verdict else []
        return "afzender niet bewezen: " + ("; ".join(reasons) or "geen bewijs")


@dataclass(frozen=True)
class SenderChecker:
    default_policy: str = "warn"
    trusted_authserv_ids: Sequence[str] = ()
    dns_txt: DnsTxt | None = None

    def decide(self, session: Session, raw: bytes, employer_id: str) -> SenderDecision:
        employer = session.get(Employer, employer_id)
        policy = (employer.sender_policy if employer and employer.sender_policy else self.default_policy)
        if policy not in POLICIES or policy == "off":
            return SenderDecision("off", None)
        return SenderDecision(policy, check_sender(raw, trusted_authserv_ids=self.trusted_authserv_ids,
                                                   dns_txt=self.dns_txt))


def result_of(sender_check: dict[str, Any] | None) -> str | None:
    """pass, fail or none from a stored verdict; None when it was not checked."""
    return str(sender_check.get("result")) if sender_check else None


def dns_lookup() -> DnsTxt:
    """DKIM keys from DNS (dnspython through dkimpy), five seconds at most per lookup."""
    from dkim.dnsplug import get_txt

    return get_txt


def set_sender_policy(engine: Engine, employer_id: str, policy: str | None, *, actor: str) -> None:
    """The employer's own policy (require, warn, off), or None for the installation's; audited."""
    if policy is not None and policy not in POLICIES:
        raise ValueError(f"onbekend beleid {policy!r}: kies require, warn of off")
    with Session(engine) as session:
        employer = session.get(Employer, employer_id)
        if employer is None:
            raise LookupError(employer_id)
        before, employer.sender_policy = employer.sender_policy, policy
        session.add(employer)
        session.add(AuditEvent(actor=actor, action="sender_policy_changed", subject_type="employer",
                               subject_id=employer_id, detail={"from": before, "to": policy}))
        session.commit()
