"""Fixtures for the IMAP tests: the Dovecot that `scripts/test` starts, and a fresh mailbox per test.

`scripts/services/dovecot.sh` accepts the user `loonbode` and any `test-*` user (same
password), each with a mailbox of its own; `mailbox` logs in as a new `test-…` user, so
every test owns its folders and order never matters.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from imap_tools import BaseMailBox, MailBoxUnencrypted, MailMessage, MailMessageFlags

IMAP_URL = os.environ.get("LOONBODE_TEST_IMAP_URL")


@pytest.fixture
def imap_url() -> str:
    """The test server's URL (`imap://loonbode:loonbode@127.0.0.1:PORT/INBOX`)."""
    if not IMAP_URL:
        pytest.fail("LOONBODE_TEST_IMAP_URL is not set: run the suite through ./scripts/test, which starts Dovecot "
                    "(or: eval \"$(scripts/services/dovecot.sh start /tmp/dovecot-dev)\")")
    return IMAP_URL


class _RawMessage(MailMessage):
    """Keeps the exact bytes the server returned, to compare with what was stored."""

    def __init__(self, fetch_data: list) -> None:
        super().__init__(fetch_data)
        self.raw = self._get_message_data_parts(fetch_data)[0]


class _Box(MailBoxUnencrypted):
    email_message_class = _RawMessage


class TestMailbox:
    """One test user's mailbox on the server, opened afresh for every call."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, server_url: str, user: str) -> None:
        parts = urlsplit(server_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 143
        self.user = user
        self.password = parts.password or ""

    def url(self, folder: str = "INBOX") -> str:
        """LOONBODE_IMAP_URL for polling `folder` of this mailbox."""
        netloc = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}"
        return urlunsplit(("imap", netloc, f"/{quote(folder, safe='')}", "", ""))

    @contextmanager
    def session(self) -> Iterator[BaseMailBox]:
        with _Box(self.host, self.port, timeout=30).login(self.user, self.password,
                                                                        initial_folder=None) as box:
            yield box

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.session() as box:
            box.append(raw, folder)

    def create(self, folder: str) -> None:
        with self.session() as box:
            box.folder.create(folder)

    def delete(self, folder: str) -> None:
        with self.session() as box:
            box.folder.delete(folder)

    def exists(self, folder: str) -> bool:
        with self.session() as box:
            return box.folder.exists(folder)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.session() as box:
            return box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"]

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The exact bytes of every message in `folder`, in UID order, without marking them seen."""
        with self.session() as box:
            box.folder.set(folder)
            return [m.raw for m in box.fetch(mark_seen=False, bulk=True)]  # type: ignore[attr-defined]

    def seen(self, folder: str = "INBOX") -> list[bool]:
        with self.session() as box:
            box.folder.set(folder)
            return [MailMessageFlags.SEEN in m.flags for m in box.fetch(mark_seen=False, headers_only=True)]



@pytest.fixture
def mailbox(imap_url: str) -> TestMailbox:
    """A fresh, empty mailbox of this test's own (user `test-<random>`)."""
    box = TestMailbox(imap_url, f"test-{uuid.uuid4().hex[:12]}")
    with box.session():
        pass  # logging in once creates the mailbox, so a login problem shows here, not mid-test
    return box
