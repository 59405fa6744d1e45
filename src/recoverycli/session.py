"""A call in progress, written to the store as a draft after every answer."""

from __future__ import annotations

from recoverycli.models import Case, Event, PlaybookRef
from recoverycli.store import CaseStore, utcnow
from recoverycli.wizard import Call, case_from_call


class Autosave:
    """The wizard's on_answer hook: nothing answered is lost to Ctrl-C, a closed terminal or kill -9."""

    def __init__(self, store: CaseStore, via: str, draft: Case | None = None) -> None:
        self.store = store
        self.via = via
        self.case = draft
        self._ref: PlaybookRef | None = None

    @property
    def case_id(self) -> str | None:
        return self.case.id if self.case else None

    def __call__(self, call: Call, prompt_id: str) -> None:
        if self.case is None:
            self.case = self.store.add(case_from_call(call, self.via, utcnow(), status="draft"))
        else:
            self.case = self._updated(call)
            self.store.save_draft(self.case)

    def _updated(self, call: Call) -> Case:
        assert self.case is not None
        if self._ref is None:  # the playbook as it is now, even for a draft begun on an older one
            self._ref = PlaybookRef(id=call.playbook.id, version=call.playbook.version, hash=call.playbook.content_hash())
        return self.case.model_copy(update={
            "updated_at": utcnow(),
            "staff": call.staff,
            "customer": call.to_customer(),
            "answers": dict(call.answers),
            "playbook": self._ref,
        })

    def finish(self, call: Call) -> Case:
        """The clerk confirmed: the draft becomes an open case, in one transaction."""
        if self.case is None:
            self(call, "")
        case = self._updated(call)
        event = Event(at=utcnow(), staff=call.staff, kind="saved", data={"via": self.via})
        self.store.finish_draft(case, event)
        self.case = case.model_copy(update={"status": "open"})
        return self.case
