"""Moving a desk's log into the shared store: idempotent, and verified case by case with a content hash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from recoverycli.caselog.filters import CaseFilter
from recoverycli.caselog.record import Case
from recoverycli.store.base import BaseStore, iso
from recoverycli.store.columns import content_hash


@dataclass
class CopyReport:
    source_cases: int = 0
    drafts_left: int = 0
    copied: list[str] = field(default_factory=list)
    renumbered: dict[str, str] = field(default_factory=dict)  # source id -> id in the target (its own was taken)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # changed on both sides since the last copy: left alone
    verified: int = 0
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.mismatched and self.verified == self.source_cases - len(self.conflicts)


def live_count(src: BaseStore) -> int:
    return src.count(CaseFilter(live_only=True))


def copy_cases(
    src: BaseStore, dst: BaseStore, staff: str, tick: Callable[[], None] | None = None, total: int | None = None
) -> CopyReport:
    """Every case but drafts; a case already there is skipped when identical, or brought up to date if only
    the source moved on. Each case is read back from the target and its hash compared with the source's.

    total: live_count(src), when the caller has it already (for its progress bar).
    """
    report = CopyReport(
        source_cases=live_count(src) if total is None else total, drafts_left=src.count(CaseFilter(status="draft"))
    )
    for batch in src.live_batches():
        for case, later in batch:
            _copy_one(case, later, dst, staff, report)
            if tick:
                tick()
    return report


def _copy_one(case: Case, later: dict[str, Any], dst: BaseStore, staff: str, report: CopyReport) -> None:
    want = content_hash(case, later)
    target = dst.copied_as(case.id, iso(case.created_at), case.staff)
    if target is not None:
        there, there_later = dst.snapshot(target)
        if content_hash(there, there_later) == want:
            report.unchanged.append(case.id)
            report.verified += 1
            return
        theirs = [e for e in there.events if e.kind != "copied"]
        if case.events[: len(theirs)] != theirs:
            report.conflicts.append(case.id)
            return
        dst.replace_copy(target, case, later)
        report.updated.append(case.id)
    else:
        target = dst.add_copy(case, later, staff)
        if target == case.id:
            report.copied.append(case.id)
        else:
            report.renumbered[case.id] = target
    if content_hash(*dst.snapshot(target)) == want:
        report.verified += 1
    else:
        report.mismatched.append(case.id)
