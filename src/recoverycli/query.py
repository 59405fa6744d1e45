"""Which cases a list, an export or the follow-up list means: filters turned into SQL for the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from recoverycli.dates import parse_date
from recoverycli.errors import RecoverError


def day_start_utc(d: date) -> str:
    """Local midnight of `d`, as the UTC text the store compares against."""
    return datetime.combine(d, time.min).astimezone().astimezone(timezone.utc).isoformat(timespec="microseconds")


def as_date(text: str | None, today: date, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_date(text, today)
    except ValueError as e:
        raise RecoverError(f"{flag}: {e}", exit_code=2) from None


@dataclass
class CaseFilter:
    status: str | None = None
    playbook: str | None = None
    customer: str | None = None
    staff: str | None = None
    since: date | None = None
    until: date | None = None
    overdue: bool = False
    system_fix_open: bool = False
    today: date | None = None

    def sql(self) -> tuple[str, list[Any]]:
        where: list[str] = []
        args: list[Any] = []
        if self.status:
            where.append("status = ?")
            args.append(self.status)
        if self.playbook:
            where.append("playbook_id = ?")
            args.append(self.playbook)
        if self.customer:
            where.append("(customer_name LIKE ? ESCAPE '\\' OR customer_contact LIKE ? ESCAPE '\\')")
            pattern = "%" + self.customer.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            args += [pattern, pattern]
        if self.staff:
            where.append("staff = ? COLLATE NOCASE")
            args.append(self.staff)
        if self.since:
            where.append("created_at >= ?")
            args.append(day_start_utc(self.since))
        if self.until:
            where.append("created_at < ?")
            args.append(day_start_utc(self.until + timedelta(days=1)))
        if self.overdue:
            where.append("status = 'open' AND follow_up_done_at IS NULL AND follow_up_date < ?")
            args.append((self.today or date.today()).isoformat())
        if self.system_fix_open:
            where.append("status != 'draft' AND system_fix_done_at IS NULL")
        return " AND ".join(where), args


def due_followups(today: date, upcoming: int = 0) -> tuple[str, list[Any], str]:
    """Open promises due by today (+ upcoming days), most overdue first."""
    where = "status = 'open' AND follow_up_done_at IS NULL AND follow_up_date IS NOT NULL AND follow_up_date <= ?"
    return where, [(today + timedelta(days=upcoming)).isoformat()], "follow_up_date, created_at"
