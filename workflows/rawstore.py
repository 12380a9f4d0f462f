"""Raw mail on disk, content-addressed and durable before anyone is told it arrived.

A file is written to a temporary name, fsynced, renamed into place and its folder
fsynced (as Postfix and Mailman do), so a crash leaves either the whole file or none.
Folders made on the way are fsynced into their parents too. The same bytes twice give
the same path: nothing is written twice. `write_raws` stores a batch with one folder
fsync per folder, which is what lets the SMTP listener commit several mails at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def raw_path(digest: str) -> str:
    """The path of a message relative to the data dir: raw/ab/cd/abcd….eml."""
    return f"raw/{digest[:2]}/{digest[2:4]}/{digest}.eml"


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(folder: str, data_dir: str, touched: set[str]) -> None:
    """Create `folder` and any missing parents below `data_dir`; each new one's parent gets fsynced."""
    missing: list[str] = []
    current = folder
    while current != data_dir and not os.path.isdir(current):
        missing.append(current)
        current = os.path.dirname(current)
    for made in reversed(missing):
        try:
            os.mkdir(made)
        except FileExistsError:
            if not os.path.isdir(made):
                raise
        touched.add(os.path.dirname(made))


def write_raws(data_dir: Path, raws: Sequence[bytes]) -> list[tuple[str, str]]:
    """Store every message in `raws` durably; returns (sha256, path relative to data_dir) for each."""
    root = os.fspath(data_dir)
    pid = os.getpid()
    stored: list[tuple[str, str]] = []
    touched: set[str] = set()
    for raw in raws:
        digest = content_hash(raw)
        relative = raw_path(digest)
        stored.append((digest, relative))
        target = os.path.join(root, relative)
        try:
            if os.stat(target).st_size == len(raw):
                continue
        except FileNotFoundError:
            pass
        folder = os.path.dirname(target)
        _make_dirs(folder, root, touched)
        temporary = os.path.join(folder, f".{digest}.{pid}.{threading.get_ident()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            try:
                view = memoryview(raw)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, target)
        except BaseException:
            # A half-written file (a full disk) must not stay behind taking the space that is short.
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        touched.add(folder)
    # Children before parents, so a new folder's entry is durable only once its content is.
    for folder in sorted(touched, key=len, reverse=True):
        _fsync_dir(folder)
    return stored


def read_raw(data_dir: Path, relative: str) -> bytes:
    return (data_dir / relative).read_bytes()
