"""Hostile and broken input: every case ends in a result with a clear issue, never a traceback.

Random and mutated mail goes through `parse_mail` with hypothesis as well.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.mail import INTERNAL_ERROR, parse_mail
from parsers.models import ParseResult
from tests.parsers.conftest import GARAGE, build_mail

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def messages(result: ParseResult) -> str:
    return " | ".join(i.message for i in result.all_issues())


def with_attachment(name: str, data: bytes, mime: str = XLSX) -> bytes:
    return build_mail("Zie de bijlage.", attachments=[(name, data, mime)])


def test_empty_bytes_give_a_result_with_an_issue(roster):
    result = parse_mail(b"", roster, filename="leeg.eml")
    assert result.mutations == []
    assert result.issues


def test_binary_garbage_gives_a_result_with_an_issue(roster):
    garbage = bytes(range(256)) * 400
    result = parse_mail(garbage, roster, filename="rommel.eml")
    assert result.mutations == []
    assert result.issues


def test_truncated_mime_keeps_what_arrived(roster):
    raw = with_attachment("uren.xlsx", b"PK\x03\x04" + b"x" * 5000)
    result = parse_mail(raw[: len(raw) // 2], roster, filename="half.eml")
    assert result.employer_id == "garage-hoek"
    assert result.issues


def test_two_hundred_nested_forwards_stop_with_an_issue(roster):
    inner = build_mail("Priya is sinds maandag ziek.")
    for depth in range(200):
        boundary = f"b{depth}"
        inner = (f"From: {GARAGE}\r\nTo: mutaties@bureau.example\r\nSubject: Fwd\r\n"
                 f"Date: Wed, 18 Mar 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n"
                 f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n"
                 f"Content-Type: text/plain\r\n\r\nzie bijlage\r\n--{boundary}\r\n"
                 f"Content-Type: message/rfc822\r\n\r\n").encode() + inner + f"\r\n--{boundary}--\r\n".encode()
    result = parse_mail(inner, roster, filename="diep.eml")
    assert "te diep" in messages(result)


def test_a_large_attachment_that_is_no_sheet_is_left_alone(roster):
    raw = with_attachment("scan.pdf", b"%PDF-1.4\n" + b"\0" * 20_000_000, mime="application/pdf")
    result = parse_mail(raw, roster, filename="groot.eml")
    assert result.employer_id == "garage-hoek"
    assert result.mutations == []


def test_a_twenty_megabyte_sheet_is_refused_with_its_size(roster):
    result = parse_mail(with_attachment("groot.xlsx", b"PK\x03\x04" + b"\0" * 20_000_000), roster, filename="g.eml")
    assert "groot.xlsx" in messages(result)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(roster):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * 1_000_000
            for _ in range(300):
                member.write(chunk)
    result = parse_mail(with_attachment("bom.xlsx", buffer.getvalue()), roster, filename="bom.eml")
    assert "zip-bom" in messages(result)


def test_an_encrypted_workbook_gets_a_clear_request(roster):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512
    result = parse_mail(with_attachment("geheim.xlsx", ole), roster, filename="geheim.eml")
    assert "wachtwoord" in messages(result)


def test_a_sheet_of_a_hundred_thousand_rows_is_read_and_flagged(roster):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Uren")
    ws.append(["Pnr", "Naam", "Soort", "Uren"])
    for _ in range(100_000):
        ws.append([71, "Gerrit Hoek", "Overuren", 1])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = parse_mail(with_attachment("veel.xlsx", buffer.getvalue()), roster, filename="veel.eml")
    assert "ongewoon veel rijen (100.001)" in messages(result)
    assert [(m.employee_id, m.fields["hours"]) for m in result.mutations] == [("71", 100_000)]


def test_a_line_of_two_hundred_kilobytes_is_cut_with_an_issue(roster):
    result = parse_mail(build_mail("Priya is ziek. " + "x" * 200_000), roster, filename="lang.eml")
    assert "te lang" in messages(result)


def test_a_path_in_an_attachment_name_is_reduced_to_its_file_name(roster):
    wb = openpyxl.Workbook()
    wb.active.append(["Pnr", "Naam", "Soort", "Uren"])
    wb.active.append([71, "Gerrit", "Overuren", 2])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = parse_mail(with_attachment("../../etc/uren.xlsx", buffer.getvalue()), roster, filename="pad.eml")
    assert [m.source.part for m in result.mutations] == ["attachment:uren.xlsx"]


def test_an_unknown_sender_gets_no_mutations_and_an_issue(roster):
    result = parse_mail(build_mail("Mark is ziek.", sender="iemand@elders.example"), roster, filename="x.eml")
    assert (result.employer_id, result.mutations) == (None, [])
    assert "onbekend" in messages(result)


def test_an_out_of_office_reply_is_marked_and_not_read(roster):
    raw = build_mail("Ik ben afwezig tot en met 30 maart.", subject="Afwezig: Mutaties",
                     headers={"Auto-Submitted": "auto-replied"})
    result = parse_mail(raw, roster, filename="ooo.eml")
    assert result.auto_reply and result.mutations == []


def test_a_newsletter_is_not_read_but_is_no_automatic_reply(roster):
    raw = build_mail("Nieuw: Priya heeft 5 jaar bij ons gewerkt!", headers={"List-Unsubscribe": "<mailto:x@y>"})
    result = parse_mail(raw, roster, filename="nieuws.eml")
    assert not result.auto_reply and result.bulk and result.mutations == []


_SEED = build_mail(
    "Hoi,\n\n- Priya is sinds maandag ziek.\n- Gerrit 4 overuren à 125%.\n- Karin krijgt per 1 april € 16,- per uur.\n"
    "\nNaam: Jesse Brouwer\nBSN: 111222333\n\nGroet,\nRia")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(roster, data):
    result = parse_mail(data, roster, filename="r.eml")
    assert INTERNAL_ERROR not in messages(result)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_SEED) - 1), st.binary(min_size=0, max_size=8)), max_size=12))
def test_mutated_mail_never_raises(roster, edits):
    data = bytearray(_SEED)
    for position, replacement in edits:
        data[position:position + len(replacement)] = replacement
    result = parse_mail(bytes(data), roster, filename="m.eml")
    assert INTERNAL_ERROR not in messages(result)
    for mutation in result.mutations:
        assert mutation.source.text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=600))
def test_random_text_bodies_never_raise(roster, body):
    result = parse_mail(build_mail(body), roster, filename="t.eml")
    assert INTERNAL_ERROR not in messages(result)
