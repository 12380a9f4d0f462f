"""Tests for parsers.cleanup: what of a mail body is the sender's own (or forwarded) text."""

from __future__ import annotations

from parsers.cleanup import BodyLine, CleanBody, clean_body


def texts(result: CleanBody) -> list[str]:
    return [line.text for line in result.lines]


def own_texts(result: CleanBody) -> list[str]:
    return [line.text for line in result.lines if line.forwarded_from is None]


def forwarded(result: CleanBody) -> list[tuple[str | None, str]]:
    return [(line.forwarded_from, line.text) for line in result.lines if line.forwarded_from]


def mail(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# --- plain mails -------------------------------------------------------------------------


def test_it_keeps_a_mail_without_anything_to_remove_and_numbers_its_lines():
    result = clean_body(mail("Hallo,", "", "Pieter is vandaag ziek.", "", "Ruud"))

    assert result.lines == (
        BodyLine(1, "Hallo,", None),
        BodyLine(2, "", None),
        BodyLine(3, "Pieter is vandaag ziek.", None),
        BodyLine(4, "", None),
        BodyLine(5, "Ruud", None),
    )
    assert result.removed == ()


def test_it_right_strips_lines_and_counts_crlf_line_endings_once():
    result = clean_body("Hoi,   \r\n\r\nKarin heeft 3 overuren.\t\r\n")

    assert result.lines == (
        BodyLine(1, "Hoi,", None),
        BodyLine(2, "", None),
        BodyLine(3, "Karin heeft 3 overuren.", None),
    )


def test_it_drops_leading_and_trailing_blank_lines_and_collapses_runs_of_blanks():
    result = clean_body("\n\n  \nRegel een\n\n\n\nRegel twee\n\n\n")

    assert texts(result) == ["Regel een", "", "Regel twee"]
    assert [line.number for line in result.lines] == [4, 5, 8]


def test_it_returns_nothing_for_an_empty_body():
    assert clean_body("") == CleanBody(lines=(), removed=())


# --- signatures --------------------------------------------------------------------------


def test_it_cuts_a_dutch_signature_block_from_the_sign_off_to_the_end():
    body = mail(
        "Beste Femke,",
        "",
        "Wouter gaat per 1 mei 36 uur werken.",
        "",
        "Met vriendelijke groeten,",
        "",
        "Hanneke Smits",
        "Office manager",
        "Garage Smits B.V.",
        "Tel. 030-1112233 | KvK 11223344",
        "Wij zijn op 27 april gesloten.",
    )

    result = clean_body(body)

    assert texts(result) == ["Beste Femke,", "", "Wouter gaat per 1 mei 36 uur werken."]
    assert result.removed == ("handtekening",)


def test_it_cuts_an_english_signature_with_the_name_on_the_next_line():
    body = mail(
        "Hello,",
        "",
        "Priya will work 4 extra hours this week.",
        "",
        "Kind regards,",
        "Hugo Becker",
        "Finance | Harbour Lights Ltd",
    )

    assert texts(clean_body(body)) == ["Hello,", "", "Priya will work 4 extra hours this week."]


def test_it_recognises_a_sign_off_with_the_name_on_the_same_line():
    for sign_off in ("Groetjes Ilse", "gr henk", "Groet, Bart", "Gr. Wendy", "mvg Sandra",
                     "Cheers, Dan", "Best, Rosa", "Thanks!", "M.v.g.", "Hartelijke groet"):
        body = mail("Hoi,", "", "Nina is ziek.", "", sign_off)

        assert texts(clean_body(body)) == ["Hoi,", "", "Nina is ziek."], sign_off


def test_it_keeps_a_long_line_that_merely_starts_with_a_sign_off_phrase():
    body = mail(
        "Hi,",
        "",
        "Thanks for the quick reply, Sven is back at work from Monday onwards.",
        "Regards to everyone at the office and see you at the meeting next week.",
        "",
        "Lena",
    )

    assert texts(clean_body(body)) == [
        "Hi,",
        "",
        "Thanks for the quick reply, Sven is back at work from Monday onwards.",
        "Regards to everyone at the office and see you at the meeting next week.",
        "",
        "Lena",
    ]


def test_it_keeps_an_opening_thank_you_that_is_followed_by_news():
    body = mail(
        "Hi Chris,",
        "",
        "Thanks for the update.",
        "",
        "Marco is back at work since Wednesday.",
        "",
        "Best,",
        "Eva",
    )

    assert texts(clean_body(body)) == [
        "Hi Chris,",
        "",
        "Thanks for the update.",
        "",
        "Marco is back at work since Wednesday.",
    ]


def test_it_treats_a_thank_you_followed_by_a_name_as_the_sign_off():
    body = mail("Hoi,", "", "Merel heeft 2 uur extra gewerkt.", "", "Alvast bedankt!", "Joyce")

    assert texts(clean_body(body)) == ["Hoi,", "", "Merel heeft 2 uur extra gewerkt."]


def test_it_cuts_a_signature_after_the_rfc_delimiter():
    body = mail(
        "Hi,",
        "",
        "Ahmet gets a bonus of EUR 200 this month.",
        "-- ",
        "Noah Fischer",
        "+31 6 1234 5678",
    )

    result = clean_body(body)

    assert texts(result) == ["Hi,", "", "Ahmet gets a bonus of EUR 200 this month."]
    assert result.removed == ("handtekening",)


def test_it_keeps_a_postscript_written_after_the_sign_off():
    body = mail(
        "Hoi,",
        "",
        "Thijs is ziek.",
        "",
        "Groet,",
        "Mirjam",
        "",
        "PS: Fleur heeft nog 4 overuren van vorige week.",
    )

    assert texts(clean_body(body)) == [
        "Hoi,",
        "",
        "Thijs is ziek.",
        "",
        "PS: Fleur heeft nog 4 overuren van vorige week.",
    ]


def test_it_removes_device_lines_wherever_they_are():
    body = mail(
        "Jesse begint maandag.",
        "Verzonden vanaf mijn Samsung Galaxy-smartphone.",
        "",
        "Sent from my iPad",
        "Get Outlook for Android<https://aka.ms/ghei36>",
        "Outlook voor iOS downloaden",
    )

    result = clean_body(body)

    assert texts(result) == ["Jesse begint maandag."]
    assert result.removed == ("handtekening",)


def test_it_keeps_an_ordinary_sentence_that_starts_like_a_device_line():
    body = mail("Verstuurd met de post: het getekende contract van Yara.")

    assert texts(clean_body(body)) == ["Verstuurd met de post: het getekende contract van Yara."]


# --- disclaimers -------------------------------------------------------------------------


def test_it_removes_a_dutch_disclaimer_paragraph_and_the_rule_above_it():
    body = mail(
        "Goedemiddag,",
        "",
        "Rik is per 1 juni uit dienst.",
        "",
        "_____",
        "",
        "Deze e-mail is uitsluitend bestemd voor de geadresseerde. Aan deze e-mail",
        "kunnen geen rechten worden ontleend.",
    )

    result = clean_body(body)

    assert texts(result) == ["Goedemiddag,", "", "Rik is per 1 juni uit dienst."]
    assert result.removed == ("disclaimer",)


def test_it_removes_a_wrapped_english_disclaimer_without_a_sign_off():
    body = mail(
        "Hi,",
        "",
        "Please process Mei's raise to EUR 4,100 as of 1 March.",
        "",
        "This email and any attachments are confidential and intended solely for the",
        "addressee. If you are not the intended",
        "recipient, please notify the sender and delete this message.",
    )

    result = clean_body(body)

    assert texts(result) == ["Hi,", "", "Please process Mei's raise to EUR 4,100 as of 1 March."]
    assert result.removed == ("disclaimer",)


def test_it_removes_a_notice_that_announces_itself_and_an_environment_reminder():
    body = mail(
        "Stefan heeft 6 ORT-uren.",
        "",
        "DISCLAIMER: zie onze website voor de voorwaarden.",
        "",
        "Denk aan het milieu voordat u deze e-mail print.",
    )

    assert texts(clean_body(body)) == ["Stefan heeft 6 ORT-uren."]


def test_it_keeps_an_ordinary_sentence_about_confidential_matters():
    body = mail(
        "Hoi,",
        "",
        "Vertrouwelijk: Kim is zwanger, graag nog niet delen met collega's.",
        "The new salary for Omar is confidential, so please keep it within payroll.",
        "Kun je de disclaimer in het contract van Bo ook aanpassen?",
    )

    result = clean_body(body)

    assert texts(result) == [
        "Hoi,",
        "",
        "Vertrouwelijk: Kim is zwanger, graag nog niet delen met collega's.",
        "The new salary for Omar is confidential, so please keep it within payroll.",
        "Kun je de disclaimer in het contract van Bo ook aanpassen?",
    ]
    assert result.removed == ()


def test_it_keeps_sentences_saying_who_something_is_meant_for():
    body = mail(
        "De gereedschapstoelage is alleen bedoeld voor monteurs, niet voor Iris.",
        "The travel allowance is intended solely for staff who commute by train.",
    )

    result = clean_body(body)

    assert texts(result) == [
        "De gereedschapstoelage is alleen bedoeld voor monteurs, niet voor Iris.",
        "The travel allowance is intended solely for staff who commute by train.",
    ]
    assert result.removed == ()


def test_it_removes_only_the_legal_sentence_when_it_is_glued_to_the_message():
    body = mail(
        "Hoi,",
        "Tim is ziek sinds gisteren.",
        "Dit bericht is uitsluitend bestemd voor de geadresseerde.",
    )

    assert texts(clean_body(body)) == ["Hoi,", "Tim is ziek sinds gisteren."]


# --- reply quotes ------------------------------------------------------------------------


def test_it_cuts_a_gmail_reply_with_a_dutch_attribution_and_quote_marks():
    body = mail(
        "Ja, Bas werkt vanaf 1 april 24 uur.",
        "",
        "Op wo 4 mrt. 2026 om 09:41 schreef Salarisbureau Delta <info@salaris.example>:",
        "> Werkt Bas vanaf april minder uren?",
        ">",
        "> Met vriendelijke groet,",
        "> Salarisbureau Delta",
    )

    result = clean_body(body)

    assert texts(result) == ["Ja, Bas werkt vanaf 1 april 24 uur."]
    assert result.removed == ("geciteerde mail",)


def test_it_cuts_an_attribution_that_wraps_over_two_lines():
    body = mail(
        "Klopt, graag verwerken.",
        "",
        "Op vr 13 feb. 2026 om 14:02 schreef Loonadministratie Oost <",
        "loon@oost.example>:",
        "> Moeten we de bonus van Lars in februari uitbetalen?",
    )

    assert texts(clean_body(body)) == ["Klopt, graag verwerken."]


def test_it_cuts_an_english_attribution_wrapped_before_wrote():
    body = mail(
        "Confirmed, she starts on the 3rd.",
        "",
        "On Mon, 2 Feb 2026 at 08:15, Payroll Desk <desk@payroll.example>",
        "wrote:",
        "> Does Hannah start on 3 February?",
    )

    assert texts(clean_body(body)) == ["Confirmed, she starts on the 3rd."]


def test_it_cuts_everything_after_an_attribution_when_the_quote_has_no_marks():
    body = mail(
        "Ok, prima.",
        "",
        "On 12 Jan 2026, at 16:20, Jet Bosman <jet@bosman.example> wrote:",
        "",
        "Is Koen nog ziek?",
        "Jet",
    )

    result = clean_body(body)

    assert texts(result) == ["Ok, prima."]
    assert result.removed == ("geciteerde mail",)


def test_it_cuts_a_german_attribution():
    body = mail(
        "Passt, danke.",
        "Am 03.03.2026 um 11:00 schrieb Lohnbüro Süd <lohn@sued.example>:",
        "> Ist Jonas wieder gesund?",
    )

    assert texts(clean_body(body)) == ["Passt, danke."]


def test_it_keeps_a_sentence_that_only_looks_like_an_attribution():
    body = mail(
        "Op 3 maart schreef ik al dat Gerrit ziek is. Hierbij de details:",
        "- ziek sinds 2 maart",
    )

    assert texts(clean_body(body)) == [
        "Op 3 maart schreef ik al dat Gerrit ziek is. Hierbij de details:",
        "- ziek sinds 2 maart",
    ]


def test_it_keeps_a_sentence_quoting_a_letter_that_has_no_time_or_address():
    body = mail(
        "Hi,",
        "",
        "On 2 March the company doctor wrote:",
        "Tessa may work 50% again from next week.",
    )

    assert texts(clean_body(body)) == [
        "Hi,",
        "",
        "On 2 March the company doctor wrote:",
        "Tessa may work 50% again from next week.",
    ]


def test_it_keeps_a_bottom_posted_answer_below_a_dated_attribution():
    body = mail(
        "On Wed, 4 Mar 2026 at 09:30, Payroll <payroll@office.example> wrote:",
        "> Is Finn leaving at the end of March?",
        "",
        "Yes, his last day is 31 March.",
    )

    result = clean_body(body)

    assert texts(result) == ["Yes, his last day is 31 March."]
    assert result.lines[0].number == 4


def test_it_keeps_answers_written_between_quoted_lines():
    body = mail(
        "Daphne Kok <daphne@kok.example> wrote:",
        "> How many hours did Gijs work?",
        "",
        "12 hours.",
        "",
        "> And is Ilona still on leave?",
        "",
        "No, she is back.",
    )

    result = clean_body(body)

    assert texts(result) == ["12 hours.", "", "No, she is back."]
    assert result.removed == ("geciteerde mail",)


def test_it_cuts_an_outlook_reply_block_without_separator():
    body = mail(
        "Goedemorgen,",
        "",
        "Het nieuwe IBAN van Ayoub is NL02 ABNA 0123 4567 89.",
        "",
        "Van: Salarisbureau West <post@west.example>",
        "Verzonden: dinsdag 3 maart 2026 16:02",
        "Aan: info@bouwbedrijf.example",
        "Onderwerp: RE: IBAN",
        "",
        "Beste meneer,",
        "Wat is het nieuwe rekeningnummer?",
    )

    result = clean_body(body, subject="RE: IBAN")

    assert texts(result) == [
        "Goedemorgen,",
        "",
        "Het nieuwe IBAN van Ayoub is NL02 ABNA 0123 4567 89.",
    ]
    assert result.removed == ("geciteerde mail",)


def test_it_cuts_an_english_outlook_reply_below_an_underscore_rule():
    body = mail(
        "Yes please.",
        "",
        "________________________________",
        "From: Payroll Team <team@payroll.example>",
        "Sent: Friday, 6 March 2026 10:00",
        "To: Sam Jones <sam@shop.example>",
        "Subject: Bonus",
        "",
        "Shall we pay the bonus in March?",
    )

    assert texts(clean_body(body, subject="RE: Bonus")) == ["Yes please."]


def test_it_cuts_a_quote_that_starts_with_an_original_message_rule():
    for rule in ("-----Original Message-----", "-----Oorspronkelijk bericht-----",
                 "--- Origineel bericht ---", "-------- Oorspronkelijk bericht --------"):
        body = mail("Akkoord.", "", rule, "Femke schreef eerder iets.")

        assert texts(clean_body(body, subject="Re: x")) == ["Akkoord."], rule


def test_it_keeps_a_from_line_that_is_not_followed_by_other_headers():
    body = mail(
        "Van: 1 juli werkt Roos 20 uur per week.",
        "Aan: het einde van de maand volgt haar nieuwe contract.",
    )

    assert texts(clean_body(body)) == [
        "Van: 1 juli werkt Roos 20 uur per week.",
        "Aan: het einde van de maand volgt haar nieuwe contract.",
    ]


def test_it_removes_the_signature_and_the_quote_of_one_reply_together():
    body = mail(
        "Emre heeft 5 meeruren.",
        "",
        "Groetjes,",
        "Linda",
        "",
        "Op ma 2 mrt. 2026 om 08:00 schreef Loonkantoor <info@loonkantoor.example>:",
        "> Nog mutaties?",
    )

    result = clean_body(body)

    assert texts(result) == ["Emre heeft 5 meeruren."]
    assert result.removed == ("geciteerde mail", "handtekening")


# --- forwards ----------------------------------------------------------------------------


def test_it_keeps_a_gmail_forward_and_tags_its_lines_with_the_author():
    body = mail(
        "Hoi,",
        "",
        "Kun je dit verwerken?",
        "",
        "Groet, Marloes",
        "",
        "---------- Forwarded message ---------",
        "From: Sven de Boer <sven@example.org>",
        "Date: Mon, 9 Mar 2026 at 20:11",
        "Subject: verhuizing",
        "To: <hr@winkel.example>",
        "",
        "Hoi Marloes,",
        "",
        "Mijn nieuwe adres is Kerkstraat 5, 1234 AB Dorp.",
        "",
        "Groetjes,",
        "Sven",
    )

    result = clean_body(body, subject="Fwd: verhuizing")

    assert own_texts(result) == ["Hoi,", "", "Kun je dit verwerken?", ""]
    assert forwarded(result) == [
        ("Sven de Boer <sven@example.org>", "Hoi Marloes,"),
        ("Sven de Boer <sven@example.org>", ""),
        ("Sven de Boer <sven@example.org>", "Mijn nieuwe adres is Kerkstraat 5, 1234 AB Dorp."),
    ]
    assert result.lines[-1].number == 15
    assert result.removed == ("handtekening",)


def test_it_keeps_an_apple_forward_with_a_blank_line_before_its_headers():
    body = mail(
        "See below.",
        "",
        "Begin forwarded message:",
        "",
        "From: Maya Ortiz <maya@example.com>",
        "Subject: Last day",
        "Date: 10 March 2026 at 09:00:00 CET",
        "To: Office <office@atelier.example>",
        "",
        "My last day will be 30 April.",
    )

    result = clean_body(body, subject="Fwd: Last day")

    assert own_texts(result) == ["See below.", ""]
    assert forwarded(result) == [("Maya Ortiz <maya@example.com>", "My last day will be 30 April.")]


def test_it_treats_an_outlook_header_block_as_a_forward_when_the_subject_says_so():
    body = mail(
        "Ter info.",
        "",
        "Met vriendelijke groet,",
        "Petra",
        "",
        "________________________________",
        "Van: Wessel Mol [mailto:wessel@mol.example]",
        "Verzonden: maandag 2 maart 2026 09:12",
        "Aan: Petra <petra@bedrijf.example>",
        "Onderwerp: ziekmelding",
        "",
        "Ik ben vandaag ziek.",
        "",
        "Groetjes Wessel",
    )

    result = clean_body(body, subject="Doorst: ziekmelding")

    assert own_texts(result) == ["Ter info.", ""]
    assert forwarded(result) == [("Wessel Mol <wessel@mol.example>", "Ik ben vandaag ziek.")]
    assert result.removed == ("handtekening",)


def test_it_treats_an_outlook_header_block_as_a_reply_when_a_reply_prefix_is_outermost():
    body = mail(
        "Graag verwerken.",
        "",
        "From: Wessel Mol <wessel@mol.example>",
        "Sent: Monday, 2 March 2026 09:12",
        "To: Petra <petra@bedrijf.example>",
        "Subject: FW: sick",
        "",
        "I am ill today.",
    )

    result = clean_body(body, subject="RE: FW: sick")

    assert texts(result) == ["Graag verwerken."]
    assert result.removed == ("geciteerde mail",)


def test_it_removes_the_quoted_history_inside_a_forwarded_message():
    body = mail(
        "FYI",
        "",
        "---------- Doorgestuurd bericht ---------",
        "Van: Ilse Vos <ilse@example.nl>",
        "Date: di 3 mrt. 2026 om 10:00",
        "Subject: Re: contract",
        "To: Gijs <gijs@bedrijf.example>",
        "",
        "Ik teken het contract voor 32 uur.",
        "",
        "Op ma 2 mrt. 2026 om 09:00 schreef Gijs <gijs@bedrijf.example>:",
        "> Teken je voor 32 of 36 uur?",
    )

    result = clean_body(body, subject="Fwd: Re: contract")

    assert forwarded(result) == [
        ("Ilse Vos <ilse@example.nl>", "Ik teken het contract voor 32 uur."),
    ]
    assert result.removed == ("geciteerde mail",)


def test_it_cuts_the_history_of_an_outlook_forward_of_a_reply_thread():
    body = mail(
        "Zie onder.",
        "",
        "Van: Chantal Lee <chantal@example.nl>",
        "Verzonden: woensdag 4 maart 2026 12:00",
        "Aan: Bert <bert@bedrijf.example>",
        "Onderwerp: RE: uren",
        "",
        "Ik heb 3 uur extra gewerkt.",
        "",
        "Van: Bert <bert@bedrijf.example>",
        "Verzonden: dinsdag 3 maart 2026 08:00",
        "Aan: Chantal Lee <chantal@example.nl>",
        "Onderwerp: uren",
        "",
        "Hoeveel uur heb je extra gewerkt?",
    )

    result = clean_body(body, subject="FW: RE: uren")

    assert own_texts(result) == ["Zie onder.", ""]
    assert forwarded(result) == [
        ("Chantal Lee <chantal@example.nl>", "Ik heb 3 uur extra gewerkt."),
    ]
    assert result.removed == ("geciteerde mail",)


def test_it_keeps_a_nested_forward_with_its_own_author():
    body = mail(
        "Doorgestuurd ter verwerking.",
        "",
        "-------- Forwarded Message --------",
        "Subject: Fwd: geboorte",
        "From: Teamleider <lead@example.nl>",
        "",
        "Zie bericht van Nadia.",
        "",
        "---------- Forwarded message ---------",
        "From: Nadia Hamid <nadia@example.nl>",
        "Date: 1 maart 2026",
        "",
        "Onze dochter is op 28 februari geboren!",
    )

    result = clean_body(body, subject="Fwd: Fwd: geboorte")

    assert own_texts(result) == ["Doorgestuurd ter verwerking.", ""]
    assert forwarded(result) == [
        ("Teamleider <lead@example.nl>", "Zie bericht van Nadia."),
        ("Teamleider <lead@example.nl>", ""),
        ("Nadia Hamid <nadia@example.nl>", "Onze dochter is op 28 februari geboren!"),
    ]


def test_it_keeps_forwarded_text_after_a_forward_marker_without_headers():
    body = mail("Kijk even:", "Begin doorgestuurd bericht:", "Yusuf is per 1 mei in dienst.")

    result = clean_body(body)

    assert texts(result) == ["Kijk even:", "Yusuf is per 1 mei in dienst."]
    assert result.lines[1].number == 3


def test_it_ignores_a_forward_marker_inside_quoted_history():
    body = mail(
        "Dank, verwerkt.",
        "",
        "Op do 5 mrt. 2026 om 12:00 schreef Karin <karin@example.nl>:",
        "> ---------- Forwarded message ---------",
        "> From: Olaf <olaf@example.nl>",
        "> Ik ben ziek.",
    )

    result = clean_body(body, subject="Re: Fwd: ziek")

    assert texts(result) == ["Dank, verwerkt."]
    assert forwarded(result) == []


# --- robustness --------------------------------------------------------------------------


def test_it_reads_single_lines_of_two_hundred_kilobytes():
    # Lines made of what the rules look for; a regex that backtracks would hang here.
    for line in ("On 1 " + "1 schreef " * 20_000, "Van: " + "a" * 200_000,
                 "> " + "x " * 100_000, "thanks " * 30_000, "dit bericht " * 20_000):
        result = clean_body(line, subject="Fwd: x")
        assert len(result.lines) <= 1, line[:20]


def test_it_reads_a_hundred_thousand_awkward_lines():
    awkward = [
        "Van: Iemand <iemand@example.nl>",
        "On 3 March 2026 at 10:00, someone",
        "Thanks for the note about it",
        "> quoted",
        "",
        "Dit bericht is bedoeld voor wie het leest en gaat verder op de volgende regel",
        "---------- Forwarded message ---------",
        "Gr",
        "",
    ]
    body = "\n".join(awkward[i % len(awkward)] for i in range(100_000))
    result = clean_body(body, subject="FW: x")
    assert all(not line.text.startswith(">") for line in result.lines)


def test_it_keeps_answers_written_between_the_quoted_questions_of_an_outlook_reply():
    body = (
        "Zie mijn antwoorden hieronder.\n"
        "\n"
        "-----Oorspronkelijk bericht-----\n"
        "Van: Loonbureau <loon@bureau.example>\n"
        "Verzonden: maandag 2 maart 2026 10:00\n"
        "Aan: Klant <klant@example.org>\n"
        "Onderwerp: Vragen\n"
        "\n"
        "> Is Piet nog ziek?\n"
        "Nee, Piet werkt sinds maandag weer.\n"
        ">\n"
        "> Klopt het bedrag van de bonus?\n"
        "Ja.\n"
    )
    result = clean_body(body, subject="RE: Vragen")
    assert texts(result) == ["Zie mijn antwoorden hieronder.", "", "Nee, Piet werkt sinds maandag weer.", "Ja."]
