"""Attachment names an attacker chooses: path traversal, NUL, CR/LF, control and bidi characters, length.

One mail carries them all, in every way a name reaches a MIME parser (a quoted `filename`, RFC
2231 `filename*` with percent-encoded bytes, an RFC 2047 encoded word, the Content-Type `name`),
and goes through `store_inbound` and `run_pending`. Then: nothing was written outside the data dir
(nor anywhere in it but the raw mail), every stored name is a plain base name, and the dashboard
shows the names as text.
"""

from __future__ import annotations

import base64
import os
import re
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from parsers.mime import MAX_FILENAME_CHARS, read_mail
from tests.dashboard.conftest import seeded_dashboard
from tests.security.conftest import active_content, read_page
from workflows.inbound import store_inbound
from workflows.models import Attachment, DraftRow, InboundMessage, InboundStatus
from workflows.pipeline import run_pending

LONG = "L" * 295 + ".xlsx"
# (Content-Disposition or Content-Type parameter as written in the mail, what an attacker meant)
NAMES = [
    ('filename="../../etc/passwd.xlsx"', "../../etc/passwd.xlsx"),
    ("filename*=utf-8''..%5C..%5Cwin.ini", "..\\..\\win.ini"),
    ('filename="..\\\\..\\\\boot.ini"', "..\\..\\boot.ini"),
    ('filename="/etc/cron.d/loonbode"', "/etc/cron.d/loonbode"),
    ("filename*=utf-8''a%00b.xlsx", "a\x00b.xlsx"),
    ("filename*=utf-8''evil%0D%0AContent-Type%3A%20text%2Fhtml.xlsx", "evil\r\nContent-Type: text/html.xlsx"),
    ("filename*=utf-8''bel%07esc%1B%5B31mdel%7Fnel%C2%85tab%09.xlsx", "bel\x07esc\x1b[31mdel\x7fnel\x85tab\t.xlsx"),
    ("filename*=utf-8''factuur%E2%80%AExslx.exe", "factuur\u202exslx.exe"),
    ("filename*=utf-8''zero%E2%80%8Bwidth%EF%BB%BF.xlsx", "zero\u200bwidth\ufeff.xlsx"),
    ('filename="=?utf-8?q?..=2F..=2Fencoded=0D=0A.xlsx?="', "../../encoded\r\n.xlsx"),
    (f'filename="{LONG}"', LONG),
    ('filename=".."', ".."),
    ('filename=".htaccess"', ".htaccess"),
    ('filename="<img src=x onerror=alert(1)>.csv"', "<img src=x onerror=alert(1)>.csv"),
]
CONTENT_TYPE_NAME = 'name="../../content-type-name.xlsx"'  # only in Content-Type, no filename
OUTSIDE = [Path("/etc/passwd.xlsx"), Path("/win.ini"), Path("/boot.ini"), Path("/etc/cron.d/loonbode"),
           Path("/encoded.xlsx"), Path("/content-type-name.xlsx")]


def hostile_mail() -> bytes:
    data = base64.encodebytes(b"Pnr;Naam;Uren\r\n71;Gerrit;3\r\n").decode()
    parts = ["Content-Type: text/plain; charset=utf-8\r\n\r\nPriya Ramdin is sinds maandag ziek.\r\n\r\nGroet, Ria\r\n"]
    for parameter, _meant in NAMES:
        parts.append(f"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; {parameter}\r\n"
                     f"Content-Transfer-Encoding: base64\r\n\r\n{data}")
    parts.append(f"Content-Type: application/octet-stream; {CONTENT_TYPE_NAME}\r\n"
                 f"Content-Transfer-Encoding: base64\r\n\r\n{data}")
    head = ("From: Ria Hoek <ria@garagehoek.example>\r\nTo: mutaties@bureau.example\r\n"
            "Subject: Mutaties met bijlagen\r\nDate: Wed, 18 Mar 2026 09:00:00 +0100\r\n"
            "Message-ID: <bijlagen-namen@garagehoek.example>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="GRENS"\r\n\r\n')
    return (head + "".join(f"--GRENS\r\n{p}\r\n" for p in parts) + "--GRENS--\r\n").encode("utf-8")


def tree(root: Path) -> dict[str, int]:
    """Every file below `root` (relative path -> size); folders too (size -1)."""
    found: dict[str, int] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(folder, name), root)] = -1
        for name in files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = os.path.getsize(path)
    return found


