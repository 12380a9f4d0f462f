"""Tests of the intake channels; small helpers the SMTP and service tests share."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 60.0) -> bool:
    """True once something accepts connections on 127.0.0.1:port (polled, generous timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def as_crlf(raw: bytes) -> bytes:
    """The bytes as an MTA puts them on the wire: every line ending CRLF."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for localhost (openssl; `cryptography` is not installed here)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    return cert, key
