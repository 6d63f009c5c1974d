"""Deliberately broken variants of the reference server's IMAP, one wrong behaviour each.

    python tests/sensitivity/imap_broken_server.py VARIANT [server arguments ...]

Each variant subclasses the reference ``ImapSession`` and breaks exactly one thing,
like ``broken_server.py`` does for POP3. Most override one ``cmd_<NAME>`` (or a helper
it calls); the message-library bugs (FETCH sections, ENVELOPE, BODYSTRUCTURE, SEARCH)
replace one function of that library in ``install()``, which runs once before the server
starts: ``fetch.py`` calls ``sections.*``, ``envelope.envelope`` and
``bodystructure.body_structure`` through their modules, and ``search.py`` looks its
helpers up at call time, so the replacement is what FETCH and SEARCH use. The
sensitivity tests (test_imap_sensitivity.py) run suite modules against each variant and
require the named tests to fail. This file is test code: it may import the server, the
suite never does.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from typing import Any

from mailspec.reference_server.cli import main
from mailspec.reference_server.imap import (
    bodystructure,
    envelope,
    fetch,
    listing,
    mailbox_names,
    search,
    sections,
)
from mailspec.reference_server.imap.command_parser import Command
from mailspec.reference_server.imap.command_results import Done, Failure, status_line
from mailspec.reference_server.imap.parsed_message import Entity, decode_words, to_text
from mailspec.reference_server.imap.protocol import ImapSession, State
from mailspec.reference_server.imap.response_encoding import list_mailbox
from mailspec.reference_server.imap.tokens import Atom, Literal, Token
from mailspec.reference_server.storage.interface import FolderError, StorageError


class Variant(ImapSession):
    """A broken session; ``install`` patches the message library where needed."""

    @classmethod
    def install(cls) -> None:
        pass


# -- issue 9: sessions and folders --------------------------------------------------------


class CreateExistingAnswersOk(Variant):
    """CREATE of a name that already exists answers OK (and creates nothing)."""

    def cmd_CREATE(self, command: Command) -> Done:
        try:
            return super().cmd_CREATE(command)
        except Failure as failure:
            if failure.code == "ALREADYEXISTS":
                return Done()
            raise


class DeleteInboxAllowed(Variant):
    """DELETE INBOX answers OK: INBOX's messages are removed (it is recreated empty)
    instead of the command being refused."""

    def cmd_DELETE(self, command: Command) -> Done:
        (token,) = self._argc(command, 1)
        if self._mailbox_arg(token, command) != "INBOX":
            return super().cmd_DELETE(command)
        folder = self.store.open_folder(self._user(), "INBOX")
        try:
            folder.expunge([m.uid for m in folder.messages()])
        finally:
            folder.close()
        return Done()


class ListAnswersParentsTwice(Variant):
    """LIST answers a mailbox that has inferiors twice: once for itself and once more
    while walking the level of its children."""

    def cmd_LIST(self, command: Command) -> Done:
        result = super().cmd_LIST(command)
        out: list[Any] = []
        outgoing: list[Any] = self._out
        for item in outgoing:
            if not isinstance(item, bytes):
                out.append(item)
                continue
            # One output item may hold many response lines (LIST joins its lines).
            for line in item.splitlines(keepends=True):
                out.append(line)
                if line.startswith(b"* LIST (") and b"\\HasChildren" in line:
                    out.append(line)
        outgoing[:] = out
        return result


class StatusUidnextIsLastUid(Variant):
    """STATUS UIDNEXT answers the last UID given out (UIDNEXT - 1), not the next one:
    it disagrees with SELECT's [UIDNEXT]."""

    def _status_response(self, name: str, items: Any) -> None:
        super()._status_response(name, items)
        line = self._out[-1]
        assert isinstance(line, bytes)
        head, sep, values = line.partition(b" (")
        words = values.split(b" ")
        for i, word in enumerate(words[:-1]):
            if word == b"UIDNEXT":
                number = words[i + 1].rstrip(b")\r\n")
                words[i + 1] = words[i + 1].replace(number, b"%d" % (int(number) - 1), 1)
        self._out[-1] = head + sep + b" ".join(words)


