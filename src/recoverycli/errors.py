"""The only exceptions the CLI turns into one-line messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: this module imports nothing of ours at run time
    from recoverycli.playbooks.source import Problem


class RecoverError(Exception):
    """A problem the user can fix; `message` is shown as is, on one line."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


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

    exit_code = 0


class NotFoundError(RecoverError):
    """A case or playbook id that does not exist."""


class Interrupted(RecoverError):
    """The clerk pressed Ctrl-C; what was typed is kept where possible."""

    exit_code = 130
