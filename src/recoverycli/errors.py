"""The only exceptions the CLI turns into one-line messages, and every exit code recover chooses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: this module imports nothing of ours at run time
    from recoverycli.playbooks.source import Problem
from enum import IntEnum


class ExitCode(IntEnum):
    """What `recover` exits with: scripts rely on each number (docs), so none ever changes."""

    OK = 0
    ERROR = 1  # something to fix: a bad file, a store that will not open, a case that does not exist
    USAGE = 2  # the command line asks for what cannot be: an unknown value, options that exclude each other
    NOTHING_DUE = 3  # `crisis call --answers`: nobody in the queue is due to be called right now
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class RecoverError(Exception):
    """A problem the user can fix; `message` is shown as is, on one line, and the command exits `exit_code`."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(RecoverError):
    """The command line asks for something that cannot be: one line and exit 2, as click says its own."""

    exit_code = ExitCode.USAGE


class PlaybookError(RecoverError):
    """A playbook file is wrong; the message starts with file:line:col."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class AnswersError(RecoverError):
    """An --answers file cannot be used; the message lists every problem."""


class StoreError(RecoverError):
    """The case store cannot be opened or written."""


class NoRightError(StoreError):
    """The shared store's database role lacks a privilege the command needs."""


class NothingChanged(RecoverError):
    """The change asked for is already made (a follow-up done twice, a closed case closed again): said, not an error."""

    exit_code = ExitCode.OK


class NotFoundError(RecoverError):
    """A case or playbook id that does not exist."""
