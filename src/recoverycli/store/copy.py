"""Moving a desk's log into the shared store: idempotent, and verified case by case with a content hash."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from recoverycli.query import CaseFilter
from recoverycli.store.base import LATER_COLUMNS, BaseStore, content_hash, iso


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


def copy_cases(src: BaseStore, dst: BaseStore, staff: str, tick: Callable[[], None] | None = None) -> CopyReport:
    """Every case but drafts; a case already there is skipped when identical, or brought up to date if only
    the source moved on. Each case is read back from the target and its hash compared with the source's."""
    report = CopyReport(source_cases=src.count(CaseFilter(live_only=True)),
                        drafts_left=src.count(CaseFilter(status="draft")))
    for row in src.rows(CaseFilter(live_only=True), "oldest"):
        case = src.case_from_row(row)
        later = {k: row[k] for k in LATER_COLUMNS}
        want = content_hash(case, later)
        target = dst.copied_as(case.id, iso(case.created_at), case.staff)
        if target is None:
            target = dst.add_copy(case, later, staff)
            if target == case.id:
                report.copied.append(case.id)
            else:
                report.renumbered[case.id] = target
        else:
            there = dst.get(target)
            if content_hash(there, dst.later_columns(target)) == want:
                report.unchanged.append(case.id)
            else:
                theirs = [e for e in there.events if e.kind != "copied"]
                if case.events[:len(theirs)] != theirs:
                    report.conflicts.append(case.id)
                    if tick:
                        tick()
                    continue
                dst.replace_copy(target, case, later)
                report.updated.append(case.id)
        if content_hash(dst.get(target), dst.later_columns(target)) == want:
            report.verified += 1
        else:
            report.mismatched.append(case.id)
        if tick:
            tick()
    return report
