"""Exceptions of the saylau library.

The library raises these; only the edges (the CLI, the web views) turn them into
user messages.  Every message is one line that names the key, row or field and
the offending value.
"""

from __future__ import annotations

from collections.abc import Sequence


class SaylauError(Exception):
    """Base class of every error saylau reports to a user."""


class InputError(SaylauError):
    """Bad input data (votes, protocol files, parameters).

    ``problems`` holds every problem found, so a file's problems are reported at
    once; ``str(err)`` joins them one per line.
    """

    def __init__(self, message: str | Sequence[str]) -> None:
        if isinstance(message, str):
            self.problems: list[str] = [message]
        else:
            self.problems = list(message)
        super().__init__("\n".join(self.problems))


class LawError(InputError):
    """A law file or law parameter is invalid."""


class MethodError(InputError):
    """An unknown allocation method was named."""


class NotFoundError(SaylauError):
    """A named thing (contest, division, station, law preset) does not exist."""


class ConflictError(SaylauError):
    """The action clashes with the current state (certified, already done, the last
    of its kind); the API answers 409."""
