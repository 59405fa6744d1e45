"""Checks on what staff say or send: excuses, blame, deflection, vague promises, the wrong name.

Pure functions over text and a little context; the rules themselves live in playbooks/coach.yaml.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from re import _parser  # type: ignore[attr-defined]  # the parse tree, to refuse patterns that never finish
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from recoverycli.coach.text import fold, normalise, phrase_pattern, sentence_spans


class Rule(BaseModel):
    """One coaching rule, as a trainer writes it in coach.yaml."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    category: str
    level: Literal["warning", "error"] = "warning"
    phrases: list[str] = Field(default_factory=list)  # matched on the normalised text: any inflection
    patterns: list[str] = Field(default_factory=list)  # regular expressions over the text as typed (lower case)
    normal_patterns: list[str] = Field(default_factory=list)  # regular expressions over the normalised text
    exceptions: list[str] = Field(default_factory=list)  # over the sentence, as typed or normalised
    exceptions_in: Literal["sentence", "reply"] = "sentence"  # where an exception is looked for
    unless_reply: list[str] = Field(default_factory=list)  # over the whole reply: when one matches, the rule is silent
    # over the whole reply: when one matches, an error-level hit is only a warning (block only at very high confidence)
    warn_if: list[str] = Field(default_factory=list)
    fields: list[Literal["apology", "commitment", "reply"]] = Field(default_factory=list)  # empty: everywhere
    reason: str
    suggestion: str
    examples_flag: list[str] = Field(default_factory=list)
    examples_pass: list[str] = Field(default_factory=list)

    @field_validator("patterns", "normal_patterns", "exceptions", "unless_reply", "warn_if")
    @classmethod
    def _compiles(cls, values: list[str]) -> list[str]:
        for v in values:
            try:
                re.compile(v)
            except re.error as e:
                raise ValueError(f"pattern {v!r} is not a valid regular expression ({e}) — fix or quote it") from None
            if _nested_repeat(_parser.parse(v)):
                raise ValueError(
                    f"pattern {v!r} repeats a repetition (a + or * inside a group that is itself repeated): on a long "
                    "reply it can take for ever to match — write the inner part once, e.g. (a+)+ as a+"
                )
        return values


_REPEATS = (_parser.MAX_REPEAT, _parser.MIN_REPEAT, getattr(_parser, "POSSESSIVE_REPEAT", _parser.MAX_REPEAT))
_MANY = 10  # an outer repeat of at most this many times stays polynomial and small: (?:\w+\s+){0,3} is fine


def _parts(op: Any, av: Any) -> list[Any]:
    """The sub-patterns of one node of re's parse tree (groups, alternatives, look-arounds, repeats)."""
    if op in _REPEATS:
        return [av[2]]
    if op in (_parser.SUBPATTERN, _parser.ATOMIC_GROUP):
        return [av[-1]]
    if op == _parser.BRANCH:
        return list(av[1])
    if op in (_parser.ASSERT, _parser.ASSERT_NOT):
        return [av[1]]
    if op == _parser.GROUPREF_EXISTS:
        return [b for b in av[1:] if b is not None]
    return []


def _repeats(tree: Any) -> bool:
    """Whether anything in the tree can match more than once."""
    return any((op in _REPEATS and av[1] > 1) or any(_repeats(p) for p in _parts(op, av)) for op, av in tree)


