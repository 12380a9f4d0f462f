"""The `loonbode` command line (typer): parse mail, and later run and manage the service.

`parse` and `parse-leave` keep the contract in `shared/spec/mutations.md`; the other
commands follow `shared/spec/cli.md`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from loonbode.settings import Settings, load_settings
from loonbode.summary import print_results
from parsers.labels import describe_leave
from parsers.leave import NotALeaveRequest, parse_leave
from parsers.mail import parse_mail
from parsers.roster import Roster
from workflows.db import create_db_engine, migrate
from workflows.queries import drafts_json, outbox_json
from workflows.roster_store import RosterError, import_roster, roster_from_csv

app = typer.Typer(help="Loonbode: mutaties uit mail en Excel, klaar voor de loonadministratie.",
                  no_args_is_help=True, add_completion=False)


@app.callback()
def _commands() -> None:
    """Loonbode: mutaties uit mail en Excel, klaar voor de loonadministratie."""


def load_roster(path: Path) -> Roster:
    try:
        return Roster.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise typer.BadParameter(f"kan {path} niet lezen: {exc.strerror}") from exc
    except ValidationError as exc:
        raise typer.BadParameter(f"{path} is geen geldig roster.json: {exc.errors()[0]['msg']}") from exc


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Eén of meer .eml-bestanden.")],
    roster: Annotated[Path, typer.Option("--roster", help="roster.json met werkgevers en medewerkers.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON-uitvoer volgens het contract.")] = False,
) -> None:
    """Lees mails en toon de mutaties die erin staan (schrijft niets weg)."""
    known = load_roster(roster)
    results = []
    for path in files:
        try:
            raw = path.read_bytes()
            received = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        except OSError as exc:
            typer.echo(f"kan {path} niet lezen: {exc.strerror}", err=True)
            raise typer.Exit(2) from exc
        results.append(parse_mail(raw, known, filename=str(path), received_at=received))
    if as_json:
        json.dump([r.contract_dict() for r in results], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print_results(results)


@app.command("parse-leave")
def parse_leave_command(
    text: Annotated[str, typer.Argument(help="Het chatbericht van de medewerker.")],
    today: Annotated[str, typer.Option("--today", help="De datum van vandaag, JJJJ-MM-DD.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON-uitvoer volgens het contract.")] = False,
) -> None:
    """Lees een verlofaanvraag uit een chatbericht (schrijft niets weg)."""
    try:
        day = dt.date.fromisoformat(today)
    except ValueError as exc:
        raise typer.BadParameter(f"--today {today!r} is geen datum (JJJJ-MM-DD)") from exc
    result = parse_leave(text, day)
    if as_json:
        payload = {"error": result.message} if isinstance(result, NotALeaveRequest) else \
            result.model_dump(mode="json")
        typer.echo(json.dumps(payload, ensure_ascii=False))
    elif isinstance(result, NotALeaveRequest):
        typer.echo(result.message)
    else:
        typer.echo(describe_leave(result))


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    """The migrated database of these settings (created on first use)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.database)
    migrate(engine)
    return engine


