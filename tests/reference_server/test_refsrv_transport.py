"""The generic transport (reference_server/transport), in process, with a toy session:
server pushes through the wakeup, lazy streaming under flow control, the refusal line,
whole-command idle timeouts, blocking commands off the event loop, one failing session
not taking the listener down. POP3 and IMAP rely on each of these."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mailspec.reference_server.pop3.protocol import byte_stuff
from mailspec.reference_server.pop3.streaming import stuffed_chunks
from mailspec.reference_server.transport import (
    Close,
    ConnectionConfig,
    ConnectionLimits,
    Event,
    Listener,
    SansIOSession,
    Send,
    SendStream,
    SessionConnection,
)

TIMEOUT = 5.0
CHUNK = 64 * 1024


class ToySession(SansIOSession):
    """One command per line: PING, PUSH (a pushed line from another thread soon),
    BIG n (n chunks of 64 KiB, streamed), SLOW (blocks 2 s), FAIL, QUIT."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.pulled = 0
        self.pushed: list[bytes] = []
        self.lost = False

    def greeting(self) -> bytes:
        return b"* toy ready\r\n"

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def _peek(self) -> bytes | None:
        nl = self.buffer.find(b"\n")
        return None if nl < 0 else bytes(self.buffer[:nl]).strip()

    def next_blocks(self) -> bool:
        return self._peek() == b"SLOW"

    def next_events(self) -> list[Event]:
        text = self._peek()
        if text is None:
            return []
        del self.buffer[: self.buffer.find(b"\n") + 1]
        self.commands_received += 1
        word, _, arg = text.partition(b" ")
        if word == b"PING":
            return [Send(b"PONG\r\n")]
        if word == b"PUSH":
            threading.Timer(0.1, self._push_from_thread).start()
            return [Send(b"OK push scheduled\r\n")]
        if word == b"BIG":
            return [SendStream(self._chunks(int(arg))), Send(b"OK big\r\n")]
        if word == b"SLOW":
            time.sleep(2.0)
            return [Send(b"OK slow\r\n")]
        if word == b"FAIL":
            raise RuntimeError("a bug in the core")
        if word == b"QUIT":
            return [Send(b"BYE\r\n"), Close()]
        return [Send(b"ERR\r\n")]

    def _chunks(self, count: int) -> Iterator[bytes]:
        for _ in range(count):
            self.pulled += 1
            yield b"x" * (CHUNK - 2) + b"\r\n"

    def _push_from_thread(self) -> None:
        self.pushed.append(b"* PUSHED\r\n")
        self.wakeup()

    def pending_output(self) -> list[Event]:
        out, self.pushed = self.pushed, []
        return [Send(b) for b in out]

    def timeout_events(self) -> list[Event]:
        return [Send(b"* BYE idle\r\n")]

    def connection_lost(self) -> None:
        self.lost = True


Scenario = Callable[[int, list[ToySession]], Awaitable[None]]


def run(
    scenario: Scenario,
    *,
    limits: ConnectionLimits | None = None,
    config: ConnectionConfig | None = None,
) -> list[ToySession]:
    sessions: list[ToySession] = []

    async def main() -> None:
        executor = ThreadPoolExecutor(4)

        def make(on_close: Callable[[], None]) -> asyncio.Protocol:
            session = ToySession()
            sessions.append(session)
            return SessionConnection(
                session, config or ConnectionConfig(), executor=executor, on_close=on_close
            )

        listener = Listener(
            "toy",
            make,
            limits=limits or ConnectionLimits(10, 10),
            refusal=b"* BYE too many connections\r\n",
        )
        await listener.start("127.0.0.1", 0)
        try:
            await asyncio.wait_for(scenario(listener.port, sessions), 30)
        finally:
            listener.close()
            await listener.close_connections()
            executor.shutdown(wait=True)

    asyncio.run(main())
    return sessions