def _nested_repeat(tree: Any) -> bool:
    """A repetition inside a repetition that may run many times, (a+)+ or (\\w+\\s?)*: the classic catastrophic
    backtracking pattern, whose time grows exponentially with a reply that almost matches."""
    for op, av in tree:
        if op in _REPEATS and av[1] > _MANY and _repeats(av[2]):
            return True
        if any(_nested_repeat(p) for p in _parts(op, av)):
            return True
    return False


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule]
    # words that take back what a sentence seems to say ("I'm not going to hide behind policy", "no excuses"):
    # regular expressions over the sentence; a rule's hit in such a sentence, or inside quotation marks, is not flagged
    disowning: list[str] = Field(default_factory=list)
    # named classes of words, written once and used in any rule's normal_patterns and exceptions as @name:
    # `@party @fail` reads "a third party as the subject of a failure verb"
    words: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("disowning")
    @classmethod
    def _compiles(cls, values: list[str]) -> list[str]:
        return Rule._compiles(values)

    @field_validator("words")
    @classmethod
    def _word_names(cls, values: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, alternatives in values.items():
            if not re.fullmatch(r"[a-z][a-z_]*", name):
                raise ValueError(f"word class '{name}' — name it in lower case letters and _, used as @{name}")
            Rule._compiles(alternatives)
        return values


@dataclass(frozen=True)
class Context:
    """What the checker knows about the case, so it can catch what a prose linter cannot."""

    customer_name: str | None = None
    follow_up_date: date | None = None
    today: date | None = None
    prompt: str | None = None  # 'apology', 'commitment', or None for a reply draft


@dataclass
class Flag:
    rule: str
    category: str
    level: str
    start: int
    end: int
    match: str
    reason: str
    suggestion: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Compiled:
    rule: Rule
    matchers: list[re.Pattern[str]] = field(default_factory=list)  # over the text as typed, folded
    normal: list[re.Pattern[str]] = field(default_factory=list)  # over the normalised text
    exceptions: list[re.Pattern[str]] = field(default_factory=list)
    unless_reply: list[re.Pattern[str]] = field(default_factory=list)
    warn_if: list[re.Pattern[str]] = field(default_factory=list)
    disowning: list[re.Pattern[str]] = field(default_factory=list)  # the rule set's, shared by every rule


def expand_words(pattern: str, words: dict[str, list[str]]) -> str:
    """A pattern with each @name of a word class replaced by its alternatives (classes may use other classes)."""
    for _ in range(5):
        expanded = re.sub(
            r"@([a-z][a-z_]*)",
            lambda m: f"(?:{'|'.join(words[m.group(1)])})" if m.group(1) in words else m.group(0),
            pattern,
        )
        if expanded == pattern:
            break
        pattern = expanded
    return pattern


def compile_rules(rules: RuleSet) -> list[Compiled]:
    out = []
    disowning = [re.compile(d, re.I) for d in rules.disowning]

    def rx(p: str) -> re.Pattern[str]:
        return re.compile(expand_words(p, rules.words), re.I)

    for r in rules.rules:
        normal = [re.compile(phrase_pattern(p)) for p in r.phrases if normalise(p).text]
        normal += [rx(p) for p in r.normal_patterns]
        out.append(
            Compiled(
                r,
                [re.compile(p, re.I) for p in r.patterns],
                normal,
                [rx(e) for e in r.exceptions],
                [rx(u) for u in r.unless_reply],
                [rx(w) for w in r.warn_if],
                disowning,
            )
        )
    return out


@lru_cache(maxsize=16)
def _sentences(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """The sentences of a reply and where each starts, worked out once however many hits ask (a long e-mail has
    hundreds: asking again for each made checking it quadratic)."""
    spans = sentence_spans(text)
    return [a for a, _ in spans], spans


def _sentence_at(text: str, pos: int) -> str:
    starts, spans = _sentences(text)
    i = bisect_right(starts, pos) - 1
    if i >= 0 and pos < spans[i][1]:
        return text[spans[i][0] : spans[i][1]]
    return text


@lru_cache(maxsize=64)
def _readings(text: str) -> tuple[str, str]:
    """A text as the rules read it: folded as typed, and normalised."""
    return fold(text), normalise(text).text


@lru_cache(maxsize=4096)
def _says(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    """Whether any of a rule's reply-wide patterns (unless_reply, warn_if, exceptions over the reply) is in the text:
    the same answer for every hit of the rule, so asked once."""
    return any(p.search(r) for p in patterns for r in _readings(text))


def _hits(c: Compiled, folded: str, text: str) -> list[tuple[int, int]]:
    """Where a rule's phrases and patterns match, as spans of the text as typed."""
    spans = [(m.start(), m.end()) for rx in c.matchers for m in rx.finditer(folded)]
    if c.normal:
        norm = normalise(text)
        spans += [norm.original_span(m.start(), m.end()) for rx in c.normal for m in rx.finditer(norm.text)]
    return sorted(spans)


# words in quotation marks: what someone else said ("I know 'it's never happened before' is no comfort")
_QUOTED = re.compile(r"(?:^|(?<=[\s(\[:—–-]))(['\"‘“])(?=\S)[^\n]{2,80}?(?<=\S)['\"’”](?=[\s.,;:!?)—–-]|$)")


@lru_cache(maxsize=16)
def _quotations(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in _QUOTED.finditer(text))


def _quoted(text: str, start: int, end: int) -> bool:
    # a hit that starts inside the quotation is the clerk quoting, even when the pattern reads on past it
    return any(a < start < b - 1 for a, b in _quotations(text))


def _excepted(c: Compiled, text: str, pos: int, end: int) -> bool:
    if c.disowning or c.exceptions:
        sentence = _sentence_at(text, pos)
        if c.disowning and _says(tuple(c.disowning), sentence):
            return True
    if c.disowning and _quoted(text, pos, end):
        return True
    if c.unless_reply and _says(tuple(c.unless_reply), text):
        return True
    if not c.exceptions:
        return False
    return _says(tuple(c.exceptions), text if c.rule.exceptions_in == "reply" else sentence)


def _level(c: Compiled, text: str) -> str:
    """The rule's level, or a warning when the reply gives a reason to doubt an error (`warn_if`): a strict prompt
    refuses an answer only when the coach is very sure."""
    if c.rule.level == "error" and c.warn_if:
        if _says(tuple(c.warn_if), text):
            return "warning"
    return c.rule.level


def rule_flags(text: str, rules: list[Compiled], ctx: Context | None = None) -> list[Flag]:
    """The flags of the trainers' rules (coach.yaml), for the prompt being answered."""
    where = (ctx.prompt if ctx else None) or "reply"
    folded = fold(text)
    flags: list[Flag] = []
    for c in rules:
        if c.rule.fields and where not in c.rule.fields:
            continue
        for start, end in _hits(c, folded, text):
            if _excepted(c, text, start, end):
                continue
            if any(f.rule == c.rule.id and f.start <= start < f.end for f in flags):
                continue
            if any(f.start <= start and end <= f.end for f in flags):  # the same words, already explained
                continue
            flags.append(
                Flag(
                    c.rule.id,
                    c.rule.category,
                    _level(c, text),
                    start,
                    end,
                    text[start:end],
                    c.rule.reason,
                    c.rule.suggestion,
                )
            )
    return flags


def check(text: str, rules: list[Compiled], ctx: Context | None = None, model: Any = None) -> list[Flag]:
    """Every flag for `text`, in reading order: the trainers' rules, then the checks that need the case's context,
    then - only when all of those are silent - the trained second opinion (`model`, from `second_opinion()`)."""
    ctx = ctx or Context()
    flags = rule_flags(text, rules, ctx)
    flags += placeholder_flags(text)
    if ctx.customer_name:
        flags += name_flags(text, ctx.customer_name)
    if any(f.level == "error" for f in flags):
        flags = _only_when_sure(text, rules, flags)
    if ctx.prompt is None and ctx.follow_up_date and ctx.today:
        flags += date_flags(text, ctx.follow_up_date, ctx.today)
    if ctx.prompt == "commitment":
        flags += specific_flags(text)
    if model is not None and not flags:
        flags += model_flags(text, rules, ctx, model)
    return sorted(flags, key=lambda f: (f.start, f.rule))


def second_opinion() -> Any:
    """The trained model shipped with the coach (coach/model.py), or None if this install has none."""
    from recoverycli.coach import model as coachmodel

    return coachmodel.load()


# moves the built-in checks see exactly (a placeholder, another customer's name): the trained model has nothing to add
_CHECKED_EXACTLY = {"template"}


# what else keeps the trained ear quiet (not the rules, whose own vetoes stay as trainers wrote them): we or one of
# our people named as the one who failed ("our guide left before you got there", "we cancelled it with no warning"),
# or something given free. The model hears a failure narrated; when we are its subject, it is owned, not blamed.
_OWNED_BY_US = re.compile(
    r"(?<!if )(?<!when )\b(?:we|our (?:[\w-]+ ){0,2}?(?:server|waiter|guide|driver|staff|team|crew|housekeepers?|"
    r"cleaner|agent|kitchen|chef|desk|reception|receptionist|colleague|steward|porter|rep|technician|engineer|pilot|"
    r"captain)s?|one of our (?:[\w-]+ ){1,2})\s+(?:(?:just|completely|simply|somehow) )?"
    r"(?:(?:didn't|did not|never)(?! know| realis| realiz| see| get| receive| have| hear)|"
    r"forgot|failed|cancell?ed|lost|left|missed|gave|loaded|double-booked|overbooked|mixed|charged|broke|damaged|"
    r"dropped|went into|oversold|misread|were (?:careless|wrong|rude|slow|late|unclear))\b|\bfor free\b|"
    r"\bat no (?:extra )?cost\b|\bpaid for by us\b|"
    # round 8: the remedy already with the customer, said as where it is or whose it is ("the full £60 is on its way
    # back to your card", "they're on your boarding passes now", "late checkout at 1pm is yours")
    r"\b(?:is|are|'s|’s) (?:now |already )?on (?:its|their) way (?:back )?to (?:you|your)\b|"
    r"\b(?:is|are|'re|’re) (?:now |already )?(?:on|in) your "
    r"(?:boarding pass|phone|account|card|inbox|app|booking)e?s?\b|"
    r"\b(?:is|are) (?:all |still )?yours\b",
    re.I,
)


def _only_when_sure(text: str, rules: list[Compiled], flags: list[Flag]) -> list[Flag]:
    """Errors become warnings unless the coach is sure. A reply that owns the problem or puts it right (what keeps the
    model quiet) is flagged, never refused, whatever check fires on it - a template's slip quoted in an apology, a
    name, a firm it names. And a rule's wording (sending them elsewhere, dismissing them) refuses only a reply that
    commits to nothing itself: one that says who does what by when has something sincere in it, so the clerk is
    warned about the words and decides."""
    if _owned(text, rules):
        return [replace(f, level="warning") for f in flags]
    if specific_flags(text):
        return flags
    exact = ("unfilled-placeholder", "wrong-name")
    return [f if f.rule in exact else replace(f, level="warning") for f in flags]


def _owned(text: str, rules: list[Compiled]) -> bool:
    """The reply owns the problem or puts it right: we are the ones who failed, something is given free or is already
    the customer's, or any rule's `unless_reply` (the veto the indirect rules share)."""
    if _OWNED_BY_US.search(_readings(text)[0]):
        return True
    return any(_says(tuple(c.unless_reply), text) for c in rules if c.unless_reply)


def silenced(text: str, move: str, rules: list[Compiled]) -> bool:
    """Whether the trained second opinion keeps quiet about this whole reply: it owns the problem or puts it right.
    The model hears implied moves, and a reply that owns it or puts it right is not heard as one, whatever move its
    words resemble; explicit wording is the rules' to flag."""
    return move in _CHECKED_EXACTLY or _owned(text, rules)


def model_flags(text: str, rules: list[Compiled], ctx: Context, model: Any) -> list[Flag]:
    """A warning when the trained model hears a bad move the rules have no words for; never an error."""
    from recoverycli.coach.model import judge

    verdict = judge(text, ctx.prompt, model)
    if verdict is None or verdict.score <= model.threshold:
        return []
    if silenced(text, verdict.move, rules):
        return []
    same = next((c.rule for c in rules if c.rule.category == verdict.move), None)
    why = same.reason if same else "A customer is likely to hear this badly."
    better = same.suggestion if same else "Say sorry for what happened, and what you will do, by when."
    words = ", ".join(f"'{w}'" for w in verdict.telling)
    return [
        Flag(
            f"sounds-like-{verdict.move}",
            verdict.move,
            "warning",
            verdict.start,
            verdict.end,
            text[verdict.start : verdict.end],
            f"This sentence sounds like {verdict.move.replace('-', ' ')} to the coach's trained ear"
            + (f" (words like {words})" if words else "")
            + f", though no rule names it. {why}",
            better,
        )
    ]


_PLACEHOLDER = re.compile(
    r"\{\{?\s*[\w.]+\s*\}?\}|\[(?:[A-Za-z][A-Za-z]*)(?:[ _/][A-Za-z]+)*\]|"
    r"\[[A-Z][A-Z0-9 _/.#-]*[A-Z.#]\]|<[A-Za-z][A-Za-z _]*>|(?<![\w%])%[A-Z_]+%"
    r"|\bX{2,}(?:[:.]X{2})?\b|_{3,}|\b(?:Mr|Mrs|Ms|Miss|Mx)/(?:Mr|Mrs|Ms|Miss|Mx)\b|\[\s*\]|\{\s*\}"
)
# what a mail merge fills in: a bracket that holds nothing but the name of a field ("[CUSTOMER NAME]", "<first name>",
# "%DATE%", "[insert date]") is a placeholder for sure; "[sic]", "[PDF]", "[QX7TRL]", "[photo attached]" are not
_FIELD = re.compile(
    r"(?:(?:insert|enter|add|put)\b.*|(?:the |your |my |our )?"
    r"(?:(?:customer|guest|client|passenger|traveller|traveler|member|caller|recipient|agent|staff|hotel|company)"
    r"(?:'?s)?[ _]?)?(?:(?:first|last|full|given|family|sur|user)[ _]?)?"
    r"(?:name|title|salutation|customer|guest|client|passenger|date|time|day|amount|price|sum|figure|amount due|"
    r"refund amount|x+)(?:[ _]here)?)",
    re.I,
)
# digits masked for privacy ("card ending XXXX 4471", "XXXX-XXXX-XXXX-0932", "07700 XXX 123"): not a placeholder
_DIGIT_GROUP = re.compile(r"[\dX*•]+(?:[ .-][\dX*•]+)*")
# a field's name inside capitals in brackets: "[RUN NAME]", "[CABIN NO.]", "[Mr/Ms SURNAME]"
_FIELD_WORD = re.compile(r"\b(?:NAME|SURNAME|TITLE|DATE|TIME|AMOUNT)\b")
# any other field a template fills in: flagged, not refused ("[BOOKING REF]", "[CABIN NO.]", "<room>")
_ANY_FIELD = re.compile(
    r"\b(?:name|surname|title|date|time|amount|ref|reference|number|no\.|booking|confirmation|pnr|room|cabin|flight|"
    r"hotel|property|signature|e-?mail|phone|address|city|destination|company|location|reason|details?|tbc|tba|"
    r"to follow|xx+|insert|customer|client|passenger)\b",
    re.I,
)
_CHECKBOX = re.compile(r"\[[ xX✓✔]\]")
# a placeholder the clerk is telling the customer about ("the screen said <Guest name>"), not one left in the reply
_MENTIONED = re.compile(
    r"\b(?:said|says|say|showed|shows|show|read|reads|displayed|printed|appeared|came up|come up|left|"
    r"headed|titled|labelled|labeled|with|as|field|line|subject|addressed to|began|begins|started|opened|had)"
    r"\W{1,3}(?:\w+\W{1,3}){0,2}$",
    re.I,
)


def _placeholder_level(text: str, m: re.Match[str]) -> str | None:
    """How sure the coach is that a match is a template's placeholder: `error` (sure), `warning`, or None (not one).
    Only a bracket naming a mail-merge field, or braces round an identifier, blocks; anything that could be a masked
    number, a checklist, a link, a quotation or a mention only warns or passes."""
    found, a, b = m.group(0), m.start(), m.end()
    if _CHECKBOX.fullmatch(found) or (found[0] == "[" and text.startswith("(", b)):  # "[x] done", "[here](https://…)"
        return None
    if found[0] == "X":
        group = next((g.group(0) for g in _DIGIT_GROUP.finditer(text) if g.start() <= a < g.end()), found)
        return None if any(ch.isdigit() or ch in "*•" for ch in group) else "warning"
    inner = found.strip("[]{}<>% ").replace("_", " ")
    greeted = bool(re.search(r"\b(?:dear|hi|hello|hey)\s+$", text[max(0, a - 8) : a], re.I))
    sure = (found[0] == "{" and bool(inner)) or (
        found[0] in "[<%" and (bool(_FIELD.fullmatch(inner)) or (found[0] == "[" and bool(_FIELD_WORD.search(inner))))
    )
    # a Title-case label in square brackets may be a screen's button or a form's box ("tap [Date]", "the [Surname]
    # box"); only capitals, braces, or a greeting before it ("Dear [First Name]") make it a mail merge for sure
    sure = sure and (found[0] != "[" or inner.isupper() or greeted)
    if found[0] in "[<" and not sure and not _ANY_FIELD.search(inner.replace(".", ". ")):
        return None  # "[sic]", "[PDF]", "[QX7TRL]", "[Annex A]", "[PRIORITY GUEST]": text in brackets, not a field
    if found[0] == "[" and not sure and inner[:1].isupper() and not inner.isupper() and len(inner.split()) <= 3:
        return None  # the name of a screen or a box: "[My booking]", "[Your details]", "[Reference]"
    if sure and not _quoted(text, a, b) and not _MENTIONED.search(text, max(0, a - 40), a):
        return "error"
    return "warning"


def placeholder_flags(text: str) -> list[Flag]:
    out = []
    for m in _PLACEHOLDER.finditer(text):
        level = _placeholder_level(text, m)
        if level is None:
            continue
        out.append(
            Flag(
                "unfilled-placeholder",
                "template",
                level,
                m.start(),
                m.end(),
                m.group(0),
                "A template placeholder was left in: the customer sees a form letter.",
                "Replace it with the real detail, or rewrite the sentence in your own words.",
            )
        )
    return out


_NAME_WORD = r"[A-Z][^\W\d_]*(?:[-'’][A-Za-z][^\W\d_]*)*"
_TITLE_WORDS = ("mr", "mrs", "ms", "miss", "mx", "dr", "mister")
_TITLE = r"(?:" + "|".join(_TITLE_WORDS) + r")\.?"  # read with re.I everywhere
_TITLES = r"(?:(?:mr|mrs|ms|miss|mx|dr)\.?\s+)?"
_GREETING = re.compile(
    r"\b(?:dear|hi|hello|hey|good (?:morning|afternoon|evening))[ \t]+" + _TITLES + r"([^\W\d_][\w'’-]*)", re.I
)
_INTERJECTED = re.compile(r"(?:^|(?<=\n))[ \t]*(?i:ah|oh|aw|aww|och|ach|ahh)[ \t]+(" + _NAME_WORD + r"),(?=\s)")
_VOCATIVE = re.compile(r"(?:^|(?<=\n))[ \t]*(" + _NAME_WORD + r"),(?=\s)(?!\s+(?:our|the|my|from|who|at|your|a|an)\b)")
# a title and a name spoken to the customer: at the start, after a comma, or closing a sentence
_TITLED = re.compile(
    # a line start (re.M) rather than "\n\s*": after each of 20,000 blank lines "\s*" ran to the end (quadratic)
    r"(?:^|[.!?,;:]|\b(?:dear|hi|hello|hey|right|sorry|thanks|morning|evening|afternoon)\b|"
    r"\b(?:dear|hi|hello) (?:mr|mrs|ms|dr)\.? (?:and|&))"
    r"[^\S\n]*"
    + _TITLE
    + r"\s+("
    + _NAME_WORD
    + r")(?=\s*(?:$|[.!?;:]|,(?!\s+(?:our|the|my|from|who|at|will|has|is|was|can|could|would|and (?:he|she|they))\b)))",
    re.I | re.M,
)
# a colleague or a supplier's person introduced by their role, not the customer spoken to
# the roles of people who work for us or with us, named beside their name
_ROLES = (
    r"manager|officer|driver|colleague|director|host|chef|guide|agent|captain|engineer|technician|supervisor|"
    r"representative|rep|concierge|purser|steward|coordinator|head|lead|assistant|receptionist|attendant|conductor|"
    r"pilot|mechanic"
)
_APPOSITION = re.compile(
    r"\b(?:" + _ROLES + r"|owner|contact|partner|supplier|operator|planner|advisor|adviser|consultant|specialist|"
    r"inspector|controller|clerk|chief|founder)"
    r"(?:\s+\w+)?\s*,\s*" + _TITLE + r"\s+$"
    r"|\bour\s+(?:[\w-]+\s+){0,2}[\w-]+\s*,\s*" + _TITLE + r"\s+$",
    re.I,
)
_NOT_NAMES = {
    "sorry",
    "thanks",
    "thank",
    "yes",
    "no",
    "ok",
    "okay",
    "well",
    "please",
    "so",
    "again",
    "all",
    "everyone",
    "team",
    "guest",
    "guests",
    "customer",
    "sir",
    "madam",
    "there",
    "friend",
    "friends",
    "first",
    "unfortunately",
    "honestly",
    "today",
    "tomorrow",
    "now",
    "right",
    "look",
    "listen",
    "sadly",
    "also",
    "and",
    "but",
    "sincerely",
    "regards",
    "best",
    "cheers",
    "warmly",
    "warm",
    "kind",
    "yours",
    "respectfully",
    "cordially",
    "love",
    "hi",
    "hey",
    "hello",
    "dear",
    "morning",
    "evening",
    "afternoon",
    "oh",
    "ah",
    "great",
    "sure",
    "absolutely",
    "certainly",
    "good",
    "understood",
    "alright",
    "mate",
    "folks",
    "ladies",
    "gentlemen",
    "ma'am",
    "apologies",
    "however",
    "meanwhile",
    "finally",
    "firstly",
    "secondly",
    "p.s",
    "ps",
    # what people say before a comma on the phone or in a chat, that is nobody's name
    "ugh",
    "eish",
    "yeah",
    "yep",
    "yup",
    "nah",
    "hiya",
    "ahh",
    "aww",
    "gosh",
    "wow",
    "whoa",
    "oops",
    "hmm",
    "um",
    "erm",
    "er",
    "uh",
    "jeez",
    "crikey",
    "blimey",
    "gee",
    "ach",
    "och",
    "aye",
    "ooh",
    "howdy",
    "g'day",
    "gday",
    "lol",
    "tbh",
    "btw",
    "fyi",
    "valued",
    "shame",
    "ja",
    "right-o",
    "okey",
    "cool",
    "brilliant",
    "lovely",
}


def _plain(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s.casefold()) if not unicodedata.combining(c)).replace(
        "’", "'"
    )


def _is_word(name: str) -> bool:
    """A capitalised dictionary word at the start of a line ('However,', 'Grace,') is not taken for a name."""
    from lemminflect import getAllLemmas

    return bool(getAllLemmas(name.lower()))


@lru_cache(maxsize=1)
def _nicknamer() -> Any:
    from nicknames import NickNamer

    return NickNamer()


def _goes_by(name: str, first: str) -> bool:
    """Whether `name` is what a customer called `first` may go by: Dave for David, Jo for Joanna, Tasha for Natasha (the
    nickname list), and a shorter name with the same first two letters (Kasia for Katarzyna, Dai for David), which the
    list does not know; a name that starts differently is someone else's."""
    if not first or len(name) < 2:
        return False
    if (
        first.startswith(name)
        or (len(name) >= 3 and name in first)
        or (name[:2] == first[:2] and len(name) < len(first))
    ):
        return True
    nn = _nicknamer()
    return bool(
        name in nn.nicknames_of(first)
        or first in nn.nicknames_of(name)
        or nn.canonicals_of(name) & nn.canonicals_of(first)
    )


# a sign-off line: what follows is the sender's signature ("Warm regards,\nDaniel, Guest Services"), not a name spoken
# to the customer
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:(?:kind|warm|warmest|best|many|with|all the|yours|very best)[ \t]+)*"
    r"(?:regards|wishes|thanks|sincerely|cheers|best|yours(?:[ \t]+(?:sincerely|truly|faithfully))?|take care|"
    r"speak soon|talk soon|respectfully|cordially|warmly|love)[ \t]*[,.!]?[ \t]*$|^[ \t]*(?:--|—|–)[ \t]*\S",
    re.I | re.M,
)
# where a name opens the reply: only an interjection or a title before it
_OPENING = re.compile(
    r"\s*(?:(?:ah|oh|aw|aww|och|ach|ahh|right|so|sorry|well|okay|ok)[ \t,]+)?(?:" + _TITLE + r"\s+)?$", re.I
)


