"""Who really sent a mail: DKIM signatures, and SPF/DMARC as our own receiving server judged them.

Anyone can put an employer's address in a From line, so before a mail becomes drafts the
worker asks `check_sender`:

- DKIM (dkimpy): every DKIM-Signature (at most `MAX_SIGNATURES`) is verified; a valid
  signature counts when its domain (d=) is aligned with the From domain (the same
  organisational domain: the last two labels, which is right for .nl and .com addresses;
  a public-suffix list would be needed for co.uk-style domains). The public keys come from
  DNS through `dns_txt`, an argument, so this module itself does no network I/O.
- SPF and DMARC are not recomputed here: they are read from the topmost
  Authentication-Results header, and only when its authserv-id is one of
  `trusted_authserv_ids` (the bureau's own MTA, set in LOONBODE_TRUSTED_AUTHSERV_IDS). A
  lower Authentication-Results header may come from anywhere, including the sender, and
  is never believed.

The verdict: `pass` when an aligned DKIM signature verifies or the trusted DMARC result
is pass; `fail` when the trusted DMARC or SPF result is fail, or every aligned signature
fails, with no pass beside it; `none` when there is nothing to judge by (no signature, no
trusted result). `reasons` say why, in Dutch, for the queue.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Sequence
from email.utils import getaddresses
from typing import Literal

import authres
import dkim
import dkim.util
from pydantic import BaseModel, ConfigDict

MAX_SIGNATURES = 5
Result = Literal["pass", "fail", "none"]
DnsTxt = Callable[..., bytes | None]  # dkimpy's dnsfunc: (name: bytes, timeout=...) -> the TXT record


SignatureResult = Literal["pass", "fail", "temperror", "permerror", "unchecked"]


class SignatureCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    domain: str
    selector: str
    result: SignatureResult
    aligned: bool


class SenderVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    result: Result
    from_domain: str | None = None
    signatures: list[SignatureCheck] = []
    authserv_id: str | None = None  # the trusted Authentication-Results header read, if any
    spf: str | None = None
    dmarc: str | None = None
    reasons: list[str] = []


def organisational_domain(domain: str) -> str:
    labels = [label for label in domain.lower().strip(".").split(".") if label]
    return ".".join(labels[-2:])


def _from_domain(message: email.message.Message) -> str | None:
    found = [address for _, address in getaddresses([str(v) for v in message.get_all("From", [])]) if "@" in address]
    if len(found) != 1:  # none, or several From addresses: no single domain to align with
        return None
    return found[0].rpartition("@")[2].lower().strip(".") or None


def _signature_tags(value: str) -> dict[bytes, bytes]:
    try:
        return dkim.util.parse_tag_value("".join(value.split()).encode("ascii", "replace"))
    except Exception:  # a malformed signature is not a signature we can name
        return {}


def _check_signatures(raw: bytes, message: email.message.Message, from_domain: str | None,
                      dns_txt: DnsTxt | None) -> list[SignatureCheck]:
    checks = []
    values = [str(v) for v in message.get_all("DKIM-Signature", [])][:MAX_SIGNATURES]
    for index, value in enumerate(values):
        tags = _signature_tags(value)
        domain = tags.get(b"d", b"").decode("ascii", "replace").lower()
        selector = tags.get(b"s", b"").decode("ascii", "replace")
        aligned = bool(domain and from_domain and organisational_domain(domain) == organisational_domain(from_domain))
        if dns_txt is None:
            checks.append(SignatureCheck(domain=domain, selector=selector, result="unchecked", aligned=aligned))
            continue
        checks.append(SignatureCheck(domain=domain, selector=selector, result=_verify(raw, index, dns_txt),
                                     aligned=aligned))
    return checks


def _verify(raw: bytes, index: int, dns_txt: DnsTxt) -> SignatureResult:
    lookup_failed: list[BaseException] = []

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        try:
            return dns_txt(name, timeout=timeout)
        except BaseException as exc:  # dkimpy turns some DNS errors into a plain False: remember them
            lookup_failed.append(exc)
            raise

    try:
        valid = dkim.DKIM(raw).verify(idx=index, dnsfunc=lookup)
    except dkim.ValidationError:  # the body or the signed headers changed, or the signature is wrong
        return "fail"
    except (dkim.DKIMException, ValueError, IndexError, UnicodeError):
        return "temperror" if lookup_failed else "permerror"
    except Exception:  # the DNS lookup itself failed (timeout, SERVFAIL)
        return "temperror"
    if valid:
        return "pass"
    return "temperror" if lookup_failed else "fail"


def _trusted_results(message: email.message.Message,
                     trusted_authserv_ids: Sequence[str]) -> tuple[str | None, dict[str, str]]:
    headers = message.get_all("Authentication-Results", [])
    if not headers or not trusted_authserv_ids:
        return None, {}
    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(" ".join(str(headers[0]).split()))
    except Exception:  # unreadable: believe nothing
        return None, {}
    authserv_id = str(parsed.authserv_id or "").lower()
    if authserv_id not in {t.strip().lower() for t in trusted_authserv_ids if t.strip()}:
        return None, {}
    results: dict[str, str] = {}
    for found in parsed.results:
        results.setdefault(str(found.method).lower(), str(found.result).lower())
    return authserv_id, results


def check_sender(raw: bytes, *, trusted_authserv_ids: Sequence[str] = (),
                 dns_txt: DnsTxt | None = None) -> SenderVerdict:
    """How sure we are the mail comes from its From domain; never raises."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:
        return SenderVerdict(result="none", reasons=["de mail is niet te lezen; afzender niet te controleren"])
    from_domain = _from_domain(message)
    signatures = _check_signatures(raw, message, from_domain, dns_txt)
    authserv_id, results = _trusted_results(message, trusted_authserv_ids)
    spf, dmarc = results.get("spf"), results.get("dmarc")
    reasons = []
    aligned_pass = [s for s in signatures if s.aligned and s.result == "pass"]
    aligned_failed = [s for s in signatures if s.aligned and s.result in ("fail", "permerror")]
    for check in signatures:
        label = {"pass": "klopt", "fail": "klopt niet", "permerror": "is ongeldig",
                 "temperror": "kon niet worden gecontroleerd (DNS)", "unchecked": "is niet gecontroleerd"}[check.result]
        where = "" if check.aligned else f", maar {check.domain or '?'} is niet het domein van de afzender"
        reasons.append(f"DKIM-handtekening van {check.domain or '?'} {label}{where}")
    if authserv_id:
        reasons.append(f"{authserv_id}: SPF {spf or 'onbekend'}, DMARC {dmarc or 'onbekend'}")
    if aligned_pass or dmarc == "pass":
        result: Result = "pass"
    elif dmarc == "fail" or spf == "fail" or (aligned_failed and len(aligned_failed) == len(
            [s for s in signatures if s.aligned])):
        result = "fail"
    else:
        result = "none"
        if not signatures and not authserv_id:
            reasons.append("geen DKIM-handtekening en geen controle door onze ontvangende server")
    if from_domain is None:
        reasons.append("geen (enkel) afzenderadres in de From-regel")
    return SenderVerdict(result=result, from_domain=from_domain, signatures=signatures, authserv_id=authserv_id,
                         spf=spf, dmarc=dmarc, reasons=reasons)
