"""Drive the sans-IO IMAP core with byte strings: no network."""

from __future__ import annotations

from mailspec.reference_server.imap.protocol import ImapConfig, ImapSession
from mailspec.reference_server.transport.events import Close, Send, SendStream, StartTls
from mailspec.reference_server.users import UserDb

from .memory_store import MemStore

USERS = {"mailspec1": "secret-1", "mailspec2": "secret-2"}
USER, PASSWORD = "mailspec1", "secret-1"


class Harness:
    def __init__(
        self,
        store: MemStore | None = None,
        session_class: type[ImapSession] = ImapSession,
        **config: object,
    ) -> None:
        self.store = store or MemStore()
        self.store.account(USER)
        self.session = session_class(self.store, UserDb(USERS), ImapConfig(**config))  # type: ignore[arg-type]
        self.wakeups = 0
        self.session.set_wakeup(self._woken)
        self.greeting = self.session.greeting()

    def _woken(self) -> None:
        self.wakeups += 1

    def events(self, data: bytes) -> list[object]:
        return list(self.session.receive_data(data))

    def raw(self, data: bytes) -> bytes:
        return render(self.events(data))

    def lines(self, data: bytes) -> list[bytes]:
        out = self.raw(data)
        assert out.endswith(b"\r\n") or not out, out
        return out[:-2].split(b"\r\n") if out else []

    def cmd(self, text: str | bytes) -> list[bytes]:
        data = text.encode() if isinstance(text, str) else text
        return self.lines(data + b"\r\n")

    def ok(self, text: str | bytes, tag: bytes = b"") -> list[bytes]:
        lines = self.cmd(text)
        tag = tag or (text.encode() if isinstance(text, str) else text).split(b" ", 1)[0]
        assert lines[-1].startswith(tag + b" OK"), lines
        return lines

    def login(self) -> None:
        self.ok(f"l1 LOGIN {USER} {PASSWORD}")

    def select(self, name: str = "INBOX") -> list[bytes]:
        return self.ok(f"s1 SELECT {name}")

    def push(self) -> bytes:
        return render(self.session.pending_output())


def render(events: list[object]) -> bytes:
    out = bytearray()
    for event in events:
        if isinstance(event, Send):
            out += event.data
        elif isinstance(event, SendStream):
            out += event.join()
        else:
            assert isinstance(event, (StartTls, Close)), event
    return bytes(out)
