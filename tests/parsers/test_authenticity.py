"""Sender authenticity: real DKIM signatures (dkimpy, a key made by openssl), a DNS table instead of DNS,
and Authentication-Results believed only from our own server, only at the top."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parsers.authenticity import check_sender
from tests.dkim_helpers import dns, make_key, signed
from tests.parsers.conftest import build_mail

TRUSTED = ["mx.bureau.example"]


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    return make_key(tmp_path_factory.mktemp("dkim"))


def mail(sender: str = "ria@garagehoek.example", headers: dict[str, str] | None = None) -> bytes:
    return build_mail("Priya is ziek sinds maandag.", sender=sender, headers=headers)


def test_an_aligned_valid_signature_passes(key: tuple[bytes, bytes]) -> None:
    private, record = key
    verdict = check_sender(signed(mail(), private), dns_txt=dns({"mail._domainkey.garagehoek.example": record}))
    assert verdict.result == "pass" and verdict.from_domain == "garagehoek.example"
    assert [(s.domain, s.result, s.aligned) for s in verdict.signatures] == [("garagehoek.example", "pass", True)]
    assert verdict.reasons == ["DKIM-handtekening van garagehoek.example klopt"]


def test_a_changed_body_fails(key: tuple[bytes, bytes]) -> None:
    private, record = key
    tampered = signed(mail(), private).replace(b"ziek sinds maandag", b"ziek sinds dinsdag")
    verdict = check_sender(tampered, dns_txt=dns({"mail._domainkey.garagehoek.example": record}))
    assert verdict.result == "fail" and verdict.signatures[0].result == "fail"


def test_a_signature_of_another_domain_proves_nothing(key: tuple[bytes, bytes]) -> None:
    private, record = key
    raw = signed(mail(), private, domain="mailer.example")
    verdict = check_sender(raw, dns_txt=dns({"mail._domainkey.mailer.example": record}))
    assert verdict.result == "none" and verdict.signatures[0].result == "pass"
    assert "niet het domein van de afzender" in verdict.reasons[0]


def test_a_subdomain_signature_is_aligned(key: tuple[bytes, bytes]) -> None:
    private, record = key
    raw = signed(mail(), private, domain="mail.garagehoek.example")
    assert check_sender(raw, dns_txt=dns({"mail._domainkey.mail.garagehoek.example": record})).result == "pass"


def test_a_wrong_key_in_dns_fails(key: tuple[bytes, bytes]) -> None:
    private, record = key
    other = re.sub(rb"p=(\S{40})", rb"p=MIIB", record)
    verdict = check_sender(signed(mail(), private), dns_txt=dns({"mail._domainkey.garagehoek.example": other}))
    assert verdict.result == "fail" and verdict.signatures[0].result in ("fail", "permerror")


def test_dns_trouble_is_a_temporary_error_not_a_verdict(key: tuple[bytes, bytes]) -> None:
    private, _ = key

    def broken(name: bytes, timeout: int = 5) -> bytes:
        raise TimeoutError("no answer")

    verdict = check_sender(signed(mail(), private), dns_txt=broken)
    assert verdict.result == "none" and verdict.signatures[0].result == "temperror"


def test_unsigned_mail_without_our_servers_word_is_unknown() -> None:
    verdict = check_sender(mail())
    assert verdict.result == "none" and verdict.signatures == []
    assert "geen DKIM-handtekening" in verdict.reasons[-1]


def test_our_own_servers_dmarc_result_is_believed_at_the_top_only() -> None:
    ours = {"Authentication-Results": "mx.bureau.example; spf=pass smtp.mailfrom=garagehoek.example; "
                                      "dmarc=pass header.from=garagehoek.example"}
    assert check_sender(mail(headers=ours), trusted_authserv_ids=TRUSTED).result == "pass"
    assert check_sender(mail(headers=ours), trusted_authserv_ids=["mx.other.example"]).result == "none"
    assert check_sender(mail(headers=ours)).result == "none"  # nothing configured: nothing believed
    failing = {"Authentication-Results": "mx.bureau.example; dmarc=fail (p=reject) header.from=garagehoek.example"}
    verdict = check_sender(mail(headers=failing), trusted_authserv_ids=TRUSTED)
    assert verdict.result == "fail" and verdict.dmarc == "fail"


def test_a_results_header_below_the_top_one_is_the_senders_and_ignored() -> None:
    forged = mail(headers={"Authentication-Results": "mx.bureau.example; dmarc=pass header.from=garagehoek.example"})
    top = b"Authentication-Results: mx.bureau.example; spf=none smtp.mailfrom=garagehoek.example\r\n"
    verdict = check_sender(top + forged, trusted_authserv_ids=TRUSTED)
    assert verdict.result == "none" and verdict.spf == "none" and verdict.dmarc is None


def test_spf_fail_from_our_server_fails_an_unsigned_mail() -> None:
    headers = {"Authentication-Results": "mx.bureau.example; spf=fail smtp.mailfrom=garagehoek.example"}
    assert check_sender(mail(headers=headers), trusted_authserv_ids=TRUSTED).result == "fail"


@pytest.mark.parametrize("raw", [b"", b"\x00\xff garbage", b"From: a@b\r\nFrom: c@d\r\n\r\nx",
                                 b"DKIM-Signature: v=1; d=; b=\r\nFrom: a@b.nl\r\n\r\nx",
                                 b"Authentication-Results: ;;;\r\nFrom: a@b.nl\r\n\r\nx"])
def test_garbage_never_raises(raw: bytes, key: tuple[bytes, bytes]) -> None:
    verdict = check_sender(raw, trusted_authserv_ids=TRUSTED, dns_txt=dns({}))
    assert verdict.result in ("none", "fail")


def test_mail_from_a_file_path_is_not_read(tmp_path: Path) -> None:
    assert check_sender(str(tmp_path).encode()).result == "none"