class LsubListsEverything(Variant):
    """LSUB ignores the subscriptions: it answers every mailbox that LIST would."""

    def cmd_LSUB(self, command: Command) -> Done:
        ref_token, pattern_token = self._argc(command, 2)
        reference = self._reference(ref_token, command)
        pattern = self._pattern(pattern_token, command)
        if not pattern:
            return super().cmd_LSUB(command)
        try:
            entries = self.store.list_folders(self._user())
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        everything = {entry.name for entry in entries}  # in place of the subscriptions
        pattern = listing.canonical(reference, pattern)
        for item in listing.lsub_items([pattern], entries, everything):
            attributes = " ".join(item.attributes).encode()
            self.untagged(b"LSUB (" + attributes + b') "/" ' + list_mailbox(item.name))
        return Done()


class SpecialUseSelectionIgnored(Variant):
    """LIST (SPECIAL-USE) ignores the selection option: every matching folder comes back
    (with its uses, as for RETURN (SPECIAL-USE)), not only those that have one."""

    def cmd_LIST(self, command: Command) -> Done:
        args = list(command.args)
        if args and isinstance(args[0], list):
            args[0] = [o for o in args[0] if not (isinstance(o, Atom) and o.upper() == "SPECIAL-USE")]
        return super().cmd_LIST(dataclasses.replace(command, args=args))


def _utf7_codec_decode(raw: bytes) -> str:
    """The classic shortcut: modified UTF-7 read with the UTF-7 codec ("&" -> "+",
    "," -> "/"). "&-" then reads as "+", and "," in plain text as "/"."""
    try:
        return raw.replace(b"&", b"+").replace(b",", b"/").decode("utf-7")
    except UnicodeDecodeError as exc:
        raise mailbox_names.InvalidName(str(exc)) from None


class Utf7CodecNames(Variant):
    """Mailbox names from the client are decoded with Python's UTF-7 codec instead of
    modified UTF-7 (names going out are still encoded correctly)."""

    @classmethod
    def install(cls) -> None:
        mailbox_names.decode = _utf7_codec_decode


class SelectBeforeLogin(Variant):
    """SELECT and EXAMINE are not state-checked: before login they answer OK with an
    empty mailbox (there is no user to open one for), and the state stays as it was."""

    def _run(self, command: Command) -> list[Any]:
        if self.state is State.NOT_AUTHENTICATED and command.name in ("SELECT", "EXAMINE"):
            del self._out[:], self._after[:]
            for line in (b"FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
                         b"0 EXISTS", b"0 RECENT", b"OK [UIDVALIDITY 1] UIDs valid",
                         b"OK [UIDNEXT 1] predicted next UID"):  # fmt: skip
                self.untagged(line)
            return self._flush(status_line(command.tag, "OK", f"{command.name} completed"))
        return super()._run(command)


class CapabilitiesKeptAfterStarttls(Variant):
    """After STARTTLS the session keeps answering the capability list it had before
    the TLS negotiation (STARTTLS still announced)."""

    def capabilities(self) -> list[str]:
        if self.state is State.NOT_AUTHENTICATED and self.config.tls_active:
            self.config.tls_active = False
            try:
                return super().capabilities()
            finally:
                self.config.tls_active = True
        return super().capabilities()


class IdleLosesUpdates(Variant):
    """While idling, changes to the selected mailbox are taken in but never sent: the
    wake-up refreshes the session's view and drops the untagged responses."""

    def pending_output(self) -> list[Any]:
        super().pending_output()
        return []


class FailedSelectKeepsMailbox(Variant):
    """A SELECT or EXAMINE that fails leaves the previously selected mailbox selected."""

    def _select(self, command: Command, *, read_only: bool) -> Done:
        (token,) = self._argc(command, 1)
        name = self._mailbox_arg(token, command)
        try:
            self.store.open_folder(self._user(), name).close()
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return super()._select(command, read_only=read_only)


class LogoutWithoutBye(Variant):
    """LOGOUT answers the tagged OK and closes, without the untagged BYE first."""

    def cmd_LOGOUT(self, command: Command) -> Done:
        result = super().cmd_LOGOUT(command)
        outgoing: list[Any] = self._out
        outgoing[:] = [i for i in outgoing if not (isinstance(i, bytes) and i.startswith(b"* BYE"))]
        return result


# -- issue 10: messages and search ---------------------------------------------------------


def _since_on_sent_date(self: search.InternalDate, message: Any) -> bool:
    return search.SentDate(self.op, self.date).matches(message)