# any short closing line ending in a comma, with no more than a name, a role and a place after it ("Mahalo,\nKeoni")
_CLOSING = re.compile(r"^[ \t]*[^\W\d_][\w'’ ]{0,24},[ \t]*\n(?=(?:[ \t]*[^\n]{0,60}(?:\n|\Z)){1,3}\Z)", re.M)


def _signature_at(text: str) -> int:
    """Where the signature starts (after the first sign-off line that follows some text), or the end of the text."""
    for m in (*_SIGN_OFF.finditer(text), *_CLOSING.finditer(text)):
        if text[: m.start()].strip():
            return m.start()
    return len(text)


def _addressed(text: str, end: int, known: set[str]) -> bool:
    """Whether the words after a greeting's first word, up to the end of the greeting, name the customer: the first word
    was a title or a role ("Dear Professor Vollmer", "Hi Coach Ramirez", "Dear Father Michael Byrne")."""
    rest = re.match(r"[^\n,.!?:;]{0,60}", text[end:])
    words = re.findall(r"[^\W\d_][\w'’-]*", rest.group(0) if rest else "")
    return any(_plain(w) in known for w in words[:3])


# a name with a respectful suffix is still the customer's ("Tanaka-san", "Sharma-ji")
_HONORIFIC = re.compile(r"[-‐](?:san|sama|chan|kun|sensei|ji|jee|sahib|saab|bhai|didi)$", re.I)
# the reply goes to someone writing for the customer, or names them with their partner or family
_PROXY = re.compile(
    r"\bbehalf\b|\byour (?:father|mother|dad|mum|mom|husband|wife|partner|son|daughter|boss|manager|family|colleague|"
    r"employer|client|friend|brother|sister|parents?|grand\w+|principal|executive|guests?|group|party)\b|"
    r"\bpass (?:this|that|it|my|our|these|the) (?:\w+ ){0,2}on\b(?! time)|\blet (?:him|her|them) know\b|"
    r"\bplease tell\b|\b(?:calling|writing|here) (?:for|as|on)\b",
    re.I,
)


