"""Tests for parsers.autoreply: mail that no person wrote is recognised, real mail is not."""

from email.message import EmailMessage

import pytest

from parsers.autoreply import automatic_reply_reason, bulk_mail_reason
from parsers.mime import MailMessage, read_mail


def mail(
    body: str = "Sanne is sinds maandag ziek.",
    *,
    subject: str = "Mutaties",
    sender: str = "Anja de Wit <anja@bakkerijdewit.nl>",
    headers: dict[str, str] | None = None,
) -> MailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "mutaties@bureau.example"
    message["Subject"] = subject
    message["Date"] = "Mon, 10 Aug 2026 09:00:00 +0200"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return read_mail(bytes(message))


# -- the dev corpus cases, rebuilt inline ----------------------------------------------

OUT_OF_OFFICE_D034 = mail(
    "Dank voor uw bericht.\n\nIk ben met vakantie tot en met vrijdag 14 augustus en lees mijn "
    "mail niet. Voor dringende zaken kunt u contact opnemen met Marieke van Gils.\n\nKees Mulder",
    subject="Re: Loonstroken juli",
    sender="Kees Mulder <kees@mulder-installatie.nl>",
    headers={"Auto-Submitted": "auto-replied"},
)
OUT_OF_OFFICE_D035 = mail(
    "Geachte heer/mevrouw,\n\nHartelijk dank voor uw e-mail. Onze praktijk is gesloten van "
    "maandag 27 april tot en met vrijdag 1 mei.\n\nMet vriendelijke groet,\nTandartspraktijk Zuid",
    subject="Automatisch antwoord: Mutaties april",
    sender="Tandartspraktijk Zuid <praktijk@tandartszuid.nl>",
)
OUT_OF_OFFICE_D036 = mail(
    "Hoi,\n\nIk ben afwezig van 10 t/m 21 augustus. Mutaties kun je sturen naar "
    "hr@bakkerijdewit.nl, die worden in de tussentijd door Mark bekeken.\n\nGroetjes Anja",
    subject="Afwezig: Vraag over vakantiegeld",
)
OUT_OF_OFFICE_D044 = mail(
    "Thanks for your email. I'm out of the office until Monday 19 October with limited access "
    "to email.\n\nOlivia Brown",
    subject="Automatic reply: Payroll October",
    sender="Olivia Brown <olivia@studionoord.com>",
    headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
)
NEWSLETTER_D026 = mail(
    "NIEUWSBRIEF BAKKERIJ DE WIT - OKTOBER 2026\n\nBeste klant,\n\nWist u dat Mark al 7 jaar "
    "onze broodbakker is? Opgeven kan in de winkel bij Sanne of Lisa.",
    subject="Nieuwsbrief oktober: de herfstbroden zijn er weer!",
    sender="Bakkerij De Wit <hr@bakkerijdewit.nl>",
    headers={"List-Unsubscribe": "<mailto:afmelden@bakkerijdewit.nl?subject=afmelden>"},
)


@pytest.mark.parametrize(
    ("auto_reply", "reason_part"),
    [
        (OUT_OF_OFFICE_D034, "Auto-Submitted is 'auto-replied'"),
        (OUT_OF_OFFICE_D035, "begint met 'Automatisch antwoord'"),
        (OUT_OF_OFFICE_D036, "begint met 'Afwezig:'"),
        (OUT_OF_OFFICE_D044, "Auto-Submitted is 'auto-replied'"),
    ],
    ids=["d034", "d035", "d036", "d044"],
)
def test_the_corpus_out_of_office_replies_are_automatic(
    auto_reply: MailMessage, reason_part: str
) -> None:
    reason = automatic_reply_reason(auto_reply)
    assert reason is not None
    assert reason_part in reason
    assert bulk_mail_reason(auto_reply) is None


def test_the_corpus_newsletter_is_bulk_mail_and_no_automatic_reply() -> None:
    assert automatic_reply_reason(NEWSLETTER_D026) is None
    assert bulk_mail_reason(NEWSLETTER_D026) == (
        "De kop List-Unsubscribe hoort bij een nieuwsbrief of mailinglijst."
    )


def test_a_normal_mutation_mail_is_neither() -> None:
    normal = mail("Hoi,\n\nSanne is sinds maandag ziek en Mark werkt per 1 juli 32 uur.\n\nAnja")
    assert automatic_reply_reason(normal) is None
    assert bulk_mail_reason(normal) is None


# -- headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["auto-replied", "auto-generated", "auto-notified; owner=x"])
def test_auto_submitted_other_than_no_is_automatic(value: str) -> None:
    reason = automatic_reply_reason(mail(headers={"Auto-Submitted": value}))
    assert reason == (
        f"De kop Auto-Submitted is '{value}': het bericht is automatisch verstuurd (RFC 3834)."
    )


def test_auto_submitted_no_is_a_person() -> None:
    assert automatic_reply_reason(mail(headers={"Auto-Submitted": "No"})) is None


@pytest.mark.parametrize("name", ["X-Autoreply", "X-Autorespond"])
def test_autoreply_flags_are_automatic(name: str) -> None:
    reason = automatic_reply_reason(mail(headers={name: "yes"}))
    assert reason == f"De kop {name} geeft aan dat dit een automatisch antwoord is."


def test_x_auto_response_suppress_alone_is_not_automatic() -> None:
    # Outlook sets it on ordinary mail too.
    assert automatic_reply_reason(mail(headers={"X-Auto-Response-Suppress": "All"})) is None


