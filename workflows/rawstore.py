"""Raw mail on disk, content-addressed and durable before anyone is told it arrived.

A file is written to a temporary name, fsynced, renamed into place and its folder
fsynced (as Postfix and Mailman do), so a crash leaves either the whole file or none.
The same bytes twice give the same path: nothing is written twice.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def raw_path(digest: str) -> str:
    """The path of a message relative to the data dir: raw/ab/cd/abcd….eml."""
    return f"raw/{digest[:2]}/{digest[2:4]}/{digest}.eml"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_raw(data_dir: Path, raw: bytes) -> tuple[str, str]:
    """Store `raw` durably; returns (sha256, path relative to data_dir)."""
    digest = content_hash(raw)
    relative = raw_path(digest)
    target = data_dir / relative
    if target.exists() and target.stat().st_size == len(raw):
        return digest, relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    _fsync_dir(target.parent)
    return digest, relative


def read_raw(data_dir: Path, relative: str) -> bytes:
    return (data_dir / relative).read_bytes()