def _names_customer(text: str, span: tuple[int, int], known: set[str], first: str) -> bool:
    """Whether the reply also names the customer elsewhere ("Dear Mrs Iyer, dear Mr Patel" to Mr Patel, "Hi Priya &
    Raj" to Rajesh): then the other name is a partner's or a family member's, not another customer's."""
    for w in re.finditer(r"[A-Z][^\W\d_]+(?:[-'’][A-Za-z][^\W\d_]*)*", text):
        if span[0] <= w.start() < span[1]:
            continue
        plain = _plain(_HONORIFIC.sub("", w.group(0)))
        if plain in _TITLE_WORDS:
            continue
        if any(p in known for p in plain.split("-")):
            return True
        if len(plain) >= 3 and not _is_word(w.group(0)) and _goes_by(plain, first):
            return True
    return False


# a colleague named with their role after the name ("Dr Patel, resident physician on board, will see you")
# the words before the role are in lower case: ", Sam from maintenance" starts the next clause, it is not a role
_ROLE_AFTER = re.compile(
    r"\s*,\s*(?:(?-i:[a-z])[\w-]*\s+){0,3}(?:"
    + _ROLES
    + r"|physician|doctor|nurse|porter|here|housekeeping|maintenance|"
    r"reception|security|kitchen|desk|relations|office|department|team)\b",
    re.I,
)


