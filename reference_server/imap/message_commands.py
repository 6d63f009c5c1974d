"""The commands that work on messages: APPEND (RFC 3501 §6.3.11 with RFC 3502
MULTIAPPEND) and the selected-state FETCH, STORE, SEARCH, COPY, MOVE, their UID forms
and UID EXPUNGE (RFC 3501 §6.4.4-§6.4.8, RFC 4315 UIDPLUS, RFC 6851 MOVE, RFC 4731
ESEARCH, RFC 5182 SEARCHRES).

This is glue: arguments are parsed and messages rendered or matched by the message
library (sequence_set, fetch, search); this module picks the messages from the
session's ``Selection``, applies flag changes through the store, and turns library
errors into tagged replies. ``MessageCommands`` is mixed into ``ImapSession``, so each
``cmd_<NAME>`` can still be overridden by a subclass.

Messages expunged by another session but not yet reported to this one ("ghosts",
RFC 2180 §4.1) keep their sequence numbers: FETCH of their flags, size or date works
from what the session last saw; FETCH of their content, STORE, COPY and MOVE answer
``NO [EXPUNGEISSUED]`` (RFC 5530) after doing what they could for the others (COPY and
MOVE do nothing at all, RFC 2180 §4.4.1).
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..storage.interface import AppendItem, Folder, FolderError, StorageError
from ..transport.events import SendStream
from . import append_args, dates
from . import fetch as fetch_lib
from . import replies as R
from . import search as search_lib
from .command_parser import Command
from .command_results import Done, Failure, bad, no
from .parsed_message import Entity, ParsedCache
from .response_encoding import SYSTEM_FLAGS, canonical_flag, is_atom
from .selection import Known, Selection
from .sequence_set import format_sequence_set, parse_sequence_set
from .tokens import Atom, Token
from .wire import ArgumentError

if TYPE_CHECKING:
    from .protocol import ImapSession

# Above this many octets of messages, FETCH content is rendered while it is written
# (a SendStream) instead of in advance; below it, in advance, so that a message that
# vanishes meanwhile can still turn the tagged reply into NO.
EAGER_FETCH_OCTETS = 8 * 1024 * 1024
# A metadata-only FETCH of more messages than this is streamed, METADATA_BATCH
# responses (~10-20 KB, under a millisecond of the event loop) per chunk.
STREAM_METADATA_MESSAGES = 1024
METADATA_BATCH = 256


@dataclass
class SessionView:
    """``views.MessageView`` for one message of the selected mailbox."""

    seq: int
    uid: int
    flags: frozenset[str]
    internal_date: datetime
    size: int
    folder: Folder
    cache: ParsedCache
    key: tuple[str, int, int]

    def raw(self) -> bytes:
        return self.folder.read(self.uid)

    def parsed(self) -> Entity:
        return self.cache.get(self.key, self.raw)


class MetadataView:
    """``views.MessageView`` without content, for a FETCH that asks for none."""

    __slots__ = ("flags", "internal_date", "seq", "size", "uid")

    def __init__(
        self, seq: int, uid: int, flags: frozenset[str], internal_date: datetime, size: int
    ) -> None:
        self.seq, self.uid, self.flags = seq, uid, flags
        self.internal_date, self.size = internal_date, size

    def raw(self) -> bytes:  # never asked: the request needs no content
        raise AssertionError("a metadata FETCH read a message")


def _library_failure(exc: ArgumentError) -> Failure:
    return Failure(exc.status, exc.text, exc.code)


class MessageCommands:
    """Mixed into ImapSession (which supplies selection, untagged(), ...)."""

    # Set by ImapSession.__init__; RFC 5182: the saved search result, as UIDs.
    saved_uids: set[int]
    parsed_cache: ParsedCache

    def message_capabilities(self) -> list[str]:
        return ["UIDPLUS", "MOVE", "ESEARCH", "SEARCHRES", "MULTIAPPEND"]

    # -- picking messages ------------------------------------------------------------
    def _sel(self: ImapSession) -> Selection:  # type: ignore[misc]
        assert self.selection is not None
        return self.selection

    def _targets(self: ImapSession, token: Token, *, uid: bool) -> list[tuple[int, Known]]:  # type: ignore[misc]
        """(sequence number, message) for a sequence set or UID set, ascending."""
        entry = self._sel().entry
        return [(i + 1, entry(i)) for i in self._indexes(token, uid=uid)]

    def _indexes(self: ImapSession, token: Token, *, uid: bool) -> list[int]:  # type: ignore[misc]
        """0-based positions (sequence number - 1) for a sequence set or UID set."""
        if not isinstance(token, Atom):
            raise bad(R.BAD_SEQUENCE_SET)
        try:
            sequence_set = parse_sequence_set(token)
        except ArgumentError as exc:
            raise _library_failure(exc) from None
        selection = self._sel()
        saved = self.saved_uids
        # Only a set with "$" walks the saved result (a walk of N per command otherwise).
        use_saved = sequence_set.saved and bool(saved)
        if uid:
            uids = selection.uids()
            largest = uids[-1] if uids else selection.folder.uidnext()
            chosen = sequence_set.select(uids, largest, saved & set(uids) if use_saved else ())
            # UIDs ascend with sequence numbers: each chosen UID's position by bisection.
            return [bisect.bisect_left(uids, u) for u in chosen]
        count = len(selection)
        if sequence_set.out_of_range(count):
            # RFC 3501 §9 seq-number: a number above the mailbox size is a client
            # error, answered BAD.
            raise bad(R.BAD_SEQUENCE_RANGE)
        saved_seqs = (
            [i + 1 for i, u in enumerate(selection.uids()) if u in saved] if use_saved else []
        )
        numbers = sequence_set.seq_numbers(count, saved_seqs)
        return [n - 1 for n in numbers]

    def _view(self: ImapSession, seq: int, k: Known) -> SessionView:  # type: ignore[misc]
        selection = self._sel()
        m = k.message
        return SessionView(
            seq, k.uid, selection.flags_with_recent(k), m.internal_date, m.size,
            selection.folder, self.parsed_cache,
            (self.selected_name or "", selection.uidvalidity, k.uid),
        )  # fmt: skip

    # -- APPEND (RFC 3501 §6.3.11, RFC 3502 MULTIAPPEND, RFC 4315 §3) --------------------
    def cmd_APPEND(self: ImapSession, command: Command) -> Done:  # type: ignore[misc]
        # The literals arrive through the command parser: "+" for each synchronising
        # one, none for {n+} (LITERAL+), so the command is whole when it gets here.
        # Everything is checked before anything is stored, and the messages go in with
        # one append_batch: RFC 3502 "no partial appending is permitted".
        if not command.args:
            raise bad(R.BAD_ARGS.format(name=command.name))
        name = self._mailbox_arg(command.args[0], command)
        try:
            messages = append_args.split_messages(command.args[1:])
        except ArgumentError as exc:
            raise _library_failure(exc) from None
        items = [
            AppendItem(
                m.message,
                self._flags(m.flags, command) if m.flags is not None else frozenset(),
                self._date_time(m.date) if m.date is not None else None,
            )
            for m in messages
        ]
        if any(not item.message for item in items):
            # RFC 3502 §6.3.11: "A zero-length message literal argument is an error,
            # and MUST return a NO. This can be used to cancel the append."
            raise no(R.NO_APPEND_EMPTY)
        try:
            folder = self.store.open_folder(self._user(), name)
        except FolderError as exc:
            if exc.code in ("NONEXISTENT", ""):
                # RFC 3501 §6.3.11: NO [TRYCREATE] when the mailbox does not exist.
                raise no(R.NO_TRYCREATE, "TRYCREATE") from None
            raise self._folder_failure(exc) from None
        except StorageError as exc:
            raise self._folder_failure(exc) from None
        try:
            uids = folder.append_batch(items)
            uidvalidity = folder.uidvalidity
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        finally:
            folder.close()
        # RFC 4315 §3 / RFC 3502: APPENDUID <uidvalidity> <uid-set>, every UID appended.
        code = f"APPENDUID {uidvalidity} {format_sequence_set(uids)}"
        return Done(code=code if "UIDPLUS" in self.capabilities() else "")

    @staticmethod
    def _date_time(token: bytes) -> datetime:
        # RFC 3501 §6.3.11: the internal date is a quoted date-time.
        try:
            return dates.parse_date_time(token)
        except ArgumentError as exc:
            raise _library_failure(exc) from None

    @staticmethod
    def _flags(tokens: list[Token], command: Command) -> frozenset[str]:
        # The same flag rules as STORE; \Recent cannot be set (RFC 3501 §2.3.2).
        return store_flags(tokens, command, unknown_system_flag=R.BAD_APPEND_FLAG)

    # -- FETCH (RFC 3501 §6.4.5) -------------------------------------------------------
    def cmd_FETCH(self: ImapSession, command: Command) -> Done:  # type: ignore[misc]
        return self._fetch(command, command.args, uid=False)

    def _fetch(self: ImapSession, command: Command, args: list[Token], *, uid: bool) -> Done:  # type: ignore[misc]
        if len(args) != 2:
            raise bad(R.BAD_ARGS.format(name=command.name))
        try:
            request = fetch_lib.parse_fetch_items(args[1])
        except ArgumentError as exc:
            raise _library_failure(exc) from None
        if any(item.name.startswith("BINARY") for item in request.items):
            # RFC 3516 BINARY is not announced, so its items are not part of the syntax.
            raise bad(R.BAD_FETCH_BINARY)
        if not request.needs_content:
            return self._fetch_metadata(request, self._indexes(args[0], uid=uid), uid=uid)
        targets = self._targets(args[0], uid=uid)
        selection = self._sel()
        live = [(seq, k) for seq, k in targets if not k.gone]
        ghosts = len(live) != len(targets)
        changed: set[int] = set()
        if request.sets_seen and not selection.read_only:
            # RFC 3501 §6.4.5: BODY[...] (not .PEEK), RFC822 and RFC822.TEXT set \Seen.
            changes = {k.uid: k.flags | {"\\Seen"} for _, k in live if "\\Seen" not in k.flags}
            if changes:
                try:
                    selection.folder.store_flags(changes)
                except (FolderError, StorageError) as exc:
                    raise self._folder_failure(exc) from None
                for flag_uid, flags in changes.items():
                    selection.told_flags(flag_uid, flags)
                for _, k in live:
                    k.flags = changes.get(k.uid, k.flags)
                changed = set(changes)
        shown = targets if not request.needs_content else live
        views = [(self._view(seq, k), k.uid in changed) for seq, k in shown]
        total = sum(v.size for v, _ in views) if request.needs_content else 0
        if total > EAGER_FETCH_OCTETS:
            self.stream(SendStream(_render_lazily(views, request, uid)))
        else:
            for view, add_flags in views:
                try:
                    self._out.append(fetch_lib.fetch_response(view, request, uid=uid,
                                                              add_flags=add_flags))  # fmt: skip
                except ArgumentError as exc:
                    raise _library_failure(exc) from None
                except FolderError:
                    ghosts = True  # expunged since this command began
        if ghosts:
            raise no(R.NO_EXPUNGEISSUED, "EXPUNGEISSUED")
        return Done()

    def _fetch_metadata(  # type: ignore[misc]
        self: ImapSession, request: fetch_lib.FetchRequest, indexes: list[int], *, uid: bool
    ) -> Done:
        """FETCH of FLAGS / UID / INTERNALDATE / RFC822.SIZE only (``FETCH 1:* (FLAGS
        UID)`` of a whole folder): from what the client was told, no content, no \\Seen
        to set; a ghost shows its last known flags (RFC 2180 §4.1.2), then NO."""
        selection = self._sel()
        told, gone, flags_of = selection.told, selection.gone, selection.flags_of
        # A snapshot of what is shown, taken now (a later refresh may change ``told``).
        views = []
        for i in indexes:
            m = told[i]
            views.append(
                MetadataView(i + 1, m.uid, flags_of(m.uid, m.flags), m.internal_date, m.size)
            )
        if len(views) > STREAM_METADATA_MESSAGES:
            # Written while it is rendered, a batch at a time: the client reads (and
            # parses) the first lines while the rest are made, instead of waiting for
            # all 10,000 of a FETCH 1:* first.
            self.stream(SendStream(_render_metadata_batches(views, request, uid)))
        else:
            respond, out = fetch_lib.fetch_response, self._out
            for view in views:
                out.append(respond(view, request, uid=uid))
        if gone and any(v.uid in gone for v in views):
            raise no(R.NO_EXPUNGEISSUED, "EXPUNGEISSUED")
        return Done()

    # -- STORE (RFC 3501 §6.4.6) -------------------------------------------------------
    def cmd_STORE(self: ImapSession, command: Command) -> Done:  # type: ignore[misc]
        return self._store(command, command.args, uid=False)

    def _store(self: ImapSession, command: Command, args: list[Token], *, uid: bool) -> Done:  # type: ignore[misc]
        if len(args) < 3 or not isinstance(args[1], Atom):
            raise bad(R.BAD_ARGS.format(name=command.name))
        item = args[1].upper()
        silent = item.endswith(".SILENT")
        base = item.removesuffix(".SILENT")
        if base not in ("FLAGS", "+FLAGS", "-FLAGS"):
            raise bad(R.BAD_STORE_ITEM.format(item=args[1]))
        # store-att-flags: flag-list / (flag *(SP flag)) -- a list, or bare flags.
        flag_tokens = args[2] if len(args) == 3 and isinstance(args[2], list) else args[2:]
        if any(isinstance(t, list) for t in flag_tokens):
            raise bad(R.BAD_ARGS.format(name=command.name))
        flags = store_flags(flag_tokens, command)
        targets = self._targets(args[0], uid=uid)
        selection = self._sel()
        if selection.read_only:
            raise no(R.NO_READ_ONLY, "READ-ONLY")
        live = [(seq, k) for seq, k in targets if not k.gone]
        new_flags: dict[int, frozenset[str]] = {}
        for _, k in live:
            if base == "FLAGS":
                new = flags
            elif base == "+FLAGS":
                new = k.flags | flags
            else:
                new = k.flags - flags
            new_flags[k.uid] = frozenset(new)
        changes = {u: f for u, f in new_flags.items() if f != next(k.flags for _, k in live
                                                                   if k.uid == u)}  # fmt: skip
        if changes:
            try:
                selection.folder.store_flags(changes)
            except (FolderError, StorageError) as exc:
                raise self._folder_failure(exc) from None
        for seq, k in live:
            selection.told_flags(k.uid, new_flags[k.uid])
            k.flags = new_flags[k.uid]
            if not silent:
                # RFC 3501 §6.4.6: the untagged FETCH with the new flags; UID too for
                # UID STORE (§6.4.8).
                flag_text = fetch_lib.render_flags(selection.flags_with_recent(k))
                uid_text = b"UID %d " % k.uid if uid else b""
                self.untagged(b"%d FETCH (%sFLAGS %s)" % (seq, uid_text, flag_text))
        if len(live) != len(targets):
            raise no(R.NO_EXPUNGEISSUED, "EXPUNGEISSUED")
        return Done()

    # -- SEARCH (RFC 3501 §6.4.4, RFC 4731, RFC 5182) -------------------------------------
    def cmd_SEARCH(self: ImapSession, command: Command) -> Done:  # type: ignore[misc]
        return self._search(command, command.args, uid=False)

    def _search(self: ImapSession, command: Command, args: list[Token], *, uid: bool) -> Done:  # type: ignore[misc]
        try:
            program = search_lib.parse_search(args, esearch=True)
        except ArgumentError as exc:
            if _asks_to_save(args):
                # RFC 5182 §2.1: a failed SEARCH ... SAVE empties the saved result.
                self.saved_uids = set()
            raise _library_failure(exc) from None
        selection = self._sel()
        uids = selection.uids()
        context = search_lib.SearchContext(
            count=len(uids),
            largest_uid=uids[-1] if uids else selection.folder.uidnext(),
            saved_uids=frozenset(self.saved_uids),
        )
        entries = (selection.entry(i) for i in range(len(uids)))
        views = [self._view(i + 1, k) for i, k in enumerate(entries) if not k.gone]
        # One snapshot of the index for every message the search reads (storage
        # folder.py pinned), not one lookup per message; stores without it read as before.
        pinned = getattr(selection.folder, "pinned", None)
        try:
            with pinned() if pinned and program.needs_content else contextlib.nullcontext():
                found = search_lib.search(program, views, context)
        except ArgumentError as exc:
            raise _library_failure(exc) from None
        except FolderError:
            raise no(R.NO_EXPUNGEISSUED, "EXPUNGEISSUED") from None
        numbers = [v.uid if uid else v.seq for v in found]
        returns = program.returns
        if returns is None:
            self._out.append(search_lib.render_search(numbers))
            return Done()
        if "SAVE" in returns:
            kept = search_lib.saved_result([v.uid for v in found], returns)
            self.saved_uids = set(kept)
        line = search_lib.render_esearch(numbers, returns, tag=command.tag, uid=uid)
        if line is not None:
            self._out.append(line)
        return Done()

    # -- COPY / MOVE (RFC 3501 §6.4.7, RFC 4315 §3, RFC 6851) --------------------------------
    def cmd_COPY(self: ImapSession, command: Command) -> Done:  # type: ignore[misc]
        return self._copy(command, command.args, uid=False, move=False)

    def cmd_MOVE(self: ImapSession, command: Command) -> Done:  # type: ignore[misc]
        return self._copy(command, command.args, uid=False, move=True)

    def _copy(  # type: ignore[misc]
        self: ImapSession, command: Command, args: list[Token], *, uid: bool, move: bool
    ) -> Done:
        if len(args) != 2:
            raise bad(R.BAD_ARGS.format(name=command.name))
        destination = self._mailbox_arg(args[1], command)
        targets = self._targets(args[0], uid=uid)
        selection = self._sel()
        if any(k.gone for _, k in targets):
            # RFC 2180 §4.4.1: nothing is copied when a message is already expunged.
            raise no(R.NO_EXPUNGEISSUED, "EXPUNGEISSUED")
        if move and selection.read_only:
            raise no(R.NO_READ_ONLY, "READ-ONLY")
        source_uids = [k.uid for _, k in targets]
        try:
            operation = selection.folder.move_to if move else selection.folder.copy_to
            pairs = operation(source_uids, destination) if source_uids else []
            target = self.store.open_folder(self._user(), destination)
            try:
                uidvalidity = target.uidvalidity
            finally:
                target.close()
        except FolderError as exc:
            if exc.code in ("NONEXISTENT", "TRYCREATE"):
                # RFC 3501 §6.4.7: NO [TRYCREATE] when the destination does not exist.
                raise no(R.NO_TRYCREATE, "TRYCREATE") from None
            raise self._folder_failure(exc) from None
        except StorageError as exc:
            raise self._folder_failure(exc) from None
        code = ""
        if pairs:
            # RFC 4315 §3: COPYUID <uidvalidity> <source set> <destination set>, pairwise.
            source = format_sequence_set(p[0] for p in pairs)
            dest = format_sequence_set(p[1] for p in pairs)
            code = f"COPYUID {uidvalidity} {source} {dest}"
        if move:
            # RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs, which the
            # refresh after this command sends.
            if code:
                self.untagged(b"OK [" + code.encode() + b"] " + R.OK_MOVED.encode())
            return Done()
        return Done(code=code)

    # -- UID (RFC 3501 §6.4.8, RFC 4315 §2.1) --------------------------------------------
    def cmd_UID(self: ImapSession, command: Command) -> Done:  # type: ignore[misc]
        if not command.args or not isinstance(command.args[0], Atom):
            raise bad(R.BAD_ARGS.format(name=command.name))
        sub = command.args[0].upper()
        args = command.args[1:]
        if sub == "FETCH":
            return self._fetch(command, args, uid=True)
        if sub == "STORE":
            return self._store(command, args, uid=True)
        if sub == "SEARCH":
            return self._search(command, args, uid=True)
        if sub == "COPY":
            return self._copy(command, args, uid=True, move=False)
        if sub == "MOVE":
            return self._copy(command, args, uid=True, move=True)
        if sub == "EXPUNGE":
            return self._uid_expunge(command, args)
        raise bad(R.BAD_UID_COMMAND.format(sub=sub))

    def _uid_expunge(self: ImapSession, command: Command, args: list[Token]) -> Done:  # type: ignore[misc]
        if len(args) != 1:
            raise bad(R.BAD_ARGS.format(name=command.name))
        targets = self._targets(args[0], uid=True)
        selection = self._sel()
        if selection.read_only:
            raise no(R.NO_READ_ONLY, "READ-ONLY")
        wanted = {k.uid for _, k in targets}
        try:
            # RFC 4315 §2.1: only the listed messages that are \Deleted now.
            doomed = [m.uid for m in selection.folder.messages()
                      if m.uid in wanted and "\\Deleted" in m.flags]  # fmt: skip
            selection.folder.expunge(doomed)
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return Done()


def _render_lazily(
    views: list[tuple[SessionView, bool]], request: fetch_lib.FetchRequest, uid: bool
) -> Iterator[bytes]:
    for view, add_flags in views:
        try:
            yield fetch_lib.fetch_response(view, request, uid=uid, add_flags=add_flags)
        except FolderError:
            continue  # expunged while the reply was being written: nothing to send


def _render_metadata_batches(
    views: list[MetadataView], request: fetch_lib.FetchRequest, uid: bool
) -> Iterator[bytes]:
    respond = fetch_lib.fetch_response
    for start in range(0, len(views), METADATA_BATCH):
        yield b"".join(
            [respond(v, request, uid=uid) for v in views[start : start + METADATA_BATCH]]
        )


def _asks_to_save(args: list[Token]) -> bool:
    return (
        len(args) >= 2
        and isinstance(args[0], Atom)
        and args[0].upper() == "RETURN"
        and isinstance(args[1], list)
        and any(isinstance(t, Atom) and t.upper() == "SAVE" for t in args[1])
    )


def store_flags(
    tokens: list[Token], command: Command, *, unknown_system_flag: str = R.BAD_STORE_FLAG
) -> frozenset[str]:
    """The flags of STORE: system flags (canonical spelling) and keywords; \\Recent and
    unknown system flags are refused (RFC 3501 §2.3.2: \\Recent cannot be changed)."""
    # flag = "\\Answered" / "\\Flagged" / "\\Deleted" / "\\Seen" / "\\Draft" /
    #        flag-keyword / flag-extension (RFC 3501 §9); APPEND shares this.
    flags = set()
    for token in tokens:
        if not isinstance(token, Atom):
            raise bad(R.BAD_ARGS.format(name=command.name))
        if token.startswith("\\"):
            flag = canonical_flag(token)
            if flag not in SYSTEM_FLAGS:
                raise bad(unknown_system_flag)
        elif is_atom(token.encode("ascii")):
            flag = str(token)
        else:
            raise bad(R.BAD_ARGS.format(name=command.name))
        flags.add(flag)
    return frozenset(flags)