def unsafe_characters(name: str) -> list[str]:
    """Path separators, and characters that are control, format (bidi, zero width) or line separators."""
    return [repr(ch) for ch in name if ch in "/\\" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]


def test_the_name_check_catches_what_it_should():
    for meant in ("../x", "a\\b", "a\x00b", "a\r\nb", "x\u202ey", "x\u2028y", "\x85"):
        assert unsafe_characters(meant), meant
    assert unsafe_characters("factuur maart (v2).xlsx") == []


@pytest.fixture
def nested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """A data dir deep enough that `../../` from it still lands inside tmp_path, and a working folder
    beside it, so a relative write would show up in one of the trees we compare."""
    data_dir = tmp_path / "deep" / "er" / "data"
    work = tmp_path / "work" / "a" / "b"
    data_dir.mkdir(parents=True)
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return tmp_path, data_dir, work


def test_hostile_attachment_names_write_nothing_outside_and_are_stored_as_plain_names(
        engine: Engine, nested: tuple[Path, Path, Path]):
    root, data_dir, _work = nested
    board = seeded_dashboard(engine, data_dir)
    outside_before = {str(p): p.exists() for p in OUTSIDE}
    root_before = {k: v for k, v in tree(root).items() if not k.startswith("deep/er/data") and "sqlite3" not in k}
    data_before = tree(data_dir)

    inbound_id = store_inbound(engine, data_dir, hostile_mail(), channel="smtp")
    run_pending(engine, data_dir, "test")

    with Session(engine) as session:
        message = session.get(InboundMessage, inbound_id)
        assert message is not None and message.status == InboundStatus.PARSED, message and message.status_detail
        drafts = list(session.exec(select(DraftRow).where(DraftRow.inbound_id == inbound_id)))
        attachment_rows = list(session.exec(select(Attachment)))
    # Nothing new outside the data dir (the database file aside), nor at the absolute targets.
    root_after = {k: v for k, v in tree(root).items() if not k.startswith("deep/er/data") and "sqlite3" not in k}
    assert root_after == root_before
    assert {str(p): p.exists() for p in OUTSIDE} == outside_before
    # In the data dir: the raw mail, at its content address, and nothing else.
    added = {k: v for k, v in tree(data_dir).items() if k not in data_before}
    files = [k for k, v in added.items() if v >= 0]
    assert files == [message.raw_path], added
    assert re.fullmatch(r"raw/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.eml", message.raw_path)
    assert (data_dir / message.raw_path).resolve().is_relative_to(data_dir.resolve())

    stored = [a.filename for a in read_mail((data_dir / message.raw_path).read_bytes()).attachments]
    assert len(stored) == len(NAMES) + 1, stored  # every attachment kept, none dropped for its name
    for name in stored + [row.filename for row in attachment_rows]:
        assert name and not name.startswith(".") and name.strip() == name, repr(name)
        assert unsafe_characters(name) == [], (name, unsafe_characters(name))
        assert len(name) <= MAX_FILENAME_CHARS and name not in (".", ".."), repr(name)
    assert any(n.endswith(".xlsx") and n.startswith("LLLL") for n in stored), "the long name lost its extension"
    assert "passwd.xlsx" in stored and "win.ini" in stored and "content-type-name.xlsx" in stored
    # Whatever the drafts and issues kept of a name is just as plain.
    for draft in drafts:
        part = str(draft.source.get("part", ""))
        if part.startswith("attachment:"):
            assert unsafe_characters(part.split(":", 1)[1]) == [], part
    for issue in message.issues:
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", str(issue.get("message", ""))), issue

    # The dashboard shows the names as text, exactly as stored.
    draft_id = next(d.id for d in drafts if d.type == "sick")
    answer = board.login("bureau").get(f"/drafts/{draft_id}")
    assert answer.status_code == 200
    page = read_page(answer.text)
    assert active_content(page) == []
    assert ", ".join(stored) in page.text
    assert "<img src=x onerror=alert(1)>.csv" in page.text and "<img src=x" not in answer.text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u202e\u200b\u2028\u2029]", answer.text)