def _latin(ch: str) -> bool:
    """A customer stored in another script (Соколов, الفاسي) has no Latin spelling to compare a greeting with."""
    return not ch.isalpha() or "LATIN" in unicodedata.name(ch, "")


def _spelled_like(name: str, known: set[str]) -> bool:
    """Another spelling of one of the customer's names (Chaudhry / Choudhury, Al-Farsi / El-Farsi, Chou / Zhou):
    a transliteration the clerk copied from a passport is not another customer."""
    from difflib import SequenceMatcher

    return any(len(k) > 2 and SequenceMatcher(None, name, k).ratio() >= 0.5 for k in known)


def _surname_given(text: str, m: re.Match[str], titled: bool) -> bool:
    """Whether the name spoken to is a surname (after a title: "Dear Mr Okafor") or a full name ("Hi Maria Lopez"),
    which no nickname explains, and not one of a couple ("Dear Jo-Anne and Mike")."""
    after = text[m.end(1) : m.end(1) + 40]
    if re.match(
        r"[ \t]*(?:and|&)[ \t]|(?:[ \t]+[\w'’-]+)?[ \t]+(?:team|family|group|party|household|all)\b", after, re.I
    ):
        return False  # a couple, a family or a firm's team: "Dear Jo-Anne and Mike", "Dear Mensah Owusu team"
    if titled or re.search(_TITLE + r"\s+$", text[m.start() : m.start(1)], re.I):
        return True
    nxt = re.match(r"[ \t]+(" + _NAME_WORD + r")\b", after)
    return nxt is not None and not _is_word(nxt.group(1)) and _plain(nxt.group(1)) not in _NOT_NAMES


