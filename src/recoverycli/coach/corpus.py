"""The labelled replies the coach is measured on, and the figures `recover coach test` reports.

A corpus is a YAML file of replies, each labelled bad (with the move a customer hears) or sincere
(docs/coach.md gives the format). The development half is what the rules and the model were written
against; the held-out half was written apart and is only ever scored, never tuned on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

MOVES = (
    "excuse",
    "blame",
    "deflect",
    "policy",
    "doubt",
    "dismiss",
    "non-apology",
    "canned",
    "vague-promise",
    "template",
)
FIELDS = ("apology", "commitment", "reply")
HALVES = (
    "dev",
    "heldout",
)  # a corpus file belongs to the half its stem starts with: dev.yaml, dev-spoken.yaml, heldout.yaml


class Reply(BaseModel):
    """One labelled reply, as its writer put it in the corpus file."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    verdict: Literal["bad", "sincere"]
    move: str = "none"
    field: Literal["apology", "commitment", "reply"] = "reply"
    customer: str | None = None
    channel: str | None = None
    industry: str | None = None
    locale: str | None = None
    tricky: bool = False
    where: str = ""  # file:line, filled in on loading

    @field_validator("move")
    @classmethod
    def _known_move(cls, v: str) -> str:
        if v != "none" and v not in MOVES:
            raise ValueError(f"unknown move '{v}' — use one of: {', '.join(MOVES)}, or none for a sincere reply")
        return v


def load_corpus(path: Path) -> list[Reply]:
    """Every reply in a corpus file; a broken file is one error naming file:line:col."""
    from recoverycli.errors import PlaybookError
    from recoverycli.playbooks.library import problem_from_validation
    from recoverycli.playbooks.source import YamlProblem, read_yaml

    try:
        src = read_yaml(path)
    except YamlProblem as e:
        raise PlaybookError(e.problem) from None
    data = src.data
    if not isinstance(data, dict) or not isinstance(data.get("replies"), list):
        raise PlaybookError(
            src.problem((), "a coach corpus is a mapping with one key, `replies`, a list of labelled replies")
        )
    out = []
    for i, raw in enumerate(data["replies"]):
        if not isinstance(raw, dict):
            raise PlaybookError(
                src.problem(("replies", i), "each reply is a mapping with text, verdict, move, field, customer")
            )
        try:
            reply = Reply.model_validate(raw)
        except ValidationError as e:
            err = e.errors()[0]
            if err["type"] == "extra_forbidden":
                allowed = ", ".join(k for k in Reply.model_fields if k != "where")
                raise PlaybookError(
                    src.problem(
                        ("replies", i, *err["loc"]),
                        f"unknown key '{err['loc'][-1]}' — check the spelling; allowed here: {allowed}",
                        key=True,
                    )
                ) from None
            raise PlaybookError(problem_from_validation(src, err, base=("replies", i))) from None
        if (reply.verdict == "bad") == (reply.move == "none"):
            raise PlaybookError(
                src.problem(("replies", i, "move"), "a bad reply names its move; a sincere one has move: none")
            )
        line, _ = src.where(("replies", i))
        out.append(reply.model_copy(update={"where": f"{path}:{line}"}))
    return out


def bundled_corpus_dir() -> Path:
    """The corpus ships inside the wheel (recoverycli/coach/labelled); from a source checkout it is tests/coach."""
    here = Path(__file__).resolve().parent
    inside = here / "labelled"
    return inside if inside.is_dir() else here.parents[2] / "tests" / "coach"


def half_of(path: Path) -> str:
    """Which half a corpus file belongs to: `dev` or `heldout` by its name, else a half of its own."""
    return next((h for h in HALVES if path.stem == h or path.stem.startswith(f"{h}-")), path.stem)


def bundled_halves() -> list[Path]:
    """The corpus files of the development half, then those of the held-out half (dev.yaml, dev-*.yaml,
    heldout*.yaml)."""
    folder = bundled_corpus_dir()
    files = sorted(folder.glob("*.yaml"), key=lambda p: (p.stem != half_of(p), p.stem))
    return [p for h in HALVES for p in files if half_of(p) == h]


@dataclass
class Tally:
    """How a coach did on a set of replies."""

    bad: int = 0
    caught: int = 0  # bad replies with at least one flag
    sincere: int = 0
    false_flags: int = 0  # sincere replies with any flag
    false_blocks: int = 0  # sincere replies with an error-level flag: a strict prompt would refuse them
    blocked_bad: int = 0  # bad replies a strict prompt would refuse

    def add(self, reply: Reply, flagged: bool, blocked: bool) -> None:
        if reply.verdict == "bad":
            self.bad += 1
            self.caught += flagged
            self.blocked_bad += blocked
        else:
            self.sincere += 1
            self.false_flags += flagged
            self.false_blocks += blocked

    @property
    def recall(self) -> float | None:
        return self.caught / self.bad if self.bad else None

    @property
    def precision(self) -> float | None:
        flagged = self.caught + self.false_flags
        return self.caught / flagged if flagged else None

    @property
    def false_flag_rate(self) -> float | None:
        return self.false_flags / self.sincere if self.sincere else None

    def as_dict(self) -> dict[str, Any]:
        r = lambda x: None if x is None else round(x, 4)  # noqa: E731
        return {
            "bad": self.bad,
            "caught": self.caught,
            "recall": r(self.recall),
            "sincere": self.sincere,
            "false_flags": self.false_flags,
            "false_flag_rate": r(self.false_flag_rate),
            "precision": r(self.precision),
            "false_blocks": self.false_blocks,
            "blocked_bad": self.blocked_bad,
        }


