"""The case record: what a call saves and every later command reads (pydantic, the one definition)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from recoverycli.playbooks.schema import Segment

if TYPE_CHECKING:
    from recoverycli.playbooks.schema import Playbook

Status = Literal["draft", "open", "closed"]
Severity = Literal["normal", "emergency"]
EMERGENCY_FROM = 2  # the complaint number from which a call is an emergency (the report's SQL counts with it too)


def severity_of(complaint_number: int) -> Severity:
    """[kuzmeski-second-complaint] A customer's second complaint, or any later one, is an emergency: the one rule."""
    return "emergency" if complaint_number >= EMERGENCY_FROM else "normal"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def iso_utc(dt: datetime) -> str:
    """The one timestamp form, stored and printed alike: ISO 8601 in UTC with an offset, to the microsecond."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


class Customer(_Strict):
    name: str = ""
    contact: str = ""
    segment: Segment | None = None  # None only in a draft, before it was asked

    def given(self) -> dict[str, Any]:
        """The details captured so far (a draft may lack some): what a resumed call or a rescue file starts from."""
        return {k: v for k, v in self.model_dump().items() if v not in (None, "")}


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

    @classmethod
    def of(cls, playbook: Playbook) -> PlaybookRef:
        """The playbook as a case records it: which one, which version, and a hash of exactly what was shown."""
        return cls(id=playbook.id, version=playbook.version, hash=playbook.content_hash())


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
    severity: Severity = "normal"
    repeats: str | None = Field(
        default=None, description="the earlier case this complaint repeats (from its `repeat` event)"
    )
    events: list[Event] = Field(default_factory=list)
    crisis_id: str | None = None  # the crisis this case belongs to (an outreach call, or a listed customer calling in)

    @property
    def emergency(self) -> bool:
        """A repeat complaint: the severity its complaint number gives (see `severity_of`)."""
        return severity_of(self.complaint_number) == "emergency"

    @field_serializer("created_at", "updated_at", when_used="json")
    def _times(self, dt: datetime) -> str:
        return iso_utc(dt)