def name_flags(text: str, customer: str) -> list[Flag]:
    """A greeting or address that names someone other than this case's customer (the canned-reply disaster). It blocks
    only when the coach is sure: a greeting or opening with a title and a surname, or a full name, that is none of the
    customer's, while nothing else in the reply names the customer or says it goes to someone writing for them. A
    bare first name only warns (people go by names no list knows: Sasha, Chema, an English name chosen for work), and
    so does another name further in (someone the clerk quotes or forgot to introduce); the signature is the sender's."""
    signature = _signature_at(text)
    parts = [_plain(p) for p in re.split(r"[\s,]+", customer) if p]
    known = set(parts) | {h for p in parts for h in p.split("-") if len(h) > 1}
    first = next((p for p in parts if p.rstrip(".") not in _TITLE_WORDS), "")
    out: list[Flag] = []
    for rx in (_GREETING, _TITLED, _VOCATIVE, _INTERJECTED):
        for m in rx.finditer(text):
            name = m.group(1).strip("'’-")
            plain = _plain(_HONORIFIC.sub("", re.sub(r"['’]s$", "", name)))
            if (
                len(plain) < 2  # "Ó" of "Ó Briain"
                or plain in _NOT_NAMES
                or plain in known
                or any(p in known for p in plain.split("-"))
                or not name[:1].isupper()
                or any(f.start == m.start(1) for f in out)
            ):
                continue
            if rx in (_VOCATIVE, _INTERJECTED) and _is_word(name):
                continue
            if rx is _TITLED and _APPOSITION.search(text, 0, m.start(1)):  # "the hotel manager, Mr Stavrou, and ..."
                continue
            if rx is not _TITLED and _goes_by(plain, first):  # a title goes with the surname
                continue
            if m.start(1) >= signature:
                continue
            addressed = rx is _GREETING and _addressed(text, m.end(1), known)
            if addressed and _is_word(name):  # a title or a role: "Dear Professor Vollmer", "Hi Coach Ramirez"
                continue
            # a greeting, or a name that opens the reply, blocks - unless the name is also a word ("Hi Coach,",
            # "Dear Captain,") or the customer's own name follows ("Dear Maria Souza" to Ana Souza: a warning): a
            # strict prompt refuses only when the coach is sure it is someone else's name
            sure = (rx is _GREETING or bool(_OPENING.fullmatch(text, 0, m.start(1)))) and not _is_word(name)
            sure = sure and not addressed and _surname_given(text, m, rx is _TITLED)
            sure = sure and not _names_customer(text, m.span(1), known, first) and not _PROXY.search(text)
            sure = sure and not _spelled_like(plain, known) and not _ROLE_AFTER.match(text, m.end(1))
            sure = sure and all(_latin(ch) for ch in customer)
            out.append(
                Flag(
                    "wrong-name",
                    "template",
                    "error" if sure else "warning",
                    m.start(1),
                    m.start(1) + len(name),
                    name,
                    f"This names '{name}', but the customer on this case is {customer}: a reply with another "
                    "customer's name destroys trust.",
                    f"Use the customer's own name: {customer.split()[0] if customer.split() else customer}.",
                )
            )
    return out


