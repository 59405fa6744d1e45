"""The playbook format as pydantic models: the one definition the loader, lint and the JSON Schema share."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from recoverycli.playbooks.tips import TIPS, Condition

Segment = Literal["family", "business", "couple", "group", "vip", "other"]
SEGMENTS: tuple[Segment, ...] = get_args(Segment)
# How the call offers each segment to the clerk.
SEGMENT_LABELS: dict[Segment, str] = {
    "family": "Family (children, meal and bed times)",
    "business": "Business (a meeting, a deadline)",
    "couple": "Couple (maybe a special occasion)",
    "group": "Group (one contact speaks for many)",
    "vip": "VIP (a long-standing or high-value guest)",
    "other": "Other",
}
PromptType = Literal["text", "multiline", "choice", "confirm", "date", "time", "number"]

ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
PROMPT_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
# The {placeholders} a playbook's text may use; the call fills them in.
PLACEHOLDERS = ("customer.name", "customer.first_name", "staff.name", "staff.first_name", "playbook.title")
# The choice every `allow_other` prompt adds after its own; a playbook's list should not repeat it.
OTHER_CHOICE = "Something else (type it)"

# Every call asks these; incident playbooks may add to them, never take them away.
BASE_PROMPTS: tuple[str, ...] = (
    "apology",
    "customer_words",
    "desired_outcome",
    "commitment",
    "gesture",
    "follow_up_date",
    "root_cause",
)
# What each base prompt's answer must stay, whoever overrides it: the case record, `followups`, the calendar, the digest
# and the export columns read these answers as this type (a free-text follow-up date would never come due).
_TEXT: tuple[PromptType, ...] = ("text", "multiline", "choice")
BASE_PROMPT_TYPES: dict[str, tuple[PromptType, ...]] = {
    "apology": _TEXT,
    "customer_words": _TEXT,
    "desired_outcome": _TEXT,
    "commitment": _TEXT,
    "gesture": _TEXT,
    "follow_up_date": ("date",),
    "root_cause": _TEXT,
}
# The base prompts every call must answer: never optional, never behind a `when:`.
REQUIRED_BASE_PROMPTS: tuple[str, ...] = (
    "customer_words",
    "desired_outcome",
    "commitment",
    "gesture",
    "follow_up_date",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class _Authored(_Strict):
    """What a trainer writes: no silent coercion ("yes" is not true, "1" is not 1), exactly as the JSON Schema says."""

    model_config = ConfigDict(strict=True)


def _whole(value: Any) -> Any:
    """JSON Schema counts 1.0 as an integer; so do we (but not "1" and not true)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, BeforeValidator(_whole)]


def _prompt_schema(schema: dict[str, Any]) -> None:
    """The rule `_choices_fit_type` enforces, in the published schema too, so editors and CI catch it."""
    has_choices = {
        "anyOf": [
            {"required": ["choices"], "properties": {"choices": {"minItems": 1}}},
            {"required": ["choices_from"], "properties": {"choices_from": {"type": "string"}}},
        ]
    }
    no_choices = {"properties": {"choices": {"maxItems": 0}, "choices_from": {"type": "null"}}}
    schema["if"] = {"required": ["type"], "properties": {"type": {"const": "choice"}}}
    schema["then"] = has_choices
    schema["else"] = no_choices


class Gesture(_Authored):
    """Something extra beyond making things right [kaufman-gesture]."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    consumable: bool = False
    cost: float | None = Field(default=None, ge=0, description="rough cost in local currency")
    suits: list[Segment] = Field(default_factory=list, description="segments it suits best; ranked first for them")


class Option(_Authored):
    """A choice shown with a friendly label but stored by its short value."""

    value: str = Field(min_length=1)
    label: str = Field(min_length=1)


def condition_holds(when: Condition | None, value_of: Callable[[str], Any]) -> bool:
    """Each key's earlier answer is one of the wanted values (text compared without case); no condition always holds."""
    for key, wanted in (when or {}).items():
        options = wanted if isinstance(wanted, list) else [wanted]
        have = value_of(key)
        if not any(
            have == w or (isinstance(have, str) and isinstance(w, str) and have.lower() == w.lower()) for w in options
        ):
            return False
    return True


