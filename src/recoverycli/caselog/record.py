"""The case record: what a call saves and every later command reads (pydantic, the one definition)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from recoverycli.playbooks.schema import Segment

Status = Literal["draft", "open", "closed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def iso_utc(dt: datetime) -> str:
    """The one timestamp form, stored and printed alike: ISO 8601 in UTC with an offset, to the microsecond."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


class Customer(_Strict):
    name: str = ""
    contact: str = ""
    segment: Segment | None = None  # None only in a draft, before it was asked


class Event(_Strict):
    """An append-only line of the case's history: who did what, when."""

    at: datetime
    staff: str
    kind: str
    data: dict[str, Any] = Field(default_factory=dict)

    @field_serializer("at", when_used="json")
    def _at(self, at: datetime) -> str:
        return iso_utc(at)


class PlaybookRef(_Strict):
    id: str
    version: int
    hash: str


class Case(_Strict):
    """The structured record of one recovery."""

    id: str
    status: Status = "open"
    created_at: datetime
    updated_at: datetime
    staff: str
    customer: Customer
    playbook: PlaybookRef
    answers: dict[str, Any] = Field(default_factory=dict)
    complaint_number: int = Field(default=1, ge=1)
    severity: Literal["normal", "emergency"] = "normal"
    repeats: str | None = Field(
        default=None, description="the earlier case this complaint repeats (from its `repeat` event)"
    )
    events: list[Event] = Field(default_factory=list)
    crisis_id: str | None = None  # the crisis this case belongs to (an outreach call, or a listed customer calling in)

    @field_serializer("created_at", "updated_at", when_used="json")
    def _times(self, dt: datetime) -> str:
        return iso_utc(dt)