_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*\b|"
    r"\b(" + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?\b|\b(tomorrow|today|tonight)\b|"
    r"\b(?:on\s+|by\s+|this\s+|next\s+)(" + "|".join(_DAYS) + r")\b",
    re.I,
)


def _resolve(m: re.Match[str], today: date) -> date | None:
    iso, d1, mon1, mon2, d2, rel, wd = m.groups()
    try:
        if iso:
            return date.fromisoformat(iso)
        if d1 or d2:
            month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith((mon1 or mon2).lower()[:3]))
            day = int(d1 or d2)
            candidate = date(today.year, month, day)
            return candidate if candidate >= today - timedelta(days=7) else date(today.year + 1, month, day)
    except ValueError:
        return None
    if rel:
        return today + timedelta(days=0 if rel.lower() in ("today", "tonight") else 1)
    if wd:
        ahead = (_DAYS.index(wd.lower()) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None


def date_flags(text: str, promised: date, today: date) -> list[Flag]:
    out = []
    for m in _DATE.finditer(text):
        d = _resolve(m, today)
        if d is not None and d != promised:
            out.append(
                Flag(
                    "date-mismatch",
                    "promise",
                    "warning",
                    m.start(),
                    m.end(),
                    m.group(0),
                    f"'{m.group(0)}' is {d:%a %d %b}, but the follow-up promised on this case is {promised:%a %d %b}.",
                    f"Use the promised date ({promised:%A %d %B}), or reschedule the follow-up first.",
                )
            )
    return out


_NUMBER_WORD = (
    r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fifteen|twenty|thirty|forty|forty-five|a few|a couple of)"
)
_WHEN = re.compile(
    r"\b\d{1,2}[:.h]\d{2}\b|\b\d{1,2}\s?(?:am\b|pm\b|a\.m\.?|p\.m\.?)|\bat \d{1,2}\b|"
    r"\b(?:at|by|before|until|from) (?:half |quarter (?:past |to ))?"
    + _NUMBER_WORD
    + r"\b|\b(?:half|quarter (?:past|to)) \w+\b|"
    r"\bo'?clock\b|\b" + _NUMBER_WORD + r"\s*(?:min|mins|minutes?|hours?|hrs?)\b|\bwithin the hour\b|"
    r"\b(?:now|right now|just now|already|immediately|this minute)\b|\bthe \d{1,2}(?:st|nd|rd|th)\b|"
    r"\bthe (?:day|night|morning|evening) (?:before|after)\b|"
    r"\b(?:before|by the time) you (?:reach|arrive|get (?:to|back|home|in)|land|leave|check (?:in|out)|board|wake|"
    r"return)\b|"
    r"\b(?:today|tonight|tomorrow|noon|midday|midnight|"
    r"this (?:morning|afternoon|evening)|within \d+\s*(?:min|minute|hour|day)s?|in \d+\s*(?:min|minute|hour|day)s?|"
    + "|".join(_DAYS)
    + r"|\d{4}-\d{2}-\d{2}|(?:"
    + "|".join(m[:3] for m in _MONTHS)
    + r")[a-z]*\s+\d{1,2})\b",
    re.I,
)
_ROLE = re.compile(
    r"\b(?:maintenance|housekeeping|front desk|reception|manager|duty manager|concierge|accounts|engineering|"
    r"security|porter|driver|chef|kitchen|technician|supplier|airline|cruise line|agent|courier(?:ed)?)\b",
    re.I,
)
_NAME = re.compile(r"(?<!^)(?<![.!?;]\s)\b[A-Z][a-z]+\b", re.M)  # a capitalised word mid-sentence: Sam, Lena, Rosa
_WHO = re.compile(
    r"\b(?:I|we|he|she|they|our \w+)\b|\bon (?:us|me)\b|\b(?:call|ring|text|phone|message) me\b|(?:^|(?<=[.!?;:]\s))\s*"
    r"(?!(?i:it|this|that|there|someone|somebody|everything|something)\b)"
    r"(?-i:[A-Z][a-z]+)\b(?= (?:at|from|in|on|will|is|has|'ll|’ll)\b)",
    re.I,
)


# a commitment already carried out needs no "when" or "who" ("I've reversed the charge myself", "your new boarding
# passes are on your phone", "the refund has been issued"): what is done cannot be vague
_DONE = re.compile(
    r"\b(?:I|we)(?:'ve|’ve| have)\s+(?:just\s+|already\s+|now\s+|personally\s+|also\s+)*"
    r"(?!been\b|had\b|got to\b|(?:raised|passed|flagged|noted|logged|forwarded|escalated|reported|mentioned|asked|"
    r"told|said|spoken|contacted|emailed|messaged|sent|put in|made a note|let|informed|alerted|chased|requested)\b)"
    r"[a-z]+(?:ed|t|en|ne|ung|ught|ade|ook|ent|ut|aid)\b(?!\s+to\b)|"
    r"\b(?:has|have) (?:now |already |just )?been (?!(?:requested|raised|passed|flagged|noted|logged|forwarded|"
    r"escalated|reported|mentioned|asked|told|chased|put in|sent through|referred|submitted)\b)[a-z]+(?:ed|t|en|ne)\b|"
    r"\b(?:is|are) (?:now |already )?(?:on|in) your (?:phone|account|card|inbox|email|app|wallet|booking)\b|"
    r"\b(?:is|are) (?:now |already )?(?:taken )?off your (?:bill|invoice|account|statement)\b|"
    r"\b(?:is|are) being [a-z]+(?:ed|t|en|ne|de) (?:right )?now\b|"
    # a change already made, said as the new state ("Seat 42C is now 12A", "your table is now confirmed", "Done.")
    r"\b(?:is|are) now (?:(?:[A-Z]{0,2}\d+[A-Z]?)\b|(?:confirmed|booked|reserved|fixed|sorted|cancell?ed|refunded|"
    r"waived|upgraded|changed|moved|ready)\b)|(?:^|(?<=[.!?]\s))(?:All\s+)?(?:done|sorted)\s*[.!]|"
    # the refund said done as a headline, as a text or chat puts it ("Refund of $412.80 done.", "Full refund issued on
    # ticket 7731", "Refund for the burnt pizza is done"): not "will be processed", which is still to come
    r"\b(?:refund|credit|reimbursement|rebooking|cancellation|upgrade|payment|transfer)s?"
    r"(?: of [$£€]?[\d.,]+| for (?:the |your )?[\w-]+(?: [\w-]+){0,2}"
    r"| on (?:ticket|booking|order|ref\.?|reference) [\w-]+)?"
    r" (?:is |are |has been |have been )?(?:now |all |already )?(?:done|issued|processed|approved|completed?|sent)\b",
    re.I,
)