class Prompt(_Authored):
    """One question the clerk answers during the call."""

    model_config = ConfigDict(json_schema_extra=_prompt_schema)

    id: str = Field(pattern=PROMPT_ID_PATTERN)
    label: str = Field(min_length=1)
    short: str | None = Field(
        default=None,
        min_length=1,
        max_length=24,
        description="a few words for the summary's row beside the answer (Apology, Customer's words); else the label",
    )
    help: str = ""
    type: PromptType = "text"
    required: bool = False
    choices: list[str | Option] = Field(default_factory=list)
    choices_from: Literal["gestures"] | None = None
    allow_other: bool = True
    max_length: Whole = Field(default=4000, ge=1, le=20000)
    when: Condition | None = Field(
        default=None,
        description="ask only if earlier answers match, e.g. {what_failed: [power, water]} or {segment: family}",
    )
    verify: str | None = Field(
        default=None, description="a promise to check before saying it: the clerk confirms they did"
    )
    coach: bool | Literal["strict"] = Field(
        default=False,
        description="check the answer for excuses, blame and vague promises; strict: error-level flags cannot be kept",
    )

    def verification(self) -> Prompt:
        """The confirm question that follows a prompt marked `verify` [kuzmeski-verify]."""
        return Prompt(
            id=f"{self.id}_verified",
            label=self.verify or "Did you check it?",
            short="Checked it",  # the summary's row, right below the promise it checks
            type="confirm",
            required=True,
            help="Say yes only once you have checked.",
            when=self.when,
        )

    def applies(self, value_of: Callable[[str], Any]) -> bool:
        """Whether this prompt is asked, given a lookup of earlier answers."""
        return condition_holds(self.when, value_of)

    @model_validator(mode="after")
    def _choices_fit_type(self) -> Prompt:
        if self.type == "choice" and not (self.choices or self.choices_from):
            raise ValueError(
                f"choice prompt '{self.id}' has nothing to choose — add `choices:` or `choices_from: gestures`"
            )
        if self.type != "choice" and (self.choices or self.choices_from):
            raise ValueError(
                f"prompt '{self.id}' has choices but type '{self.type}' — set `type: choice` or remove the choices"
            )
        return self


class When(_Authored):
    segment: Segment | list[Segment]

    def segments(self) -> list[str]:
        return [self.segment] if isinstance(self.segment, str) else list(self.segment)


class Adapt(_Authored):
    """Guidance that only applies to some customers [kuzmeski-individual]."""

    when: When
    guidance: str = Field(min_length=1)


class Step(_Authored):
    """One of the recovery steps; in a child playbook any field may be left out to inherit it."""

    id: str = Field(pattern=ID_PATTERN)
    title: str | None = None
    guidance: str | None = None
    say: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    tips: list[str] = Field(default_factory=list, json_schema_extra={"items": {"enum": [*sorted(TIPS)]}})
    adapt: list[Adapt] = Field(default_factory=list)
    prompts: list[Prompt] = Field(default_factory=list)
    remove_tips: list[str] = Field(default_factory=list, description="tip tags inherited from the parent to drop")
    remove_say: list[str] = Field(
        default_factory=list, description="say lines inherited from the parent to drop, written as the parent has them"
    )
    before: str | None = None
    after: str | None = None

    @field_validator("tips")
    @classmethod
    def _known_tips(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if tag not in TIPS:
                raise ValueError(
                    f"unknown tip tag '{tag}' — use a tag from docs/practices.md: {', '.join(sorted(TIPS))}"
                )
        return tags

    def guidance_for(self, segment: str | None) -> list[str]:
        extra = [a.guidance for a in self.adapt if segment in a.when.segments()]
        return ([self.guidance] if self.guidance else []) + extra


class Playbook(_Authored):
    """A recovery playbook as a trainer writes it; `extends` names its parent."""

    id: str = Field(pattern=ID_PATTERN)
    title: str | None = None
    version: Whole = Field(default=1, ge=1)
    category: str = "general"
    description: str = ""
    extends: str | None = None
    steps: list[Step] = Field(default_factory=list)
    gestures: list[Gesture] = Field(default_factory=list)
    remove_gestures: list[str] = Field(
        default_factory=list, description="gesture ids inherited from the parent to drop"
    )
    supplier: str | None = Field(
        default=None, description="who else serves this customer (airline, cruise line, booking site)"
    )

    def step_prompts(self, step: Step) -> list[Prompt]:
        """A step's questions as asked: its own, each verification, and the supplier questions at the fix step."""
        out: list[Prompt] = []
        for p in step.prompts:
            out.append(p)
            if p.verify:
                out.append(p.verification())
        if self.supplier and step.id == "fix":
            out += supplier_prompts(self.supplier)
        return out

    def prompts(self) -> list[Prompt]:
        return [p for s in self.steps for p in self.step_prompts(s)]

    def prompt(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts() if p.id == prompt_id), None)

    def gesture(self, gesture_id: str) -> Gesture | None:
        return next((g for g in self.gestures if g.id == gesture_id), None)

    def listed(self) -> bool:
        return self.category not in ("base", "outreach")  # outreach: the crisis queue calls it, not the picker

    def content_hash(self) -> str:
        """Changes whenever anything a clerk would meet changes; drafts remember it."""
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:16]


def supplier_prompts(supplier: str) -> list[Prompt]:
    """[kaufman-supplier, riffey-ownership] we call the supplier; the customer never has to."""
    return [
        Prompt(
            id="supplier_contacted",
            label=f"Have you contacted the {supplier} yourself?",
            type="confirm",
            required=True,
            help="Our shared customer: win them back together. Never ask the customer to call them.",
        ),
        Prompt(
            id="supplier_action",
            label=f"What will the {supplier} do, and by when?",
            required=True,
            coach="strict",
            when={"supplier_contacted": True},
        ),
    ]
