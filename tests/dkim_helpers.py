"""DKIM in tests: a real RSA key made by openssl, mail signed with dkimpy, and a DNS table instead of DNS."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import dkim
import pytest


def make_key(folder: Path) -> tuple[bytes, bytes]:
    """A 2048-bit RSA key: (private PEM, the DNS TXT record with its public half)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is needed to make a DKIM test key (Debian: apt-get install openssl)")
    private, public = folder / "key.pem", folder / "pub.pem"
    subprocess.run([openssl, "genrsa", "-out", str(private), "2048"], check=True, capture_output=True)
    subprocess.run([openssl, "rsa", "-in", str(private), "-pubout", "-out", str(public)], check=True,
                   capture_output=True)
    body = "".join(line for line in public.read_text().splitlines() if not line.startswith("-----"))
    return private.read_bytes(), f"v=DKIM1; k=rsa; p={body}".encode()


def signed(raw: bytes, private: bytes, domain: str = "garagehoek.example", selector: str = "mail") -> bytes:
    signature = dkim.sign(raw, selector.encode(), domain.encode(), private,
                          include_headers=[b"From", b"To", b"Subject", b"Date", b"Message-ID"])
    return signature + raw


def dns(records: dict[str, bytes]) -> Callable[..., bytes | None]:
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return records.get(name.decode().rstrip("."))
    return lookup
