"""Tests for parsers.mime: .eml bytes in, MailMessage out, for any bytes at all."""

import base64
import random
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.mime import MailLimits, MailMessage, read_mail

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def make_mail(
    body: str | None = "Sanne is ziek.",
    *,
    sender: str = "Anja de Wit <anja@bakkerijdewit.nl>",
    subject: str = "Mutaties",
    date: str | None = "Fri, 12 Jun 2026 10:20:00 +0200",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "mutaties@bureau.example"
    message["Subject"] = subject
    if date is not None:
        message["Date"] = date
    message["Message-ID"] = "<d019@bakkerijdewit.nl>"
    if body is not None:
        message.set_content(body)
    return message


def read(message: EmailMessage, **limits: int) -> MailMessage:
    return read_mail(bytes(message), limits=MailLimits(**limits))


def problems_text(mail: MailMessage) -> str:
    return "\n".join(mail.problems)


# -- headers ---------------------------------------------------------------------------


def test_it_reads_sender_recipients_subject_and_ids() -> None:
    raw = (
        b"From: \"Anja de Wit\" <Anja@BakkerijDeWit.nl>\r\n"
        b"To: mutaties@bureau.example, Kees <KEES@mulder.nl>\r\n"
        b"Subject: Wijzigingen\r\n   juli\r\n"
        b"Message-ID: <abc@bakkerijdewit.nl>\r\n"
        b"In-Reply-To: <vraag@bureau.example>\r\n"
        b"References: <eerste@bureau.example>\r\n <vraag@bureau.example>\r\n"
        b"\r\nHoi\r\n"
    )
    mail = read_mail(raw)
    assert (mail.from_address, mail.from_name) == ("anja@bakkerijdewit.nl", "Anja de Wit")
    assert mail.to_addresses == ("mutaties@bureau.example", "kees@mulder.nl")
    assert mail.subject == "Wijzigingen juli"
    assert mail.message_id == "<abc@bakkerijdewit.nl>"
    assert mail.in_reply_to == "<vraag@bureau.example>"
    assert mail.references == ("<eerste@bureau.example>", "<vraag@bureau.example>")


def test_headers_are_decoded_and_kept_in_order() -> None:
    raw = (
        b"Received: from a\r\nSubject: =?utf-8?Q?Loonstrook_ge=C3=AFnd?=\r\n"
        b"X-Custom: een\r\nx-custom: twee\r\n\r\n"
    )
    mail = read_mail(raw)
    assert mail.headers == (
        ("Received", "from a"),
        ("Subject", "Loonstrook geïnd"),
        ("X-Custom", "een"),
        ("x-custom", "twee"),
    )


def test_header_lookup_is_case_insensitive_and_gives_the_first_value() -> None:
    mail = read_mail(b"X-Custom: een\r\nX-CUSTOM: twee\r\n\r\nhoi")
    assert mail.header("x-custom") == "een"
    assert mail.header("X-Missing") is None


def test_it_decodes_encoded_words_in_subject_and_sender_name() -> None:
    raw = (
        b"From: =?iso-8859-1?Q?Jos=E9_M=FCller?= <jose@example.nl>\r\n"
        b"Subject: =?utf-8?B?V2lqemlnaW5n?= =?utf-8?B?ZW4g4oKs?=\r\n\r\nhoi"
    )
    mail = read_mail(raw)
    assert mail.from_name == "José Müller"
    assert mail.subject == "Wijzigingen €"


def test_raw_utf8_in_headers_is_read_as_utf8() -> None:
    mail = read_mail("Subject: Overuren café\r\n\r\nhoi".encode())
    assert mail.subject == "Overuren café"


def test_the_date_is_timezone_aware() -> None:
    mail = read(make_mail(date="Fri, 12 Jun 2026 10:20:00 +0200"))
    assert mail.date == datetime(2026, 6, 12, 10, 20, tzinfo=timezone(timedelta(hours=2)))


def test_a_date_without_zone_information_is_taken_as_utc() -> None:
    mail = read(make_mail(date="Fri, 12 Jun 2026 10:20:00 -0000"))
    assert mail.date == datetime(2026, 6, 12, 10, 20, tzinfo=UTC)


def test_an_unreadable_date_gives_none_and_a_problem() -> None:
    mail = read_mail(b"From: a@b.nl\r\nDate: gisteren om tien uur\r\n\r\nhoi")
    assert mail.date is None
    assert "Date-kop) is onleesbaar: 'gisteren om tien uur'" in problems_text(mail)


def test_a_missing_from_header_gives_no_address_and_a_problem() -> None:
    mail = read_mail(b"Subject: hoi\r\nDate: Fri, 12 Jun 2026 10:20:00 +0200\r\n\r\nSanne is ziek")
    assert (mail.from_address, mail.from_name) == (None, None)
    assert mail.body == "Sanne is ziek"
    assert mail.problems == ("Het bericht heeft geen afzender (From-kop).",)


def test_a_from_header_without_address_gives_none_and_a_problem() -> None:
    mail = read(make_mail(sender="Anja de Wit"))
    assert mail.from_address is None
    assert "Het afzenderadres (From-kop) is onleesbaar: 'Anja de Wit'." in mail.problems


def test_invalid_encoded_words_are_read_as_well_as_possible_and_reported() -> None:
    raw = (
        b"From: =?utf-8?B?!!!?= <anja@bakkerijdewit.nl>\r\n"
        b"Subject: =?x-bogus?Q?Caf=E9?= =?utf-8?B?IG1hYXJ0?= =?utf-8?X?raar?=\r\n\r\nhoi"
    )
    mail = read_mail(raw)
    assert mail.from_address == "anja@bakkerijdewit.nl"
    assert mail.subject == "Café maart =?utf-8?X?raar?="
    assert "De kop Subject bevat ongeldig gecodeerde tekst (RFC 2047)" in problems_text(mail)
    assert "De kop From bevat ongeldig gecodeerde tekst (RFC 2047)" in problems_text(mail)


def test_a_well_formed_mail_has_no_problems() -> None:
    assert read(make_mail()).problems == ()


# -- body ------------------------------------------------------------------------------


def test_it_prefers_plain_text_in_alternative() -> None:
    message = make_mail("Sanne gaat 28 uur werken.")
    message.add_alternative("<p>HTML-versie</p>", subtype="html")
    assert read(message).body == "Sanne gaat 28 uur werken."


def test_it_falls_back_to_html_when_the_plain_alternative_is_empty() -> None:
    message = make_mail(" \n")
    message.add_alternative("<p>Sanne gaat <b>28 uur</b> werken.</p>", subtype="html")
    assert read(message).body == "Sanne gaat 28 uur werken."


def test_a_lone_html_body_is_converted_with_tables_as_pipe_rows() -> None:
    message = make_mail(None)
    message.set_content(
        "<p>Mutaties maart:</p><table><tr><td>Ingrid Vos</td><td>Overuren</td>"
        "<td>4,5 uur</td></tr><tr><td>Mila Bos</td><td>Declaratie</td><td>&euro; 125,00</td>"
        "</tr></table>",
        subtype="html",
    )
    assert read(message).body == (
        "Mutaties maart:\n\nIngrid Vos | Overuren | 4,5 uur\nMila Bos | Declaratie | € 125,00"
    )


def test_several_inline_text_parts_are_joined_with_a_blank_line() -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nSanne is ziek.\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nMark is beter.\r\n"
        b"--XX--\r\n"
    )
    assert read_mail(raw).body == "Sanne is ziek.\n\nMark is beter."