def specific_flags(text: str) -> list[Flag]:
    """[kuzmeski-specific] a commitment says what will happen, who does it, and when."""
    missing = []
    done = bool(_DONE.search(text))
    if not _WHEN.search(text) and not done:
        missing.append("when")
    if not _WHO.search(text) and not _ROLE.search(text) and not _NAME.search(text) and not done:
        missing.append("who")
    words = re.findall(r"[^\W\d_]{2,}", text)
    if len(words) < 3:
        missing.append("what")
    if not missing:
        return []
    return [
        Flag(
            "not-specific",
            "specific",
            "warning",
            0,
            len(text),
            text,
            f"The commitment does not say {' or '.join(missing)}: vague promises leave the customer anxious.",
            "Say what will happen, who does it and by when, e.g. 'Sam from maintenance fixes the heating by 18:00; I "
            "call you at 18:15.'",
        )
    ]


def bundled_rules_path() -> Path:
    from recoverycli.playbooks.library import bundled_dir

    return bundled_dir() / "coach.yaml"


def load_rules(path: Path | None = None) -> RuleSet:
    """Rules from coach.yaml; errors name file:line:col like playbook errors."""
    from pydantic import ValidationError

    from recoverycli.errors import PlaybookError
    from recoverycli.playbooks.library import problem_from_validation
    from recoverycli.playbooks.source import YamlProblem, read_yaml

    path = path or bundled_rules_path()
    try:
        src = read_yaml(path)
    except YamlProblem as e:
        raise PlaybookError(e.problem) from None
    try:
        rules = RuleSet.model_validate(src.data)
    except ValidationError as e:
        raise PlaybookError(problem_from_validation(src, e.errors()[0])) from None
    ids = [r.id for r in rules.rules]
    for i, rid in enumerate(ids):
        if rid in ids[:i]:
            raise PlaybookError(
                src.problem(("rules", i, "id"), f"duplicate rule id '{rid}' — give each rule its own id")
            )
    return rules


@lru_cache(maxsize=4)
def _cached(path: str) -> list[Compiled]:
    return compile_rules(load_rules(Path(path)))


_LOADING = threading.Lock()


def default_rules(path: Path | None = None) -> list[Compiled]:
    with _LOADING:  # a warm-up thread and the first coached answer load them once, not twice
        return _cached(str(path or bundled_rules_path()))


@lru_cache(maxsize=4)
def _cached_for(dirs: tuple[str, ...]) -> list[Compiled]:
    return rules_for([Path(d) for d in dirs])


def call_rules(dirs: list[Path] | None = None) -> list[Compiled]:
    """The rules that coach a call: the bundled ones, then each playbook directory's coach.yaml, as `coach check`
    reads them (dirs: the library's; by default the bundled one and RECOVER_PLAYBOOKS). Loaded once per process."""
    from recoverycli.playbooks.library import search_dirs

    with _LOADING:
        return _cached_for(tuple(str(d) for d in (search_dirs() if dirs is None else dirs)))


def warm_up(dirs: list[Path] | None = None) -> None:
    """Load the rules, the word dictionary and the model ahead of the first coached answer (run in a thread
    mid-call). A broken coach.yaml is said at the first coached answer, not here."""
    from recoverycli.errors import RecoverError

    try:
        rules = call_rules(dirs)
    except RecoverError:
        rules = default_rules()
    check("warming up", rules, Context(prompt="apology"), second_opinion())


@dataclass
class Score:
    rule: str
    flagged: int = 0  # examples_flag that were flagged (true positives)
    missed: int = 0  # examples_flag not flagged (false negatives)
    wrongly: int = 0  # examples_pass that were flagged (false positives)
    passed: int = 0  # examples_pass left alone
    not_flagged: list[str] = field(default_factory=list)  # the examples_flag it missed, in the file's order
    wrongly_flagged: list[str] = field(default_factory=list)  # the examples_pass it flagged

    @property
    def precision(self) -> float:
        return self.flagged / (self.flagged + self.wrongly) if self.flagged + self.wrongly else 1.0

    @property
    def recall(self) -> float:
        return self.flagged / (self.flagged + self.missed) if self.flagged + self.missed else 1.0


def fires(c: Compiled, example: str) -> bool:
    """Whether a rule flags one of its examples (in the first prompt it applies to, if it names any)."""
    ctx = Context(prompt=c.rule.fields[0] if c.rule.fields and c.rule.fields[0] != "reply" else None)
    return any(f.rule == c.rule.id for f in rule_flags(example, [c], ctx))


def score_rules(rules: list[Compiled]) -> list[Score]:
    """Each rule against its own examples: what it catches and what it wrongly flags."""
    out = []
    for c in rules:
        s = Score(c.rule.id)
        for ex in c.rule.examples_flag:
            if fires(c, ex):
                s.flagged += 1
            else:
                s.missed += 1
                s.not_flagged.append(ex)
        for ex in c.rule.examples_pass:
            if fires(c, ex):
                s.wrongly += 1
                s.wrongly_flagged.append(ex)
            else:
                s.passed += 1
        out.append(s)
    return out


def rules_for(dirs: list[Path]) -> list[Compiled]:
    """Bundled rules, then each playbook directory's coach.yaml: a same-id rule replaces, a new one adds."""
    merged: dict[str, Rule] = {}
    disowning: list[str] = []
    words: dict[str, list[str]] = {}
    for d in dirs:
        path = d / "coach.yaml"
        if path.is_file():
            pack = load_rules(path)
            for rule in pack.rules:
                merged[rule.id] = rule
            disowning += [x for x in pack.disowning if x not in disowning]
            words.update(pack.words)  # a pack's class of the same name replaces the bundled one
    return compile_rules(RuleSet(rules=list(merged.values()), disowning=disowning, words=words))


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