@app.command("import-roster")
def import_roster_command(
    file: Annotated[Path, typer.Argument(help="roster.json of een CSV (zie README).")],
) -> None:
    """Laad werkgevers, afzenders en medewerkers in de database."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise typer.BadParameter(f"kan {file} niet lezen: {exc.strerror}") from exc
    try:
        roster = roster_from_csv(text) if file.suffix.lower() == ".csv" else Roster.model_validate_json(text)
    except (RosterError, ValidationError) as exc:
        typer.echo(f"{file} is niet in te lezen: {exc}", err=True)
        raise typer.Exit(2) from exc
    employers, employees = import_roster(_database(load_settings()), roster, actor="cli")
    typer.echo(f"{employers} werkgever(s) en {employees} medewerker(s) ingelezen.")


@app.command("drafts")
def drafts_command(
    status: Annotated[str | None, typer.Option("--status", help="Alleen deze status.")] = None,
    employer: Annotated[str | None, typer.Option("--employer", help="Alleen deze werkgever.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON-uitvoer volgens het contract.")] = False,
) -> None:
    """Toon de conceptmutaties in de database."""
    rows = drafts_json(_database(load_settings()), status=status, employer=employer)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        typer.echo(f"{row['id']:>6}  {row['status']:<9} {row['employer_id'] or '-':<24} {row['type']:<22} "
                   f"{row['employee_name'] or '-'}")


@app.command("outbox")
def outbox_command(
    as_json: Annotated[bool, typer.Option("--json", help="JSON-uitvoer.")] = False,
) -> None:
    """Toon de uitgaande berichten en hun status."""
    rows = outbox_json(_database(load_settings()))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        typer.echo(f"{row['id']:>6}  {row['status']:<8} {row['to']:<32} {row['subject']}")


@app.command("create-user")
def create_user_command(
    email: Annotated[str, typer.Argument(help="Het e-mailadres waarmee de gebruiker inlogt.")],
    role: Annotated[str, typer.Option("--role", help="admin, bureau of employer.")],
    password: Annotated[str, typer.Option("--password", help="Minstens 10 tekens.")],
    employer: Annotated[str | None, typer.Option("--employer", help="De werkgever (alleen bij --role employer).")]
    = None,
) -> None:
    """Maak een gebruiker voor het dashboard."""
    from workflows.users import UserError, create_user

    try:
        user = create_user(_database(load_settings()), email, role=role, password=password, employer_id=employer)
    except UserError as exc:
        typer.echo(f"Gebruiker niet aangemaakt: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Gebruiker {user.email} ({user.role}) aangemaakt.")


@app.command("invite")
def invite_command(
    email: Annotated[str, typer.Argument(help="Het e-mailadres van de nieuwe gebruiker.")],
    employer: Annotated[str | None, typer.Option("--employer", help="De werkgever (bij --role employer).")] = None,
    role: Annotated[str, typer.Option("--role", help="employer (standaard), bureau of admin.")] = "employer",
) -> None:
    """Nodig iemand uit voor het dashboard: een mail met een link om een eigen wachtwoord te kiezen."""
    from notifier.account_mail import link_mailer
    from workflows.accounts import INVITE, LIFETIMES, invite
    from workflows.users import UserError

    settings = load_settings()
    try:
        user, _token = invite(_database(settings), email, employer_id=employer, role=role, actor="cli",
                              on_issued=link_mailer(settings, INVITE))
    except UserError as exc:
        typer.echo(f"Niet uitgenodigd: {exc}", err=True)
        raise typer.Exit(2) from exc
    relay = "de relay (LOONBODE_RELAY_URL)" if settings.relay_url else \
        "de relay, zodra LOONBODE_RELAY_URL is ingesteld"
    typer.echo(f"De uitnodiging voor {user.email} ({user.role}) wacht in de outbox; `loonbode serve` verstuurt hem "
               f"via {relay}. De link werkt {LIFETIMES[INVITE].days} dagen en één keer.")


@app.command("export-codes")
def export_codes_command(
    employer: Annotated[str, typer.Argument(help="De werkgever (id uit het personeelsbestand).")],
    set_codes: Annotated[list[str] | None, typer.Option("--set", help="SOORT=CODE, bv. hours:overtime:125=OV125.")]
    = None,
    clear: Annotated[list[str] | None, typer.Option("--clear", help="SOORT terug naar de standaardcode.")] = None,
) -> None:
    """Toon of wijzig de Nmbrs-codes (uursoorten, looncomponenten) van een werkgever."""
    from workflows.export import ExportError, clear_export_code, export_codes, set_export_code

    engine = _database(load_settings())
    try:
        for item in set_codes or []:
            kind, sep, code = item.partition("=")
            if not sep:
                raise ExportError(f"'{item}' is niet in de vorm SOORT=CODE")
            set_export_code(engine, employer, kind.strip(), code.strip(), actor="cli")
        for kind in clear or []:
            clear_export_code(engine, employer, kind.strip(), actor="cli")
        codes = export_codes(engine, employer)
    except ExportError as exc:
        typer.echo(f"Niet gelukt: {exc}", err=True)
        raise typer.Exit(2) from exc
    for kind, code in sorted(codes.items()):
        typer.echo(f"{kind:<28} {code}")


@app.command("run-done")
def run_done_command(
    employer: Annotated[str, typer.Argument(help="De werkgever (id uit het personeelsbestand).")],
    period: Annotated[str, typer.Argument(help="De periode: JJJJ-MM, of JJJJ-Pnn bij vierwekelijks.")],
) -> None:
    """Meld de verloning van een periode als klaar: werkgever en medewerkers krijgen bericht (één keer)."""
    from notifier.documents_ready import queue_documents_ready, queued_summary
    from workflows.payroll_periods import PeriodError, mark_run_done

    settings = load_settings()
    engine = _database(settings)
    try:
        row = mark_run_done(engine, employer, period, actor="cli")
    except PeriodError as exc:
        typer.echo(f"Niet gelukt: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"De verloning van {period} voor {employer} staat als klaar gemeld.")
    queue_documents_ready(engine, settings)
    assert row.id is not None
    summary = queued_summary(engine, row.id)
    if summary is None:
        typer.echo("De berichten zijn nog niet klaargezet; `loonbode serve` doet dat binnen een minuut.")
        return
    typer.echo(f"{summary.messages} bericht(en) wachten in de outbox: {summary.employer_mails} mail(s) aan de "
               f"werkgever, {summary.employee_mails} mail(s) en {summary.telegram} Telegram-bericht(en) aan "
               "medewerkers.")
    relay = "de relay (LOONBODE_RELAY_URL)" if settings.relay_url else \
        "de relay, zodra LOONBODE_RELAY_URL is ingesteld"
    typer.echo(f"`loonbode serve` verstuurt ze: mail via {relay}, Telegram via de bot.")
    unreachable = summary.unreachable_employee_ids
    if unreachable:
        typer.echo(f"Geen bericht aan {len(unreachable)} medewerker(s) zonder Telegram-koppeling of e-mailadres "
                   f"(werknemer-id {', '.join(str(i) for i in unreachable)}).")


@app.command("employee-export")
def employee_export_command(
    employer: Annotated[str, typer.Argument(help="De werkgever (id uit het personeelsbestand).")],
    number: Annotated[str, typer.Argument(help="Het personeelsnummer van de medewerker.")],
    out: Annotated[Path | None, typer.Option("--out", help="Schrijf naar dit bestand (anders naar stdout).")] = None,
) -> None:
    """Alle gegevens over één medewerker als JSON (inzageverzoek); BSN en IBAN staan er onverkort in."""
    from workflows.personal_data import export_employee, find_employee

    engine = _database(load_settings())
    employee_id = find_employee(engine, employer, number)
    if employee_id is None:
        typer.echo(f"Werkgever {employer} heeft geen medewerker met personeelsnummer {number}.", err=True)
        raise typer.Exit(1)
    text = json.dumps(export_employee(engine, employee_id), ensure_ascii=False, indent=1) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:  # readable by the owner only: the file holds BSN and IBAN
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        typer.echo(f"kan {out} niet schrijven: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Gegevens van medewerker {number} ({employer}) geschreven naar {out}.")


@app.command("employee-erase")
def employee_erase_command(
    employer: Annotated[str, typer.Argument(help="De werkgever (id uit het personeelsbestand).")],
    number: Annotated[str, typer.Argument(help="Het personeelsnummer van de medewerker.")],
    yes: Annotated[bool, typer.Option("--yes", help="Echt wissen (kan niet ongedaan worden gemaakt).")] = False,
) -> None:
    """Wis de gegevens van één medewerker voor zover de wet dat toestaat; wat blijft, staat in de uitvoer."""
    from workflows.personal_data import erase_employee, find_employee

    settings = load_settings()
    engine = _database(settings)
    employee_id = find_employee(engine, employer, number)
    if employee_id is None:
        typer.echo(f"Werkgever {employer} heeft geen medewerker met personeelsnummer {number}.", err=True)
        raise typer.Exit(1)
    if not yes:
        typer.echo("Wissen kan niet ongedaan worden gemaakt; herhaal het commando met --yes.", err=True)
        raise typer.Exit(2)
    done = erase_employee(engine, employee_id, actor="cli", now=dt.datetime.now(dt.UTC), data_dir=settings.data_dir)
    typer.echo(f"Gegevens van medewerker {number} ({employer}) gewist: {done.telegram_chats} Telegram-koppeling(en), "
               f"{done.link_codes} koppelcode(s), {done.messages_deleted} uitgaand(e) bericht(en), "
               f"{done.drafts_scrubbed} concept(en) leeggemaakt ({done.drafts_rejected} afgewezen), "
               f"{done.leave_requests_scrubbed} verlofaanvra(a)g(en) leeggemaakt, "
               f"{done.raw_mails_deleted} mail(s) verwijderd.")
    if done.address_shared:
        typer.echo("Het e-mailadres is ook van een ander (contactpersoon, gebruiker of collega): de berichten "
                   "daaraan zijn bewaard.")
    typer.echo(f"Bewaard: {done.kept_exported_drafts} geëxporteerde mutatie(s) en {done.kept_leave_entries} "
               f"verlofboeking(en). {done.kept[0].upper()}{done.kept[1:]}.")


@app.command("serve")
def serve_command(
    demo: Annotated[bool, typer.Option("--demo", help="Maak een demo-omgeving met voorbeeldwerkgever.")] = False,
) -> None:
    """Start alles: SMTP, IMAP (indien ingesteld), de verwerking, het verzenden en het dashboard."""
    from intake.service import run

    settings = load_settings()
    if demo and "require_two_factor_for_bureau" not in settings.model_fields_set:
        # The demo prints a bureau login to try at once; two-factor login only when asked for explicitly.
        settings = settings.model_copy(update={"require_two_factor_for_bureau": False})
    raise typer.Exit(run(settings, demo=demo))


def main() -> None:
    app()
