"""Tests for parsers.html_text: HTML mail bodies as readable lines."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.html_text import html_to_text

TANDARTS_TABLE = """
<html><body>
<p>Goedemorgen,</p>
<p>Hierbij de mutaties over maart 2026:</p>
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Medewerker</th><th>Mutatie</th><th>Aantal / bedrag</th></tr>
<tr><td>Ingrid Vos</td><td>Overuren</td><td>4,5 uur</td></tr>
<tr><td>Sophie Dekker</td><td>Meeruren</td><td>6 uur</td></tr>
<tr><td>Mila Bos</td><td>Declaratie nascholing</td><td>&euro; 125,00</td></tr>
</table>
<p>Met vriendelijke groet,<br>Ingrid Vos<br>Praktijkmanager</p>
</body></html>
"""


def test_it_turns_each_table_row_into_one_line_with_cells_joined_by_pipes() -> None:
    assert html_to_text(TANDARTS_TABLE) == (
        "Goedemorgen,\n"
        "\n"
        "Hierbij de mutaties over maart 2026:\n"
        "\n"
        "Medewerker | Mutatie | Aantal / bedrag\n"
        "Ingrid Vos | Overuren | 4,5 uur\n"
        "Sophie Dekker | Meeruren | 6 uur\n"
        "Mila Bos | Declaratie nascholing | € 125,00\n"
        "\n"
        "Met vriendelijke groet,\n"
        "Ingrid Vos\n"
        "Praktijkmanager"
    )


def test_it_prefixes_unordered_list_items_with_a_dash() -> None:
    html = (
        '<div dir="ltr"><div>Hi,</div><div><br></div><div>Two changes:</div><ul>'
        "<li>Olivia Brown is moving to <b>Prinsengracht 263</b>.</li>"
        "<li>Julia goes to <b>32 hours</b>.</li></ul><div>Cheers,</div><div>Max</div></div>"
    )
    assert html_to_text(html) == (
        "Hi,\n\nTwo changes:\n- Olivia Brown is moving to Prinsengracht 263.\n"
        "- Julia goes to 32 hours.\nCheers,\nMax"
    )


def test_it_numbers_ordered_list_items() -> None:
    html = "<p>Wijzigingen:</p><ol><li>Sanne 28 uur</li><li>Peter uit dienst</li></ol>"
    assert html_to_text(html) == "Wijzigingen:\n\n1. Sanne 28 uur\n2. Peter uit dienst"


def test_an_ordered_list_continues_from_its_start_attribute() -> None:
    assert html_to_text('<ol start="3"><li>a</li><li>b</li></ol>') == "3. a\n4. b"


def test_a_list_item_holding_a_paragraph_keeps_its_marker_on_the_same_line() -> None:
    html = "<ul><li><p>eerste</p></li><li><p>tweede</p></li></ul>"
    assert html_to_text(html) == "- eerste\n- tweede"


def test_it_drops_scripts_styles_head_and_comments() -> None:
    html = (
        "<html><head><title>Nieuwsbrief</title><style>p {color: red}</style></head>"
        "<body><script>alert('x')</script><!-- verborgen --><p>Zichtbaar</p>"
        "<!--[if mso]><p>Alleen Outlook</p><![endif]--></body></html>"
    )
    assert html_to_text(html) == "Zichtbaar"


def test_it_unescapes_entities_and_turns_nbsp_into_a_space() -> None:
    assert html_to_text("<p>&euro;&nbsp;125,00 &amp; 4&frac12;&nbsp;uur</p>") == "€ 125,00 & 4½ uur"


def test_it_collapses_whitespace_inside_a_line_and_strips_lines() -> None:
    html = "<div>   Sanne\n   is    ziek   </div><div>\t Mark </div>"
    assert html_to_text(html) == "Sanne is ziek\nMark"


def test_it_keeps_at_most_one_blank_line_between_blocks() -> None:
    html = "<p>a</p><p></p><br><br><br><p>b</p><div><br></div><div><br></div><p>c</p>"
    assert html_to_text(html) == "a\n\nb\n\nc"


def test_a_br_ends_a_line_and_two_brs_leave_a_blank_line() -> None:
    assert html_to_text("regel 1<br>regel 2<br/><br />regel 3") == "regel 1\nregel 2\n\nregel 3"


def test_it_removes_zero_width_characters_that_break_word_matching() -> None:
    assert html_to_text("<p>San\u200bne is zi\ufeffek</p>") == "Sanne is ziek"


def test_a_line_break_inside_a_data_cell_stays_within_the_row() -> None:
    html = "<table><tr><td>Olivia</td><td>Prinsengracht 263<br>1016 GV Amsterdam</td></tr></table>"
    assert html_to_text(html) == "Olivia | Prinsengracht 263 1016 GV Amsterdam"


def test_empty_cells_between_values_are_kept_so_columns_stay_aligned() -> None:
    html = "<table><tr><td>Mila</td><td></td><td>125</td><td></td></tr></table>"
    assert html_to_text(html) == "Mila | | 125"


def test_a_layout_table_cell_with_paragraphs_is_rendered_as_blocks() -> None:
    html = (
        "<table><tr><td><p>Beste Anja,</p><p>Sanne is ziek sinds maandag.</p></td></tr>"
        "<tr><td>&nbsp;</td><td>Groet, Kees</td></tr></table>"
    )
    assert html_to_text(html) == "Beste Anja,\n\nSanne is ziek sinds maandag.\n\nGroet, Kees"


def test_a_data_table_nested_in_a_layout_table_keeps_its_rows() -> None:
    html = (
        "<table><tr><td>Logo</td><td>"
        "<table><tr><td>Ingrid Vos</td><td>4,5 uur</td></tr>"
        "<tr><td>Mila Bos</td><td>6 uur</td></tr></table>"
        "</td></tr></table>"
    )
    assert html_to_text(html) == "Logo\nIngrid Vos | 4,5 uur\nMila Bos | 6 uur"


def test_pre_keeps_its_line_breaks() -> None:
    assert html_to_text("<pre>Sanne   32\nMark    40</pre>") == "Sanne 32\nMark 40"


def test_text_after_an_unterminated_title_is_not_lost() -> None:
    assert html_to_text("<title>Mutaties<p>Sanne is ziek</p>") == "Sanne is ziek"


def test_text_after_an_unterminated_head_is_not_lost() -> None:
    assert html_to_text("<head><meta charset=utf-8>Sanne is ziek") == "Sanne is ziek"


def test_it_reads_malformed_html_like_a_browser_would() -> None:
    html = "<p>Sanne<td>ziek</td></tr><li>Mark</b></i><table><td>x<td>y"
    assert html_to_text(html) == "Sanne ziek\n- Mark\nx | y"


def test_stray_less_than_signs_are_kept_as_text() -> None:
    assert html_to_text("<p>uren < 40 en 3 <4</p>") == "uren < 40 en 3 <4"


def test_a_200_kb_single_line_comes_back_whole() -> None:
    line = "Sanne werkte 8 uur. " * 10_000
    assert html_to_text(f"<p>{line}</p>") == line.strip()


@pytest.mark.parametrize(
    ("html", "expected_start"),
    [
        ("<a " * 70_000, "<a <a"),
        ("</" * 100_000, "</</"),
        ("<!" * 100_000, "<!<!"),
        ("<![" * 70_000, "<![<!["),
        ("<!--" * 50_000, ""),
        ('<a href="' + "x" * 200_000, '<a href="xxx'),
        ("&#" + "1" * 200_000, "&#111"),
        ("<table><tr><td>" * 10_000, ""),
        ("<ol><li>x" * 20_000, "1. x"),
    ],
    ids=["open-tags", "end-tags", "bang", "marked-sections", "comments", "open-attribute",
         "huge-charref", "nested-tables", "nested-lists"],
)
def test_hostile_markup_is_read_in_one_pass(html: str, expected_start: str) -> None:
    # These inputs take html.parser minutes when fed to it directly.
    assert html_to_text(html).startswith(expected_start)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/!-&#;=\"' abptdrlioe[]?\n")), max_size=300))
def test_it_never_raises_on_arbitrary_markup(html: str) -> None:
    assert isinstance(html_to_text(html), str)