class SearchDatesFromHeader(Variant):
    """SEARCH BEFORE / ON / SINCE judge the Date: header instead of the internal date."""

    @classmethod
    def install(cls) -> None:
        search.InternalDate.matches = _since_on_sent_date  # type: ignore[method-assign]


def _string_keeping_case(self: Any, what: str) -> str:
    token = self.next(what)
    if isinstance(token, Atom):
        data = str(token).encode("ascii", "replace")
    elif isinstance(token, bytes):
        data = bytes(token)
    else:
        raise search.ArgumentError(f"Expected {what} (a string) in SEARCH")
    try:
        return data.decode("ascii" if self.charset == "US-ASCII" else "utf-8")
    except UnicodeDecodeError:
        raise search.ArgumentError(f"The search string is not valid {self.charset}") from None


def _header_keeping_case(self: search.Header, message: Any) -> bool:
    key = self.name.lower()
    return any(f.key == key and (not self.needle or self.needle in decode_words(f.value))
               for f in message.entity().fields)  # fmt: skip


def _header_text_keeping_case(entity: Entity) -> str:
    decoded = "\n".join(f"{f.name}: {decode_words(f.value)}" for f in entity.fields)
    return decoded + "\n" + to_text(entity.header_bytes(), "utf-8")


def _body_text_keeping_case(self: Any) -> str:
    if self._body is None:
        self._body = "\n".join(search._body_texts(self.entity()))
    return self._body


class SearchCaseSensitive(Variant):
    """SEARCH string keys (FROM, SUBJECT, BODY, TEXT, HEADER, ...) are matched as
    case-sensitive substrings."""

    @classmethod
    def install(cls) -> None:
        search._Parser.string = _string_keeping_case  # type: ignore[method-assign]
        search.Header.matches = _header_keeping_case  # type: ignore[method-assign]
        search._header_text = _header_text_keeping_case
        search._Message.body_text = _body_text_keeping_case  # type: ignore[method-assign]


_real_body_texts = search._body_texts


def _body_texts_base64_raw(entity: Entity) -> list[str]:
    if entity.is_multipart or entity.message is not None:
        return _real_body_texts_recursing(entity)
    if entity.maintype == "text" and (entity.encoding or "").lower() == "base64":
        return [to_text(entity.body_bytes(), "us-ascii")]
    return _real_body_texts(entity)


def _real_body_texts_recursing(entity: Entity) -> list[str]:
    if entity.is_multipart:
        return [text for part in entity.parts for text in _body_texts_base64_raw(part)]
    assert entity.message is not None
    return _body_texts_base64_raw(entity.message)


class SearchBodyBase64Undecoded(Variant):
    """SEARCH BODY / TEXT look at base64 text parts as written, without decoding them."""

    @classmethod
    def install(cls) -> None:
        search._body_texts = _body_texts_base64_raw


class StoreMinusFlagsClearsAll(Variant):
    """STORE -FLAGS removes every flag of the message, not only the flags listed."""

    def _store(self, command: Command, args: list[Token], *, uid: bool) -> Done:
        if len(args) >= 3 and isinstance(args[1], Atom) and args[1].upper().startswith("-FLAGS"):
            suffix = ".SILENT" if args[1].upper().endswith(".SILENT") else ""
            args = [args[0], Atom("FLAGS" + suffix), []]
        return super()._store(command, args, uid=uid)


class _FolderProxy:
    """Forwards to a folder, with some methods replaced."""

    def __init__(self, folder: Any, **replaced: Callable[..., Any]) -> None:
        self._folder = folder
        self._replaced = replaced

    def __getattr__(self, name: str) -> Any:
        if name in self._replaced:
            return self._replaced[name]
        return getattr(self._folder, name)


class CopyLosesFlags(Variant):
    """COPY gives the copies no flags (the octets and internal date are kept)."""

    def _copy(self, command: Command, args: list[Token], *, uid: bool, move: bool) -> Done:
        if move or self.selection is None:
            return super()._copy(command, args, uid=uid, move=move)
        selection = self.selection
        folder = selection.folder
        store, user = self.store, self._user()

        def copy_without_flags(uids: Any, destination: str) -> list[tuple[int, int]]:
            pairs = folder.copy_to(uids, destination)
            target = store.open_folder(user, destination)
            try:
                target.store_flags({new: frozenset() for _, new in pairs})
            finally:
                target.close()
            return pairs

        selection.folder = _FolderProxy(folder, copy_to=copy_without_flags)  # type: ignore[assignment]
        try:
            return super()._copy(command, args, uid=uid, move=move)
        finally:
            selection.folder = folder