def test_line_endings_in_the_body_are_normalised() -> None:
    raw = b"From: a@b.nl\r\n\r\nregel 1\r\nregel 2\rregel 3\nregel 4"
    assert read_mail(raw).body == "regel 1\nregel 2\nregel 3\nregel 4"


def test_format_flowed_text_is_unwrapped() -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        b"Peter is per 1 juli uit \r\ndienst.\r\n \r\n-- \r\nAnja\r\n"
    )
    assert read_mail(raw).body == "Peter is per 1 juli uit dienst.\n\n--\nAnja"


def test_quoted_printable_is_decoded() -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Bonus =E2=82=AC 500,- met het salaris van ju=\r\nni."
    )
    assert read_mail(raw).body == "Bonus € 500,- met het salaris van juni."


def test_latin_1_is_read_as_windows_1252() -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        b"Bonus \x80 500 voor Ren\xe9e \x93extra\x94"
    )
    mail = read_mail(raw)
    assert mail.body == "Bonus € 500 voor Renée “extra”"
    assert not any("tekenset" in p for p in mail.problems)


def test_utf8_labelled_as_us_ascii_is_read_as_utf8() -> None:
    raw = b"From: a@b.nl\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\xe2\x82\xac 125"
    assert read_mail(raw).body == "€ 125"


def test_an_unknown_charset_falls_back_and_is_reported() -> None:
    raw = b"From: a@b.nl\r\nContent-Type: text/plain; charset=x-verzonnen\r\n\r\nRen\xe9e"
    mail = read_mail(raw)
    assert mail.body == "Renée"
    assert (
        "Onbekende tekenset 'x-verzonnen'; de tekst is als windows-1252 (latin-1) gelezen."
        in mail.problems
    )