async def open_client(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(reader.readline(), TIMEOUT) == b"* toy ready\r\n"
    return reader, writer


async def line(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readline(), TIMEOUT)


def test_push_through_the_wakeup_reaches_an_idle_client() -> None:
    """A session's wakeup, called from another thread while the connection waits for
    input, gets ``pending_output()`` written without the client sending anything."""

    async def scenario(port: int, sessions: list[ToySession]) -> None:
        reader, writer = await open_client(port)
        writer.write(b"PUSH\r\n")
        assert await line(reader) == b"OK push scheduled\r\n"
        assert await line(reader) == b"* PUSHED\r\n"
        writer.write(b"PING\r\n")
        assert await line(reader) == b"PONG\r\n"
        writer.close()

    run(scenario)


def test_stream_is_pulled_only_as_the_client_reads() -> None:
    """A 64 MiB ``SendStream`` to a client that does not read pulls a few chunks, not
    all of them, and the client is dropped after the write timeout; a reading client
    gets every chunk, then the rest of the events in order."""

    async def scenario(port: int, sessions: list[ToySession]) -> None:
        reader, writer = await open_client(port)
        writer.write(b"BIG 1024\r\n")
        await asyncio.sleep(1.0)
        idle = sessions[0]
        assert idle.pulled < 200, idle.pulled  # kernel buffers hold some; not 64 MiB
        for _ in range(40):  # the write timeout (1 s) drops it
            if idle.lost:
                break
            await asyncio.sleep(0.1)
        assert idle.lost
        writer.close()

        reader, writer = await open_client(port)
        writer.write(b"BIG 64\r\nPING\r\n")
        data = await asyncio.wait_for(reader.readexactly(64 * CHUNK), TIMEOUT)
        assert len(data) == 64 * CHUNK
        assert await line(reader) == b"OK big\r\n"
        assert await line(reader) == b"PONG\r\n"
        writer.close()

    run(scenario, config=ConnectionConfig(write_timeout=1.0))


def test_refusal_line_over_the_limit() -> None:
    """Over the listener's limit a connection gets the protocol's refusal (here
    IMAP's ``* BYE``) and is closed; once a slot is free, connections are served."""

    async def scenario(port: int, sessions: list[ToySession]) -> None:
        reader, writer = await open_client(port)
        other_reader, other = await asyncio.open_connection("127.0.0.1", port)
        assert await line(other_reader) == b"* BYE too many connections\r\n"
        assert await asyncio.wait_for(other_reader.read(), TIMEOUT) == b""
        other.close()
        writer.write(b"QUIT\r\n")
        assert await line(reader) == b"BYE\r\n"
        writer.close()
        for _ in range(50):
            third_reader, third = await asyncio.open_connection("127.0.0.1", port)
            if await line(third_reader) == b"* toy ready\r\n":
                third.close()
                return
            third.close()
            await asyncio.sleep(0.05)
        raise AssertionError("the slot was never freed")

    run(scenario, limits=ConnectionLimits(1, 1))


def test_idle_timer_restarts_on_whole_commands_only() -> None:
    """Bytes of an unfinished command do not keep the connection: ``timeout_events()``
    is written after the idle timeout; whole commands do keep it."""

    async def scenario(port: int, sessions: list[ToySession]) -> None:
        reader, writer = await open_client(port)
        for _ in range(4):  # 1.2 s of whole commands, idle timeout 0.5 s
            await asyncio.sleep(0.3)
            writer.write(b"PING\r\n")
            assert await line(reader) == b"PONG\r\n"

        async def drip() -> None:
            for byte in b"PINGPINGPING":  # a byte every 0.3 s, never a whole line
                writer.write(bytes([byte]))
                await asyncio.sleep(0.3)

        started = time.monotonic()
        dripping = asyncio.create_task(drip())
        assert await line(reader) == b"* BYE idle\r\n"
        # 0.5 s after the last whole command; counting bytes it would be 3.6 s or more.
        assert time.monotonic() - started < 1.5
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        dripping.cancel()
        writer.close()

    run(scenario, config=ConnectionConfig(idle_timeout=0.5))


def test_blocking_commands_run_off_the_event_loop() -> None:
    """While one connection's command blocks (``next_blocks()``), another is answered."""

    async def scenario(port: int, sessions: list[ToySession]) -> None:
        slow_reader, slow = await open_client(port)
        reader, writer = await open_client(port)
        slow.write(b"SLOW\r\n")
        await asyncio.sleep(0.05)
        started = time.monotonic()
        writer.write(b"PING\r\n")
        assert await line(reader) == b"PONG\r\n"
        assert time.monotonic() - started < 1.0
        assert await line(slow_reader) == b"OK slow\r\n"
        slow.close()
        writer.close()

    run(scenario)


def test_a_failing_session_ends_only_its_connection(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(port: int, sessions: list[ToySession]) -> None:
        reader, writer = await open_client(port)
        writer.write(b"FAIL\r\n")
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        writer.close()
        reader, writer = await open_client(port)
        writer.write(b"PING\r\n")
        assert await line(reader) == b"PONG\r\n"
        writer.close()

    sessions = run(scenario)
    assert sessions[0].lost
    assert sum("unexpected error" in r.getMessage() for r in caplog.records) == 1


@given(
    st.lists(
        st.sampled_from([b".", b"..", b"x", b"\r\n", b".x\r\n", b"abc", b"\r\n.\r\n"]),
        max_size=60,
    ),
    st.integers(min_value=1, max_value=20),
)
def test_stuffed_chunks_equal_byte_stuffing_of_the_whole(parts: list[bytes], size: int) -> None:
    """Cutting a body into chunks (at any size, inside lines too) stuffs it exactly
    like stuffing it whole (RFC 1939 §3)."""
    wire = b"".join(parts)
    wire = wire.replace(b"\r", b"").replace(b"\n", b"\r\n")  # wire form: CRLF lines
    if wire and not wire.endswith(b"\r\n"):
        wire += b"\r\n"
    assert b"".join(stuffed_chunks(wire, size)) == byte_stuff(wire)
