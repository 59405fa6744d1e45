"""Picking an interrupted call up again: which drafts may be resumed, and what the clerk is told first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recoverycli.call.wizard import Call, call_from_case
from recoverycli.caselog.record import Case
from recoverycli.errors import NotFoundError, RecoverError
from recoverycli.playbooks.library import Library
from recoverycli.playbooks.schema import Playbook
from recoverycli.store import BaseStore

DRAFTS_SHOWN = 50  # the chooser's list: a clerk's own drafts, newest first


def draft_to_resume(store: BaseStore, case_id: str) -> Case:
    """The draft `case_id`; an open or closed case is refused (its call is over), a wrong id is NotFoundError."""
    case = store.get(case_id)
    if case.status != "draft":
        raise RecoverError(
            f"case {case.id} is {case.status}, not a draft — nothing to resume; `recover show {case.id}` shows it"
        )
    return case


def drafts_to_choose(store: BaseStore, staff: str | None) -> list[Case]:
    """The drafts a clerk chooses from (theirs when the staff name is known, else everyone's), newest first."""
    drafts = store.recent(limit=DRAFTS_SHOWN, status="draft", staff=staff)
    if not drafts:
        raise NotFoundError(
            f"no drafts to resume{f' for {staff}' if staff else ''} — `recover list --status draft` shows every draft"
        )
    return drafts


def playbook_change(case: Case, playbook: Playbook) -> str | None:
    """What to tell the clerk when the playbook was edited since the call began (None when it was not)."""
    if playbook.content_hash() == case.playbook.hash:
        return None
    return (
        f"Playbook '{playbook.id}' has changed since this call began (v{case.playbook.version} → v{playbook.version}). "
        "Every answer is kept; any new questions will be asked."
    )


@dataclass
class Resumed:
    """A draft ready to be asked again, from its first unanswered question."""

    draft: Case
    call: Call
    changed: str | None  # playbook_change's warning, said before the first question


def resumed(draft: Case, library: Library, today: date) -> Resumed:
    """The call a draft holds, on its playbook as it is now (a playbook that is gone is NotFoundError)."""
    playbook = library.get(draft.playbook.id)
    return Resumed(draft, call_from_case(draft, playbook, today), playbook_change(draft, playbook))