@dataclass
class Outcome:
    """What the coach made of one reply."""

    reply: Reply
    flags: list[Any]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def blocked(self) -> bool:
        return any(f.level == "error" for f in self.flags)

    @property
    def wrong(self) -> bool:
        return self.flagged != (self.reply.verdict == "bad")


@dataclass
class Scorecard:
    """Figures for one corpus file: overall, per move, tricky or not, and every reply it got wrong."""

    name: str
    path: str
    overall: Tally = field(default_factory=Tally)
    by_move: dict[str, Tally] = field(default_factory=dict)
    by_field: dict[str, Tally] = field(default_factory=dict)
    tricky: Tally = field(default_factory=Tally)
    plain: Tally = field(default_factory=Tally)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def mistakes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.wrong or (o.reply.verdict == "sincere" and o.blocked)]

    def as_dict(self, with_mistakes: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "path": self.path,
            **self.overall.as_dict(),
            "by_move": {m: t.as_dict() for m, t in self.by_move.items()},
            "by_field": {f: t.as_dict() for f, t in self.by_field.items()},
            "tricky": self.tricky.as_dict(),
            "not_tricky": self.plain.as_dict(),
        }
        if with_mistakes:
            out["mistakes"] = [
                {
                    "where": o.reply.where,
                    "verdict": o.reply.verdict,
                    "move": o.reply.move,
                    "field": o.reply.field,
                    "text": o.reply.text,
                    "flags": [f"{f.level}:{f.rule}" for f in o.flags],
                }
                for o in self.mistakes
            ]
        return out


def context_for(reply: Reply) -> Any:
    """What the coach would know when this reply is typed: the customer, and which prompt it answers."""
    from recoverycli.coach import Context

    return Context(customer_name=reply.customer, prompt=reply.field if reply.field != "reply" else None)


def score(name: str, path: str, replies: list[Reply], flags_for: Callable[[Reply], list[Any]]) -> Scorecard:
    """Run the coach over every reply and count what it caught, missed, flagged and would block."""
    return tally(name, path, [Outcome(reply, flags_for(reply)) for reply in replies])


def tally(name: str, path: str, outcomes: list[Outcome]) -> Scorecard:
    """The figures of a set of outcomes: overall, per move, per field, tricky or not."""
    card = Scorecard(name, path)
    for outcome in outcomes:
        reply = outcome.reply
        card.outcomes.append(outcome)
        for t in (
            card.overall,
            card.by_move.setdefault(reply.move, Tally()),
            card.by_field.setdefault(reply.field, Tally()),
            card.tricky if reply.tricky else card.plain,
        ):
            t.add(reply, outcome.flagged, outcome.blocked)
    card.by_move = {m: card.by_move[m] for m in (*MOVES, "none") if m in card.by_move}
    return card


def half_totals(cards: list[Scorecard]) -> list[Scorecard]:
    """One scorecard per half (development, held-out) for the halves that span several files."""
    paths = {c.path: Path(c.path) for c in cards}
    out = []
    for half in dict.fromkeys(half_of(paths[c.path]) for c in cards):
        mine = [c for c in cards if half_of(paths[c.path]) == half]
        if len(mine) > 1:
            out.append(tally(f"{half} (all)", ", ".join(c.path for c in mine), [o for c in mine for o in c.outcomes]))
    return out


@dataclass
class CoachScores:
    """What `recover coach test` reports: each rule on its own examples, then each labelled corpus and each half."""

    rules: list[Any]  # recoverycli.coach.Score, one per rule
    cards: list[Scorecard]
    totals: list[Scorecard]
    corpora: list[Path]

    @property
    def failures(self) -> list[tuple[str, str, str]]:
        """(rule, example, problem) for every example a rule gets wrong: the missed ones first, then the false flags."""
        return [(s.rule, ex, "not flagged") for s in self.rules for ex in s.not_flagged] + [
            (s.rule, ex, "wrongly flagged") for s in self.rules for ex in s.wrongly_flagged
        ]


def score_coach(rules: list[Any], model: Any = None, corpora: list[Path] | None = None) -> CoachScores:
    """Score compiled `rules` (with the trained second opinion `model`, if any) on their own examples and on each
    labelled corpus (default: the bundled development and held-out halves)."""
    from recoverycli import coach

    files = corpora if corpora is not None else bundled_halves()
    cards = [
        score(
            path.stem,
            str(path),
            load_corpus(path),
            lambda r: coach.check(r.text, rules, context_for(r), model),
        )
        for path in files
    ]
    return CoachScores(coach.score_rules(rules), cards, half_totals(cards), list(files))
