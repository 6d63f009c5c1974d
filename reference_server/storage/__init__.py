"""Storage behind an interface: one mbox file per account (see mbox_store.py)."""

from .interface import MaildropInUse, MailStore, MessageInfo, StorageError
from .mbox_store import MboxStore

__all__ = ["MailStore", "MaildropInUse", "MboxStore", "MessageInfo", "StorageError"]
