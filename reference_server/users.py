"""The users file: one ``user:password`` per line; blank lines and ``#`` comments skipped."""

from __future__ import annotations

import hmac
from pathlib import Path


class UsersFileError(ValueError):
    pass


class UserDb:
    def __init__(self, users: dict[str, str]) -> None:
        self._users = dict(users)

    @classmethod
    def load(cls, path: Path) -> UserDb:
        users: dict[str, str] = {}
        for number, raw in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            user, sep, password = text.partition(":")
            if not sep or not user:
                raise UsersFileError(f"{path}:{number}: expected user:password")
            users[user] = password
        return cls(users)

    def __contains__(self, user: object) -> bool:
        return user in self._users

    def names(self) -> list[str]:
        return sorted(self._users)

    def check_password(self, user: str, password: str) -> bool:
        expected = self._users.get(user)
        if expected is None:
            return False
        return hmac.compare_digest(expected.encode(), password.encode())

    def secret(self, user: str) -> str | None:
        return self._users.get(user)