def test_a_codec_that_is_no_charset_counts_as_unknown() -> None:
    raw = b"From: a@b.nl\r\nContent-Type: text/plain; charset=base64\r\n\r\nU2FubmU="
    mail = read_mail(raw)
    assert mail.body == "U2FubmU="
    assert "Onbekende tekenset 'base64'" in problems_text(mail)


def test_undecodable_bytes_are_replaced_and_reported() -> None:
    raw = b"From: a@b.nl\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSanne \xff ziek"
    mail = read_mail(raw)
    assert mail.body == "Sanne \ufffd ziek"
    assert "niet in tekenset 'utf-8' passen" in problems_text(mail)


def test_broken_base64_is_decoded_leniently_and_reported() -> None:
    encoded = base64.b64encode(b"Sanne is ziek sinds maandag.").rstrip(b"=")
    damaged = encoded[:8] + b"!*" + encoded[8:]
    raw = (
        b"From: a@b.nl\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + damaged
    )
    mail = read_mail(raw)
    assert mail.body == "Sanne is ziek sinds maandag."
    assert "Een tekstdeel van het bericht is beschadigd gecodeerd (base64)" in problems_text(mail)


def test_concatenated_base64_blocks_are_all_decoded() -> None:
    encoded = base64.b64encode(b"Sanne ") + b"\r\n" + base64.b64encode(b"is ziek")
    raw = b"From: a@b.nl\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded
    assert read_mail(raw).body == "Sanne is ziek"


# -- attachments -----------------------------------------------------------------------


def test_a_spreadsheet_attachment_keeps_name_type_and_bytes() -> None:
    message = make_mail("Zie bijlage.")
    message.add_attachment(b"PK\x03\x04data", maintype="application",
                           subtype=XLSX.split("/")[1], filename="Mutaties mei 2026.xlsx")
    mail = read(message)
    assert mail.body == "Zie bijlage."
    assert [(a.filename, a.content_type, a.data) for a in mail.attachments] == [
        ("Mutaties mei 2026.xlsx", XLSX, b"PK\x03\x04data")
    ]


def test_a_csv_attachment_is_an_attachment_not_body_text() -> None:
    message = make_mail("Export in de bijlage.")
    message.add_attachment(b"Naam;Uren\r\nSanne;8\r\n", maintype="text", subtype="csv",
                           filename="export.csv")
    mail = read(message)
    assert mail.body == "Export in de bijlage."
    assert [(a.filename, a.content_type) for a in mail.attachments] == [("export.csv", "text/csv")]


def test_a_text_plain_attachment_is_not_body_but_an_inline_one_is() -> None:
    message = make_mail("Hoofdtekst.")
    message.add_attachment("Bijlagetekst", filename="notitie.txt")
    message.add_attachment("Inline tekst", disposition="inline", filename="inline.txt")
    mail = read(message)
    assert mail.body == "Hoofdtekst.\n\nInline tekst"
    assert [a.filename for a in mail.attachments] == ["notitie.txt"]


def test_a_filename_encoded_as_rfc2231_is_decoded() -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nZie bijlage\r\n"
        b"--XX\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Uren%20m%C3%A4rz.xlsx\r\n\r\nx\r\n"
        b"--XX--\r\n"
    )
    assert [a.filename for a in read_mail(raw).attachments] == ["Uren märz.xlsx"]


@pytest.mark.parametrize(
    ("unsafe", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\evil\\x.xlsx", "x.xlsx"),
        ("uren\x00\x1b[31m.xlsx", "uren[31m.xlsx"),
        ("factuur\u202excl.exe", "factuurxcl.exe"),
        ("..", "bijlage-1.xlsx"),
        ("", "bijlage-1.xlsx"),
    ],
)
def test_attachment_names_are_reduced_to_a_safe_base_name(unsafe: str, safe: str) -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: " + XLSX.encode() + b"\r\n"
        b"Content-Disposition: attachment; filename=\"" + unsafe.encode() + b"\"\r\n\r\nx\r\n"
        b"--XX--\r\n"
    )
    assert [a.filename for a in read_mail(raw).attachments] == [safe]


def test_an_attachment_without_name_gets_a_numbered_name_from_its_type() -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nhoi\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n"
        b"--XX\r\nContent-Type: application/x-onbekend\r\n\r\n??\r\n"
        b"--XX--\r\n"
    )
    assert [a.filename for a in read_mail(raw).attachments] == ["bijlage-1.pdf", "bijlage-2.bin"]


