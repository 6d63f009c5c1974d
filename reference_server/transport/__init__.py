"""The reference server's one transport, for every protocol it speaks.

Theory of operation
-------------------
A protocol core is sans-IO (``session.SansIOSession``: bytes in, events out). This
package is everything between it and the network, written once for POP3, IMAP and the
listeners of SMTP/LMTP, and bounded whatever a client does.

Listening (``listener.Listener``)
    Each port has its own accept loop. ``accept()`` failures for lack of resources
    (EMFILE, ENFILE, ENOBUFS, ENOMEM) pause that listener (0.1 s, doubling up to 1 s)
    instead of spinning, and are logged once per episode (``limits.EpisodeLog``).
    Every listener has a connection limit, and a limit per client IP address
    (``limits.ConnectionLimits``); by default they come from RLIMIT_NOFILE, so that all
    listeners at their limits stay below the fd limit. A connection over a limit is
    accepted, gets the protocol's refusal line (``-ERR [SYS/TEMP] ...``, ``421 ...``,
    ``* BYE ...``; nothing on an implicit-TLS port) and is closed; one log line per
    episode, not per connection. Implicit TLS (pop3s, imaps) is done by the listener,
    with a handshake timeout, before the session sees a byte.

Per connection (``connection.SessionConnection``, an ``asyncio.Protocol``)
    One driver coroutine runs the session:

    1. write ``greeting()``;
    2. ask ``next_events()`` for the answer to *one* command unit; write its events;
    3. if the write buffer went above the high-water mark (``write_high``, 64 KiB),
       wait until it drained below ``write_low`` before anything else: the next chunk
       of a ``SendStream``, the next command. So replies are produced only as fast as
       the client consumes them, and a client that pipelines 1,000 RETRs of 1 MB and
       never reads costs one chunk of one reply;
    4. when ``next_events()`` returns ``[]`` (no complete command buffered), hand it
       the bytes received meanwhile (``feed``), or wait for more.

    Received bytes wait in a buffer of at most ``read_high`` (64 KiB); above it the
    socket is no longer read (``pause_reading``) until the session asks for more. With
    the session's own line limits, memory per connection is bounded by a few of these
    buffers plus one reply chunk (plus, today, the one message being streamed: the
    storage API reads a message whole).

    Timeouts: the idle timer restarts only when ``session.commands_received`` changed,
    i.e. a *complete* command arrived, and its reply has been written (RFC 1939 §3:
    the autologout timer is reset by a command). A line dripped in one byte at a time,
    or left unfinished, times out like silence. Then ``timeout_events()`` (``-ERR
    autologout``, ``* BYE``) is written with a 1 s limit and the connection closes.
    A reply that cannot drain for ``write_timeout`` seconds (the client does not read)
    drops the connection at once. ``Close`` closes after the buffer is flushed, but
    never waits longer than ``write_timeout`` either.

    Blocking work: when ``next_blocks()`` says so (a login that waits for a mailbox
    lock, a QUIT that rewrites and fsyncs), ``next_events()`` runs on the protocol's
    own bounded thread pool; everything else runs inline on the event loop. Cheap
    commands therefore never queue behind slow ones in a shared pool (before, a STAT
    under mixed load waited for asyncio's default pool, shared with every delivery).
    Calls into one session never overlap: the driver awaits each one.

    The fast path: while the driver is parked waiting for input, ``data_received``
    itself feeds the session and answers commands that do not block and whose events
    are plain ``Send``s, as long as the write buffer stays below the mark; anything
    else (a blocking command, a stream, STARTTLS, Close, a full buffer, a pending
    wakeup) is handed to the driver, which does exactly what it would have done. This
    saves a task switch per command, most of the per-command cost (POP3 NOOP round
    trip 240 -> ~70 us on the development machine).

    TLS upgrade: on ``StartTls`` the events before it are already in the transport's
    buffer; the bytes received after the command are discarded (no plaintext
    injection, RFC 2595 §4, RFC 9051 §6.2.1), ``loop.start_tls`` runs with the
    handshake timeout, then ``session.tls_started()``.

    Large replies: a ``SendStream`` carries an iterator of chunks (a RETR, an IMAP
    FETCH BODY[]); the transport pulls the next chunk only once the buffer is below the
    mark. The iterator runs on the event loop and must not block.

    Literals and continuations (IMAP ``{n}``): the transport knows nothing of them.
    The core answers a line that announces a synchronising literal with ``Send(b"+
    ...")`` and counts it in ``commands_received``; the literal's octets then arrive
    through ``feed`` like any others, at most ``read_high`` at a time, and the core
    decides when the command is complete. A core that accepts large literals should
    bound them itself (and stream them to storage) as it sees fit.

    Server-initiated output (IMAP IDLE's untagged ``EXISTS``, ``* BYE`` on shutdown):
    before the greeting the transport gives the session a thread-safe callback
    (``set_wakeup``). The session, or a store listener acting for it from any thread,
    calls ``session.wakeup()``; on the event loop the transport then calls
    ``pending_output()`` and writes what it returns -- at once if it was waiting for
    input, after the current reply otherwise. The session decides what is pending and
    whether it may be sent now (e.g. only while IDLE; otherwise before the next tagged
    reply, as part of ``next_events()``).

    Whatever ends the connection (QUIT, timeout, reset, write timeout, shutdown,
    an exception in the core: logged once, that connection only), the session gets
    ``connection_lost()`` exactly after its last call returned, and the listener's
    slot is released.

Plugging a protocol in::

    class ImapSession(SansIOSession): ...        # greeting, feed, next_events, ...

    def make(on_close):
        return SessionConnection(ImapSession(...), ConnectionConfig(idle_timeout=1800),
                                 executor=pool, ssl_context=ctx, on_close=on_close,
                                 name="imap")

    listener = await Listener("imap", make, limits=ConnectionLimits.default(n),
                              refusal=b"* BYE too many connections\r\n").start(host, port)

``docs/transport.md`` is the same design in short, for readers of the docs.
"""

from .connection import ConnectionConfig, SessionConnection, WriteTimeout
from .events import Close, Event, Send, SendStream, StartTls
from .limits import ConnectionLimits, EpisodeLog, default_max_connections, fd_limit
from .listener import Listener
from .session import SansIOSession, Wakeup

__all__ = [
    "Close",
    "ConnectionConfig",
    "ConnectionLimits",
    "EpisodeLog",
    "Event",
    "Listener",
    "SansIOSession",
    "Send",
    "SendStream",
    "SessionConnection",
    "StartTls",
    "Wakeup",
    "WriteTimeout",
    "default_max_connections",
    "fd_limit",
]