@pytest.mark.parametrize(
    "name", ["X-MS-Exchange-Generated-Message-Source", "X-MS-Exchange-Inbox-Rules-Loop"]
)
def test_exchange_generated_headers_are_automatic(name: str) -> None:
    reason = automatic_reply_reason(mail(headers={name: "Mailbox Rules Agent"}))
    assert reason == f"Microsoft Exchange heeft dit bericht automatisch gemaakt (kop {name})."


@pytest.mark.parametrize("value", ["bulk", "junk", "auto_reply", "Auto-Reply"])
def test_precedence_bulk_junk_and_auto_reply_are_automatic(value: str) -> None:
    reason = automatic_reply_reason(mail(headers={"Precedence": value}))
    assert reason is not None
    assert "Precedence" in reason


def test_precedence_list_is_bulk_mail_not_an_automatic_reply() -> None:
    list_mail = mail(headers={"Precedence": "list"})
    assert automatic_reply_reason(list_mail) is None
    assert bulk_mail_reason(list_mail) == (
        "De kop Precedence is 'list': een nieuwsbrief of mailinglijst."
    )


def test_an_empty_return_path_is_automatic() -> None:
    reason = automatic_reply_reason(mail(headers={"Return-Path": "<>"}))
    assert reason is not None
    assert "Return-Path: <>" in reason


def test_a_normal_return_path_is_not_automatic() -> None:
    assert automatic_reply_reason(mail(headers={"Return-Path": "<anja@bakkerijdewit.nl>"})) is None


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.nl", "postmaster@example.nl"])
def test_mailer_daemon_and_postmaster_are_automatic(sender: str) -> None:
    reason = automatic_reply_reason(mail(sender=f"Mail Delivery System <{sender}>"))
    assert reason == f"De afzender {sender.lower()} is een systeemadres van een mailserver."


@pytest.mark.parametrize("local", ["noreply", "no-reply", "donotreply", "do_not_reply"])
def test_noreply_senders_are_bulk_not_automatic(local: str) -> None:
    noreply = mail(sender=f"Salarisportaal <{local}@portaal.example>")
    assert automatic_reply_reason(noreply) is None
    reason = bulk_mail_reason(noreply)
    assert reason is not None
    assert "no-reply" in reason


@pytest.mark.parametrize(
    "name", ["List-Id", "List-Unsubscribe", "List-Post", "Mailing-List", "X-Mailing-List"]
)
def test_mailing_list_headers_are_bulk(name: str) -> None:
    reason = bulk_mail_reason(mail(headers={name: "<nieuws.bakkerij.example>"}))
    assert reason == f"De kop {name} hoort bij een nieuwsbrief of mailinglijst."


# -- subjects --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        "Automatisch antwoord: Mutaties april",
        "Automatisch beantwoord: uren",
        "Afwezig: Vraag over vakantiegeld",
        "Afwezigheidsmelding: Loonstroken",
        "Niet aanwezig: Mutaties",
        "Out of Office: Payroll",
        "Out of office: Payroll",
        "Automatic reply: Payroll October",
        "Auto reply: uren",
        "Autoreply: uren",
        "Abwesend: Lohn",
        "Undeliverable: Mutaties",
        "Onbestelbaar: Mutaties",
        "Delivery Status Notification (Failure)",
        "Mail delivery failed: returning message to sender",
    ],
)
def test_automatic_reply_subjects_are_recognised(subject: str) -> None:
    reason = automatic_reply_reason(mail("Zie onderwerp.", subject=subject))
    assert reason is not None
    assert reason.startswith("Het onderwerp begint met ")


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Automatisch antwoord: Mutaties april",  # a person answering an auto-reply
        "Afwezigheidsmelding Sanne Jansen",  # a real absence report about an employee
        "Sanne afwezig wegens ziekte",
        "Mutaties: Mark niet aanwezig in juli",
    ],
)
def test_subjects_that_only_mention_absence_are_not_automatic(subject: str) -> None:
    assert automatic_reply_reason(mail(subject=subject)) is None


# -- body text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opening",
    [
        "Ik ben afwezig tot maandag 24 augustus.",
        "Tot en met 21 augustus ben ik afwezig.",
        "Ik ben met vakantie tot en met 14 augustus.",
        "Ik ben momenteel niet aanwezig.",
        "Tijdens mijn vakantie lees ik mijn e-mail niet.",
        "Ik heb beperkt toegang tot mijn mail.",
        "I am out of the office until Monday.",
        "Thanks for your email. I’m out of the office this week.",
        "I am currently away on a business trip.",
        "I have limited access to email this week.",
        "I will respond to your message on my return.",
    ],
)
def test_first_person_absence_statements_are_automatic(opening: str) -> None:
    reason = automatic_reply_reason(mail(f"Beste,\n\n{opening}\n\nGroet, Anja"))
    assert reason is not None
    assert reason.startswith("De tekst begint met een afwezigheidsmelding: ")


@pytest.mark.parametrize(
    "body",
    [
        "Mark is met vakantie van 3 t/m 14 augustus, graag 80 uur verlof boeken.",
        "Sanne is afwezig wegens ziekte sinds maandag.",
        "Joost is momenteel niet aanwezig, hij is ziek.",
        "Olivia is out of the office on sick leave since Monday.",
        "Lisa heeft beperkt toegang tot haar mail, stuur de loonstrook per post.",
    ],
)
def test_absence_of_an_employee_is_not_an_automatic_reply(body: str) -> None:
    assert automatic_reply_reason(mail(f"Hoi,\n\n{body}\n\nGroet, Anja")) is None


def test_an_absence_statement_beyond_the_opening_does_not_count() -> None:
    body = "Sanne werkte 8 uur op maandag.\n" * 25 + "\n> Ik ben afwezig tot maandag."
    assert len(body) > 600
    assert automatic_reply_reason(mail(body)) is None
