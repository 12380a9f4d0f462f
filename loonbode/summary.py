"""A readable Dutch summary of parse results for the terminal (rich)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from parsers.labels import describe_fields, type_label
from parsers.models import ParseResult


def print_results(results: Sequence[ParseResult], console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:
            # Piped into a file or a pager: no terminal width to respect, so don't wrap names.
            console = Console(width=160)
    for result in results:
        employer = result.employer_id or "onbekende afzender"
        console.rule(f"[bold]{result.file}[/] — {employer}")
        if result.subject:
            console.print(f"Onderwerp: {result.subject}", markup=False)
        if result.auto_reply:
            console.print("Automatisch antwoord: niet gelezen, wordt nooit beantwoord.")
        if result.mutations:
            table = Table(show_lines=False, header_style="bold")
            for column in ("Soort", "Medewerker", "Gegevens", "Zekerheid", "Bron"):
                table.add_column(column)
            for m in result.mutations:
                who = m.employee_name or "?"
                if m.employee_id:
                    who += f" ({m.employee_id})"
                table.add_row(type_label(m.type), who, describe_fields(m.fields), f"{m.confidence:.0%}",
                              f"{m.source.part} {m.source.location}")
            console.print(table)
        elif not result.auto_reply:
            console.print("Geen mutaties gevonden.")
        for issue in result.all_issues():
            mark = "[red]fout[/]" if issue.severity == "error" else "[yellow]let op[/]"
            console.print(f"  {mark} ", end="")
            console.print(issue.message, markup=False)
