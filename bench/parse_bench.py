"""Parser speed, measured against baselines taken in the same run (machines here are noisy).

    python bench/parse_bench.py [--rows 100000] [--rounds 3]

Prints:
- mails parsed per second over the built dev corpus (all of it, and the body-only mails),
  beside the standard library merely parsing the same MIME (the ratio);
- Excel rows per second through `parse_mail` for a mail with a 100,000-row mutation sheet,
  beside plain openpyxl read-only iteration over the same file (the ratio);
- peak memory (max RSS) of a process that parses that mail, beside one that only iterates.

Aims (issue 2): >= 200 body-only mails/s on one core, Excel >= 0.5 of plain openpyxl,
peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "corpus"


def clear_caches() -> None:
    """Forget what the parser memoised, so a round does not profit from the round before."""
    for name, module in list(sys.modules.items()):
        if name.startswith("parsers."):
            for value in vars(module).values():
                if hasattr(value, "cache_clear"):
                    value.cache_clear()


def best_of(rounds: int, work) -> float:  # type: ignore[no-untyped-def]
    """The fastest of several timings: the least disturbed by the rest of the machine."""
    timings = []
    for _ in range(rounds):
        clear_caches()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def build_corpus(target: Path) -> Path:
    subprocess.run([sys.executable, str(SHARED / "build.py"), str(SHARED / "dev"), str(target)], check=True,
                   capture_output=True)
    return target


def bench_mails(corpus: Path, rounds: int) -> None:
    from parsers.mail import parse_mail
    from parsers.roster import Roster

    roster = Roster.model_validate_json((corpus / "roster.json").read_bytes())
    mails = [p.read_bytes() for p in sorted((corpus / "eml").glob("*.eml"))]
    body_only = [m for m in mails if b"Content-Disposition: attachment" not in m]
    for label, batch in (("all dev mails", mails), ("body-only mails", body_only)):
        ours = best_of(rounds, lambda b=batch: [parse_mail(m, roster) for m in b])
        stdlib = best_of(rounds, lambda b=batch: [email.message_from_bytes(m, policy=email.policy.default)
                                                  .get_body() for m in b])
        print(f"{label:>16}: {len(batch) / ours:8.0f} mails/s   stdlib MIME only: {len(batch) / stdlib:8.0f} "
              f"mails/s   ratio {stdlib / ours:.3f}")


def sheet_mail(rows: int) -> tuple[bytes, bytes]:
    """A mail with a mutation sheet of `rows` rows, and the sheet's bytes."""
    import openpyxl

    from tests.parsers.conftest import build_mail

    kinds = ["Overuren 125%", "Meeruren", "Declaratie", "ORT", "Bonus", "Overuren 150%"]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Mutaties")
    ws.append(["Mutatieoverzicht maart 2026"])
    ws.append(["Pnr", "Naam", "Soort mutatie", "Datum", "Uren", "Bedrag", "Opmerking"])
    for i in range(rows):
        kind = kinds[i % len(kinds)]
        money = kind in ("Declaratie", "Bonus")
        ws.append([71 + i % 7, "Gerrit Hoek", kind, None, None if money else 1 + i % 9,
                   12.5 + i % 50 if money else None, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return build_mail("Zie bijlage.", attachments=[("mutaties.xlsx", data, mime)]), data


def _child(mode: str, path: str) -> None:
    """Runs in a fresh process so its peak memory is its own."""
    data = Path(path).read_bytes()
    if mode == "plain":
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        count = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
    else:
        from parsers.mail import parse_mail
        from parsers.roster import Roster
        from tests.parsers.conftest import ROSTER

        count = len(parse_mail(data, Roster.model_validate(ROSTER)).mutations)
    # VmHWM belongs to this program's own memory map; ru_maxrss would carry the parent's peak over.
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    print(json.dumps({"count": count, "peak_mb": peak_kb / 1024}))


def bench_sheet(rows: int, rounds: int) -> None:
    import openpyxl

    from parsers.mail import parse_mail
    from parsers.roster import Roster
    from tests.parsers.conftest import ROSTER

    roster = Roster.model_validate(ROSTER)
    raw, data = sheet_mail(rows)

    def plain() -> int:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))

    ours = best_of(rounds, lambda: parse_mail(raw, roster))
    baseline = best_of(rounds, plain)
    found = len(parse_mail(raw, roster).mutations)
    print(f"{'excel rows':>16}: {rows / ours:8.0f} rows/s through parse_mail ({found} mutations)   "
          f"plain openpyxl: {rows / baseline:8.0f} rows/s   ratio {baseline / ours:.3f}  (aim >= 0.5)")
    with tempfile.TemporaryDirectory() as tmp:
        mail_path, sheet_path = Path(tmp, "mail.eml"), Path(tmp, "sheet.xlsx")
        mail_path.write_bytes(raw)
        sheet_path.write_bytes(data)
        peaks = {}
        for mode, path in (("parse", mail_path), ("plain", sheet_path)):
            run = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], capture_output=True,
                                 text=True, check=True, cwd=ROOT)
            peaks[mode] = json.loads(run.stdout.strip().splitlines()[-1])["peak_mb"]
    print(f"{'peak memory':>16}: {peaks['parse']:8.0f} MB parsing the mail   plain openpyxl: {peaks['plain']:8.0f} MB"
          f"   (aim < 300 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench_mails(build_corpus(Path(tmp) / "dev"), args.rounds)
    bench_sheet(args.rows, args.rounds)


if __name__ == "__main__":
    main()