_real_header_subset = sections._header_subset


def _header_fields_everything(message: Entity, names: tuple[str, ...], *, keep: bool) -> bytes:
    if keep:
        return message.header_bytes()
    return _real_header_subset(message, names, keep=keep)


class HeaderFieldsReturnsAll(Variant):
    """BODY[HEADER.FIELDS (...)] returns the whole header, not only the fields listed."""

    @classmethod
    def install(cls) -> None:
        sections._header_subset = _header_fields_everything


def _partial_one_based(data: bytes, partial: tuple[int, int] | None) -> bytes:
    if partial is None:
        return data
    start, count = partial
    begin = max(start - 1, 0)  # the origin read as 1-based
    return data[begin : begin + count]


class PartialOriginOneBased(Variant):
    """A partial fetch <start.count> counts its origin from 1, not 0: from start > 0
    it begins one octet early."""

    @classmethod
    def install(cls) -> None:
        sections.apply_partial = _partial_one_based


_real_address_field = envelope._address_field


def _first_address_only(entity: Entity, name: str) -> list[envelope.Address] | None:
    addresses = _real_address_field(entity, name)
    return addresses[:1] if addresses else addresses


class EnvelopeFirstAddressOnly(Variant):
    """ENVELOPE keeps only the first address of each address list (From, To, Cc, ...)."""

    @classmethod
    def install(cls) -> None:
        envelope._address_field = _first_address_only


_real_body_structure = bodystructure._body_structure


def _leaves(entity: Entity) -> Iterator[Entity]:
    for part in entity.parts:
        if part.is_multipart:
            yield from _leaves(part)
        else:
            yield part


def _flattened_body_structure(entity: Entity, *, extensible: bool) -> bytes:
    if not entity.is_multipart or not any(p.is_multipart for p in entity.parts):
        return _real_body_structure(entity, extensible=extensible)
    parts = b"".join(bodystructure.body_structure(p, extensible=extensible)
                     for p in _leaves(entity))  # fmt: skip
    items = [bodystructure._upper(entity.subtype)]
    if extensible:
        items += [bodystructure._params(entity.params), bodystructure._disposition(entity),
                  bodystructure._language(entity),
                  bodystructure.nstring(entity.value("Content-Location"))]  # fmt: skip
    return b"(" + parts + b" " + b" ".join(items) + b")"


class BodystructureFlattensNesting(Variant):
    """BODYSTRUCTURE lists the leaves of a nested multipart as parts of the outer one
    (a multipart/alternative inside multipart/mixed disappears)."""

    @classmethod
    def install(cls) -> None:
        bodystructure._body_structure = _flattened_body_structure


class ExpungeShiftedNumbers(Variant):
    """EXPUNGE removes the \\Deleted messages by sequence number, one after another,
    without allowing for the renumbering each removal causes: after the first, it
    removes the message one further on each time (an undeleted one)."""

    def _deleted_uids(self) -> list[int]:
        messages = list(self._selection().folder.messages())
        positions = [i for i, m in enumerate(messages) if "\\Deleted" in m.flags]
        # The k-th removal uses the original number on the already shortened list.
        chosen = [p + k for k, p in enumerate(positions) if p + k < len(messages)]
        return [messages[i].uid for i in chosen]


class AppendIgnoresInternalDate(Variant):
    """APPEND checks the date-time argument but gives the message the current time as
    its internal date."""

    def cmd_APPEND(self, command: Command) -> Done:
        args = list(command.args)
        for extra in args[1:-1]:
            if isinstance(extra, bytes):
                self._date_time(extra)  # still refused when malformed
        if len(args) < 3:
            return super().cmd_APPEND(command)  # no date given; syntax errors as before
        kept = [args[0], *(a for a in args[1:-1] if not isinstance(a, bytes)), args[-1]]
        return super().cmd_APPEND(dataclasses.replace(command, args=kept))