def test_a_long_attachment_name_is_shortened_keeping_its_extension() -> None:
    message = make_mail()
    message.add_attachment(b"x", maintype="application", subtype="octet-stream",
                           filename="uren " * 60 + ".xlsx")
    name = read(message).attachments[0].filename
    assert len(name) <= 150
    assert name.startswith("uren uren ")
    assert name.endswith("uren.xlsx")


def test_a_20_mb_attachment_is_kept() -> None:
    data = bytes(range(256)) * (20_000_000 // 256)
    message = make_mail("Grote export.")
    message.add_attachment(data, maintype="application", subtype="octet-stream",
                           filename="export.bin")
    mail = read(message)
    assert [(a.filename, a.data == data) for a in mail.attachments] == [("export.bin", True)]
    assert mail.problems == ()


def test_an_attachment_above_the_limit_is_dropped_with_a_problem() -> None:
    message = make_mail("Twee bijlagen.")
    message.add_attachment(b"x" * 1_500, maintype="application", subtype="octet-stream",
                           filename="te-groot.bin")
    message.add_attachment(b"x" * 500, maintype="application", subtype="octet-stream",
                           filename="klein.bin")
    mail = read(message, max_attachment_bytes=1_000)
    assert [a.filename for a in mail.attachments] == ["klein.bin"]
    assert mail.problems == (
        "Bijlage 'te-groot.bin' is niet overgenomen: ze is 0,0 MB (1500 bytes), "
        "meer dan de limiet van 0,0 MB.",
    )


# -- forwarded messages ----------------------------------------------------------------


def forwarded(inner: EmailMessage, note: str = "Zie hieronder.") -> EmailMessage:
    outer = make_mail(note, subject="Fwd: Nieuw adres")
    outer.add_attachment(inner)
    return outer


def test_a_forwarded_message_is_appended_as_a_forward_block() -> None:
    inner = make_mail("Mijn nieuwe adres is Voorstraat 1.", sender="Sanne <Sanne@example.nl>",
                      subject="Nieuw adres", date="Mon, 20 Apr 2026 19:30:00 +0200")
    assert read(forwarded(inner)).body == (
        "Zie hieronder.\n"
        "\n"
        "---------- Doorgestuurd bericht ----------\n"
        "Van: Sanne <sanne@example.nl>\n"
        "Datum: Mon, 20 Apr 2026 19:30:00 +0200\n"
        "Onderwerp: Nieuw adres\n"
        "\n"
        "Mijn nieuwe adres is Voorstraat 1."
    )


def test_a_forward_comes_after_the_text_even_when_it_is_attached_first() -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: sanne@example.nl\r\nSubject: Adres\r\n\r\nVoorstraat 1\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nZie onder.\r\n"
        b"--XX--\r\n"
    )
    body = read_mail(raw).body
    assert body.startswith("Zie onder.\n\n---------- Doorgestuurd bericht ----------\n")
    assert body.endswith("Van: sanne@example.nl\nDatum:\nOnderwerp: Adres\n\nVoorstraat 1")


def test_attachments_of_a_forwarded_message_are_collected() -> None:
    inner = make_mail("Uren in de bijlage.")
    inner.add_attachment(b"PK", maintype="application", subtype="octet-stream",
                         filename="uren.xlsx")
    mail = read(forwarded(inner))
    assert [a.filename for a in mail.attachments] == ["uren.xlsx"]
    assert "Uren in de bijlage." in mail.body


def forward_chain(depth: int) -> bytes:
    raw = b"From: sanne@example.nl\r\nSubject: origineel\r\n\r\nSanne is ziek.\r\n"
    for level in range(depth):
        raw = (
            b"From: doorsturer%d@example.nl\r\nSubject: Fwd\r\n"
            b"Content-Type: message/rfc822\r\n\r\n" % level
        ) + raw
    return raw


def test_forwards_nested_200_deep_stop_at_the_depth_limit() -> None:
    mail = read_mail(forward_chain(200))
    assert mail.body.count("---------- Doorgestuurd bericht ----------") == 25
    assert "Sanne is ziek." not in mail.body
    assert any("te diep geneste doorgestuurde berichten" in p for p in mail.problems)


def test_forwards_within_the_depth_limit_are_all_read() -> None:
    mail = read_mail(forward_chain(5))
    assert mail.body.count("---------- Doorgestuurd bericht ----------") == 5
    assert mail.body.endswith("Sanne is ziek.")


def test_nesting_too_deep_for_the_email_package_is_cut_off() -> None:
    mail = read_mail(forward_chain(5_000))
    assert mail.from_address == "doorsturer4999@example.nl"
    assert any("te diep geneste doorgestuurde berichten" in p for p in mail.problems)


def test_multiparts_nested_too_deep_are_reported() -> None:
    raw = b"Content-Type: text/plain\r\n\r\nSanne is ziek.\r\n"
    for level in range(40):
        boundary = b"b%d" % level
        raw = (b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary
               + b"\r\n" + raw + b"\r\n--" + boundary + b"--\r\n")
    mail = read_mail(b"From: a@b.nl\r\n" + raw)
    assert mail.body == ""
    assert any("te diep geneste MIME-delen" in p for p in mail.problems)


# -- hostile and damaged input ---------------------------------------------------------


def test_empty_bytes_give_an_empty_mail_with_a_problem() -> None:
    mail = read_mail(b"")
    assert (mail.body, mail.headers, mail.from_address) == ("", (), None)
    assert mail.problems == ("Het bericht is leeg.",)


def test_random_binary_garbage_gives_a_result_and_problems() -> None:
    garbage = random.Random(7).randbytes(50_000)
    mail = read_mail(garbage)
    assert mail.from_address is None
    assert "Het bericht heeft geen kopregels; mogelijk is het geen e-mail." in mail.problems


def test_truncated_mime_keeps_what_arrived_and_reports_it() -> None:
    message = make_mail("Zie de bijlage.")
    message.add_attachment(bytes(range(256)) * 40, maintype="application",
                           subtype="octet-stream", filename="uren.xlsx")
    raw = bytes(message)
    cut = raw[: raw.index(b"uren.xlsx") + 4_000]  # in the middle of the base64 lines
    mail = read_mail(cut)
    assert mail.body == "Zie de bijlage."
    [attachment] = mail.attachments
    assert 0 < len(attachment.data) < 256 * 40
    assert (bytes(range(256)) * 40).startswith(attachment.data[:2_000])
    assert "Bijlage 'uren.xlsx' is mogelijk onvolledig: het bericht is afgebroken." in (
        mail.problems
    )
    assert any("de afsluitende MIME-grens ontbreekt" in p for p in mail.problems)


def test_a_200_kb_single_line_body_is_read_whole() -> None:
    line = "Sanne werkte 8 uur op maandag. " * 6_500
    mail = read_mail(b"From: a@b.nl\r\n\r\n" + line.encode())
    assert mail.body == line.rstrip()


def test_the_body_is_cut_at_max_body_chars_with_a_problem() -> None:
    mail = read(make_mail("x" * 500), max_body_chars=100)
    assert mail.body == "x" * 100
    assert mail.problems == ("De tekst van het bericht is langer dan 100 tekens en is ingekort.",)


def test_parts_beyond_max_parts_are_not_read() -> None:
    parts = b"".join(b"--XX\r\nContent-Type: text/plain\r\n\r\ndeel %d\r\n" % n for n in range(10))
    raw = b"From: a@b.nl\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" + parts + b"--XX--"
    mail = read_mail(raw, limits=MailLimits(max_parts=4))
    assert mail.body == "deel 0\n\ndeel 1\n\ndeel 2"
    assert "Het bericht bevat meer dan 4 MIME-delen; de rest is niet gelezen." in mail.problems


def test_mime_defects_are_reported_once() -> None:
    raw = (
        b"From: a@b.nl\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: multipart/mixed; boundary=YY\r\n\r\n"
        b"--YY\r\nContent-Type: text/plain\r\n\r\nSanne is ziek\r\n"
    )
    mail = read_mail(raw)
    assert mail.body == "Sanne is ziek"
    defects = [p for p in mail.problems if "niet volgens de MIME-regels" in p]
    assert defects == [
        "Het bericht is niet volgens de MIME-regels opgebouwd: de afsluitende MIME-grens "
        "ontbreekt (mogelijk afgebroken). Wat leesbaar was, is verwerkt."
    ]


def test_a_multipart_without_boundary_is_read_as_text() -> None:
    raw = b"From: a@b.nl\r\nContent-Type: multipart/mixed\r\n\r\nSanne is ziek"
    mail = read_mail(raw)
    assert mail.body == "Sanne is ziek"
    assert any("zonder grens" in p for p in mail.problems)


SAMPLE = bytes(forwarded(make_mail("Uren: Sanne 8, Mark 6.")))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2_000))
def test_it_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    assert isinstance(read_mail(raw), MailMessage)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.binary(max_size=8)), max_size=6))
def test_it_never_raises_on_damaged_real_mail(damage: list[tuple[int, bytes]]) -> None:
    raw = bytearray(SAMPLE)
    for position, replacement in damage:
        raw[position : position + len(replacement)] = replacement
    assert isinstance(read_mail(bytes(raw)), MailMessage)