class MultiappendNotAtomic(Variant):
    """APPEND with several messages (RFC 3502) appends them one at a time, each checked
    only when its turn comes: a bad later message leaves the earlier ones stored."""

    def cmd_APPEND(self, command: Command) -> Done:
        mailbox, *rest = command.args or [None]
        done = Done()
        group: list[Token] = []
        for token in rest:
            group.append(token)
            if isinstance(token, Literal):  # the end of one append-message
                done = super().cmd_APPEND(dataclasses.replace(command, args=[mailbox, *group]))
                group = []
        if group or not rest:
            return super().cmd_APPEND(dataclasses.replace(command, args=[mailbox, *group]))
        return done


class KeywordsNotPersisted(Variant):
    """STORE writes only the system flags to the index; keywords stay in the session's
    memory, so the next session does not see them."""

    def _store(self, command: Command, args: list[Token], *, uid: bool) -> Done:
        if self.selection is None:
            return super()._store(command, args, uid=uid)
        selection = self.selection
        folder = selection.folder

        def system_flags_only(changes: Any) -> None:
            folder.store_flags({u: frozenset(f for f in flags if f.startswith("\\"))
                                for u, flags in changes.items()})  # fmt: skip

        selection.folder = _FolderProxy(folder, store_flags=system_flags_only)  # type: ignore[assignment]
        try:
            return super()._store(command, args, uid=uid)
        finally:
            selection.folder = folder


_real_fetch_response = fetch.fetch_response


def _fetch_response_without_uid(view: Any, request: Any, *, uid: bool = False,
                                add_flags: bool = False) -> bytes:  # fmt: skip
    return _real_fetch_response(view, request, uid=False, add_flags=add_flags)


class UidFetchOmitsUid(Variant):
    """UID FETCH answers only the items asked for: the UID is left out unless the client
    named it."""

    @classmethod
    def install(cls) -> None:
        fetch.fetch_response = _fetch_response_without_uid


class BodyFetchKeepsUnseen(Variant):
    """FETCH BODY[...] (without .PEEK), RFC822 and RFC822.TEXT do not set \\Seen."""

    @classmethod
    def install(cls) -> None:
        fetch.FetchItem.sets_seen = property(lambda self: False)  # type: ignore[assignment,method-assign]


VARIANTS: dict[str, type[Variant]] = {
    # issue 9: sessions and folders
    "create-existing-answers-ok": CreateExistingAnswersOk,
    "delete-inbox-allowed": DeleteInboxAllowed,
    "list-answers-parents-twice": ListAnswersParentsTwice,
    "status-uidnext-is-last-uid": StatusUidnextIsLastUid,
    "lsub-lists-everything": LsubListsEverything,
    "utf7-codec-names": Utf7CodecNames,
    "select-before-login": SelectBeforeLogin,
    "capabilities-kept-after-starttls": CapabilitiesKeptAfterStarttls,
    "idle-loses-updates": IdleLosesUpdates,
    "failed-select-keeps-mailbox": FailedSelectKeepsMailbox,
    "logout-without-bye": LogoutWithoutBye,
    "special-use-selection-ignored": SpecialUseSelectionIgnored,
    # issue 10: messages and search
    "search-dates-from-header": SearchDatesFromHeader,
    "search-case-sensitive": SearchCaseSensitive,
    "search-body-base64-undecoded": SearchBodyBase64Undecoded,
    "store-minus-flags-clears-all": StoreMinusFlagsClearsAll,
    "copy-loses-flags": CopyLosesFlags,
    "header-fields-returns-all": HeaderFieldsReturnsAll,
    "partial-origin-one-based": PartialOriginOneBased,
    "envelope-first-address-only": EnvelopeFirstAddressOnly,
    "bodystructure-flattens-nesting": BodystructureFlattensNesting,
    "expunge-shifted-numbers": ExpungeShiftedNumbers,
    "append-ignores-internal-date": AppendIgnoresInternalDate,
    "keywords-not-persisted": KeywordsNotPersisted,
    "multiappend-not-atomic": MultiappendNotAtomic,
    "uid-fetch-omits-uid": UidFetchOmitsUid,
    "body-fetch-keeps-unseen": BodyFetchKeepsUnseen,
}

if __name__ == "__main__":
    variant = VARIANTS[sys.argv[1]]
    variant.install()
    raise SystemExit(main(sys.argv[2:], imap_session_factory=variant))
