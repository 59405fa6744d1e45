"""Find, load, merge and validate YAML playbooks; every error names file:line:col."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from recoverycli.errors import NotFoundError, PlaybookError
from recoverycli.playbooks.schema import (
    BASE_PROMPT_TYPES,
    BASE_PROMPTS,
    PROMPT_ID_PATTERN,
    REQUIRED_BASE_PROMPTS,
    Adapt,
    Gesture,
    Playbook,
    Prompt,
    Step,
    When,
)
from recoverycli.playbooks.source import Problem, Source, YamlProblem, read_yaml

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

BASE_ID = "four-step"
NOT_PLAYBOOKS = {"coach.yaml"}

# Which model a mapping under each key holds, to name the allowed keys in errors.
_MODEL_UNDER: dict[str, type[BaseModel]] = {
    "steps": Step,
    "prompts": Prompt,
    "gestures": Gesture,
    "adapt": Adapt,
    "when": When,
}


def bundled_dir() -> Path:
    """Playbooks ship inside the wheel (recoverycli/playbooks/bundled); from a source checkout they sit at the top
    level."""
    here = Path(__file__).resolve().parent
    inside = here / "bundled"
    return inside if inside.is_dir() else here.parents[2] / "playbooks"


def search_dirs(extra: list[Path] | None = None, env: str | None = None) -> list[Path]:
    """Bundled first, then RECOVER_PLAYBOOKS, then --playbooks: later ones override earlier ids."""
    env = os.environ.get("RECOVER_PLAYBOOKS", "") if env is None else env
    from_env = [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    return [bundled_dir(), *from_env, *(extra or [])]


def _model_for(loc: tuple[Any, ...]) -> type[BaseModel]:
    for part in reversed(loc):
        if isinstance(part, str) and part in _MODEL_UNDER:
            return _MODEL_UNDER[part]
    return Playbook


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else "nothing" if value is None else str(value).lower()


def _bool_hint(value: Any, name: Any) -> str:
    word = str(value).strip().lower()
    if word in ("yes", "y", "on", "1"):
        return f"{_shown(value)} is not true or false (YAML reads it as text) — write `{name}: true`"
    if word in ("no", "n", "off", "0"):
        return f"{_shown(value)} is not true or false (YAML reads it as text) — write `{name}: false`"
    return f"{_shown(value)} is not true or false — write `{name}: true` or `{name}: false`"


def _number_hint(value: Any, name: Any, whole: bool) -> str:
    what = "a whole number" if whole else "a number"
    if isinstance(value, str) and value.strip().replace(".", "", 0 if whole else 1).isdigit():
        return f"{_shown(value)} is text, not {what} — write it without quotes: `{name}: {value.strip()}`"
    return f"{_shown(value)} is not {what} — write digits without quotes, e.g. `{name}: {2 if whole else 12.5}`"


# Strict types, as the published schema: what was written and what to write instead (YAML 1.2: yes/no/on/off are text).
_TYPE_HINTS: dict[str, Callable[[Any, Any], str]] = {
    "bool_type": _bool_hint,
    "int_type": lambda v, n: _number_hint(v, n, whole=True),
    "float_type": lambda v, n: _number_hint(v, n, whole=False),
    "string_type": lambda v, n: f'{_shown(v)} is not text — put it in quotes, e.g. `{n}: "{v}"`',
}


def problem_from_validation(src: Source, err: ErrorDetails, base: tuple[Any, ...] = ()) -> Problem:
    """Turn one pydantic error into a file:line:col line that says what to do."""
    loc = base + tuple(err["loc"])
    kind = err["type"]
    name = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        allowed = ", ".join(_model_for(loc[:-1]).model_fields)
        return src.problem(
            loc, f"unknown key '{name}' — check the spelling; allowed here: {allowed}", key=True, check="schema"
        )
    if kind == "missing":
        return src.problem(loc[:-1], f"missing '{name}' — add `{name}:` here", check="schema")
    value, ctx = err.get("input"), err.get("ctx") or {}
    field = next((p for p in reversed(loc) if isinstance(p, str)), "value")
    if kind == "invalid_key":
        return src.problem(
            loc, f"key {value!r} is not a name — keys are words such as `title:`", key=True, check="schema"
        )
    if value is None and kind.endswith("_type"):
        return src.problem(loc, f"'{field}' is empty — give it a value, or remove the line", check="schema")
    if kind in _TYPE_HINTS and not isinstance(value, (dict, list)):
        return src.problem(loc, f"'{name}': {_TYPE_HINTS[kind](value, name)}", check="schema")
    if kind == "string_pattern_mismatch":
        how = (
            "lower-case letters, digits and underscores, e.g. room_number"
            if ctx.get("pattern") == PROMPT_ID_PATTERN
            else "lower-case letters, digits and dashes, e.g. late-checkin"
        )
        return src.problem(loc, f"'{field}': {_shown(value)} is not a usable id — use {how}", check="schema")
    if kind == "string_too_short":
        return src.problem(loc, f"'{field}' is empty — write the text", check="schema")
    if kind == "literal_error":
        return src.problem(
            loc, f"'{field}': {_shown(value)} is not one of {ctx.get('expected')} — use one of them", check="schema"
        )
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        side = "at least" if kind == "greater_than_equal" else "at most"
        return src.problem(loc, f"'{field}': {_shown(value)} is out of range — use {side} {bound:g}", check="schema")
    msg = err["msg"].removeprefix("Value error, ")
    if " — " not in msg:
        msg += " — fix the value"
    if loc and isinstance(loc[-1], str):
        msg = f"'{loc[-1]}': {msg}"
    return src.problem(loc, msg, check="schema")


def _in_data(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The part of a pydantic error location that exists in the data (the rest names a union member, e.g. 'bool')."""
    out: list[Any] = []
    node = data
    for part in loc:
        if (
            isinstance(node, dict)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        else:
            break
    return tuple(out)


def _real_loc(data: Any, loc: tuple[Any, ...], kind: str) -> tuple[Any, ...]:
    """Where in the data an error is: a missing key is named after its mapping; union member names are dropped."""
    if kind == "missing" and loc:
        parent = _in_data(data, loc[:-1])
        return loc if parent == loc[:-1] else parent
    return _in_data(data, loc)


_ACCEPTS = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def validation_problems(src: Source, errors: list[ErrorDetails]) -> list[Problem]:
    """Every pydantic error as a file:line:col line; a value no union member accepts is one line naming them all."""
    out: list[Problem] = []
    unions: dict[tuple[Any, ...], list[ErrorDetails]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        real = _real_loc(src.data, loc, err["type"])
        if real == loc:
            out.append(problem_from_validation(src, err))
        else:
            unions.setdefault(real, []).append(err)
    for loc, errs in unions.items():
        if len(errs) == 1:
            out.append(problem_from_validation(src, errs[0] | {"loc": loc}))
            continue
        accepts = []
        for e in errs:
            if e["type"] == "missing":
                wanted = f"a mapping with '{e['loc'][-1]}'"
            else:
                wanted = _ACCEPTS.get(e["type"]) or (str(e.get("ctx", {}).get("expected", "")) or e["msg"])
            if wanted not in accepts:
                accepts.append(wanted)
        name = next((p for p in reversed(loc) if isinstance(p, str)), "value")
        given = errs[0].get("input")
        shown = "this mapping" if isinstance(given, dict) else "this list" if isinstance(given, list) else _shown(given)
        out.append(
            src.problem(loc, f"'{name}': {shown} is not allowed here — use {' or '.join(accepts)}", check="schema")
        )
    return sorted(out, key=lambda p: (p.line, p.col))


@dataclass
class Entry:
    """A playbook file as written, before `extends` is applied."""

    source: Source
    playbook: Playbook
    directory: Path

    @property
    def bundled(self) -> bool:
        return self.directory == bundled_dir()


def check_file(path: Path) -> tuple[Entry | None, list[Problem]]:
    """Read and validate one file, collecting every problem a trainer should fix (lint wants them all).

    The entry is returned whenever the file could be read as a playbook at all, even with problems: shape errors
    are set aside (see `salvage`) so that every check that can still run does.
    """
    try:
        src = read_yaml(path)
    except YamlProblem as e:
        return None, [e.problem]
    if not isinstance(src.data, dict):
        return None, [
            src.problem(
                (),
                "a playbook must be a mapping with id, title and steps — start with `id: my-playbook`",
                check="schema",
            )
        ]
    controls = _control_characters(src, src.data)
    pb: Playbook | None
    try:
        pb = Playbook.model_validate(src.data)
        problems = []
    except ValidationError as e:
        problems = validation_problems(src, e.errors())
        pb = salvage(src.data)
    problems = controls + problems  # an error: the library refuses the playbook, lint lists it with the rest
    if pb is None:
        return None, problems
    problems += _duplicates(src, pb)
    return Entry(src, pb, path.parent), problems


def _control_characters(src: Source, data: Any, loc: tuple[Any, ...] = ()) -> list[Problem]:
    """Text a clerk's terminal would act on ("\\e]0;…", "\\x9b") has no place in a playbook, even escaped in quotes."""
    from recoverycli.safety import CONTROL

    if isinstance(data, str):
        if (m := CONTROL.search(data)) is None:
            return []
        return [
            src.problem(
                loc, f"control character U+{ord(m.group()):04X} in the text — delete it; a terminal would act on it"
            )
        ]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    out: list[Problem] = []
    for key, value in items:
        if isinstance(key, str) and (bad := CONTROL.search(key)):
            out.append(
                src.problem(
                    loc + (key,),
                    f"control character U+{ord(bad.group()):04X} in a key — delete it",
                    key=True,
                )
            )
        out += _control_characters(src, value, loc + (key,))
    return out


def parse_playbook(path: Path) -> Entry:
    entry, problems = check_file(path)
    if problems:
        raise PlaybookError(problems[0])
    assert entry is not None
    return entry


def salvage(data: dict[str, Any], rounds: int = 200) -> Playbook | None:
    """The playbook with each invalid part set aside (a bad key dropped, a missing label stood in for), so the checks
    beyond the schema can still run; None if even its id is unusable. List items keep their places, so positions
    hold."""
    import copy

    work = copy.deepcopy(data)
    for _ in range(rounds):
        try:
            return Playbook.model_validate(work)
        except ValidationError as e:
            err = e.errors()[-1]
        loc = tuple(err["loc"])
        real = _real_loc(work, loc, err["type"])
        try:
            if not _set_aside(work, real, err["type"] if real == loc else "union"):
                return None
        except (KeyError, IndexError, TypeError):  # never a traceback for a trainer: the schema errors stand alone
            return None
    return None


def _stand_in(kind: str, index: int, value: Any) -> dict[str, Any]:
    """A minimal valid item for a list of `kind` (prompts, steps, ...), keeping the original's id when it has one."""
    sep = "_" if kind == "prompts" else "-"
    own = value.get("id") if isinstance(value, dict) else None
    ident = (
        own
        if isinstance(own, str) and own[:1].isalpha() and own.replace("-", "").replace("_", "").isalnum()
        else f"unnamed{sep}{index}"
    )
    stand_ins: dict[str, dict[str, Any]] = {
        "prompts": {"id": ident, "label": "?"},
        "steps": {"id": ident, "title": "?"},
        "gestures": {"id": ident, "label": "?"},
        "adapt": {"when": {"segment": "other"}, "guidance": "?"},
        "choices": {"value": "?", "label": "?"},
    }
    return stand_ins.get(kind, {})


def _set_aside(data: Any, loc: tuple[Any, ...], kind: str) -> bool:
    """Change `data` so the error at `loc` goes away, keeping every list item in its place; False if it cannot."""
    if not loc:
        return False
    *path, last = loc
    parent: Any = data
    for part in path:
        parent = parent[part]
    list_name = next((p for p in reversed(path) if isinstance(p, str)), "")
    if kind == "missing":  # `parent` lacks the required key `last`
        if not path:
            return False  # a playbook without an id: nothing to check beyond the schema
        if last in ("label", "value", "title", "guidance"):
            parent[last] = "?"
        elif last == "id":
            parent["id"] = _stand_in(list_name, path[-1], None)["id"]
        else:
            grand: Any = data
            for part in path[:-1]:
                grand = grand[part]
            grand[path[-1]] = _stand_in(list_name, path[-1], parent)
        return True
    value = parent[last]
    if isinstance(value, dict) and isinstance(last, int):
        # the one rule across a prompt's fields: its choices must fit its type
        if value.get("type") == "choice" and not value.get("choices") and not value.get("choices_from"):
            value["type"] = "text"
            return True
        if value.get("type", "text") != "choice" and ("choices" in value or "choices_from" in value):
            value.pop("choices", None)
            value.pop("choices_from", None)
            return True
    if isinstance(parent, dict):
        del parent[last]
        return True
    if isinstance(parent, list):
        stand_in = _stand_in(list_name, last, value)
        if stand_in and stand_in != value:
            parent[last] = stand_in
        elif isinstance(value, str) and value == "" or not all(isinstance(v, str) for v in parent if v is not value):
            del parent[last]
        else:
            parent[last] = ""  # say/avoid/choices: keep the others' places
        return True
    return False


def _duplicates(src: Source, pb: Playbook) -> list[Problem]:
    out: list[Problem] = []
    seen: set[str] = set()
    for i, step in enumerate(pb.steps):
        if step.id in seen:
            out.append(src.problem(("steps", i, "id"), f"duplicate step id '{step.id}' — give each step its own id"))
        seen.add(step.id)
    prompts: set[str] = set()
    for i, step in enumerate(pb.steps):
        for j, p in enumerate(step.prompts):
            if p.id in prompts:
                out.append(
                    src.problem(
                        ("steps", i, "prompts", j, "id"), f"duplicate prompt id '{p.id}' — give each prompt its own id"
                    )
                )
            prompts.add(p.id)
    gestures: set[str] = set()
    for i, g in enumerate(pb.gestures):
        if g.id in gestures:
            out.append(
                src.problem(("gestures", i, "id"), f"duplicate gesture id '{g.id}' — give each gesture its own id")
            )
        gestures.add(g.id)
    return out


def playbook_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and not p.name.startswith((".", "_"))
        and p.name not in NOT_PLAYBOOKS
        and not p.name.endswith((".answers.yaml", ".answers.yml"))
    )


def merge_step(parent: Step, child: Step) -> Step:
    """Child fields replace the parent's; lists add to it; prompts merge by id.

    Every list is new; the prompts and tips in them are shared with the parent (nothing edits them after loading),
    so a long `extends` chain is not copied over and over.
    """
    merged = parent.model_copy()
    for name in ("title", "guidance"):
        if getattr(child, name) is not None:
            setattr(merged, name, getattr(child, name))
    merged.say = [s for s in parent.say if s not in child.remove_say] + [s for s in child.say if s not in parent.say]
    merged.avoid = parent.avoid + [s for s in child.avoid if s not in parent.avoid]
    merged.tips = [t for t in parent.tips if t not in child.remove_tips] + [
        t for t in child.tips if t not in parent.tips
    ]
    merged.adapt = parent.adapt + child.adapt
    prompts = list(merged.prompts)
    for p in child.prompts:
        idx = next((i for i, q in enumerate(prompts) if q.id == p.id), None)
        if idx is None:
            prompts.append(p)
        elif p.short is None and prompts[idx].short is not None:  # the same answer under a new question: its row
            prompts[idx] = p.model_copy(update={"short": prompts[idx].short})  # in the summary keeps its name
        else:
            prompts[idx] = p
    merged.prompts = prompts
    merged.before = merged.after = None
    merged.remove_tips = []
    merged.remove_say = []
    return merged


def merge(parent: Playbook, child: Playbook, src: Source, problems: list[Problem] | None = None) -> Playbook:
    """`child` on top of `parent`. A mistake raises PlaybookError, or with `problems` (lint) is noted and passed
    over."""

    def report(problem: Problem) -> None:
        if problems is None:
            raise PlaybookError(problem)
        problems.append(problem)

    steps = list(parent.steps)  # a step the child changes is copied by merge_step
    for i, cs in enumerate(child.steps):
        idx = next((k for k, s in enumerate(steps) if s.id == cs.id), None)
        if idx is not None:
            for j, line in enumerate(cs.remove_say):
                if line not in steps[idx].say:
                    known = "; ".join(f"“{s}”" for s in steps[idx].say) or "none"
                    report(
                        src.problem(
                            ("steps", i, "remove_say", j),
                            f"step '{cs.id}' inherits no say line “{line}” to remove — inherited: {known}",
                        )
                    )
            steps[idx] = merge_step(steps[idx], cs)
            continue
        new = merge_step(cs, Step(id=cs.id))
        anchor = cs.before or cs.after
        if anchor is None:
            steps.append(new)
            continue
        at = next((k for k, s in enumerate(steps) if s.id == anchor), None)
        if at is None:
            key = "before" if cs.before else "after"
            known = ", ".join(s.id for s in steps)
            report(src.problem(("steps", i, key), f"no step '{anchor}' to insert {key} — use one of: {known}"))
            steps.append(new)
            continue
        steps.insert(at if cs.before else at + 1, new)
    for i, gid in enumerate(child.remove_gestures):
        if not any(g.id == gid for g in parent.gestures):
            known = ", ".join(g.id for g in parent.gestures)
            report(src.problem(("remove_gestures", i), f"no inherited gesture '{gid}' to remove — use one of: {known}"))
    gestures = [g for g in parent.gestures if g.id not in child.remove_gestures]
    for g in child.gestures:
        idx = next((k for k, h in enumerate(gestures) if h.id == g.id), None)
        if idx is None:
            gestures.append(g)
        else:
            gestures[idx] = g
    fields: dict[str, Any] = {
        name: getattr(child, name)
        for name in ("title", "version", "category", "description", "supplier")
        if name in child.model_fields_set
    }
    if parent.category == "base" and "category" not in fields:
        # being the base is not inherited: offer it to clerks
        fields["category"] = Playbook.model_fields["category"].default
    return parent.model_copy(
        update={"id": child.id, "extends": None, "steps": steps, "gestures": gestures, "remove_gestures": [], **fields}
    )


class Library:
    """Every playbook the user can reach, by id, with user directories overriding bundled ones.

    A broken file never stops the others: it is recorded in `problems` (and its id, if it has one, in `broken`), and
    only that playbook is refused when asked for. salvage=True (lint) keeps broken files' readable parts as entries,
    so the files that extend them can still be checked.
    """

    def __init__(self, dirs: list[Path], salvage: bool = False) -> None:
        self.dirs = dirs
        self.entries: dict[str, Entry] = {}
        self.overridden: dict[str, Entry] = {}
        self.by_path: dict[Path, Entry] = {}
        self.problems: dict[Path, list[Problem]] = {}
        self.broken: dict[str, Path] = {}  # playbook id -> the broken file that claims it
        # playbook id -> what a skipped (broken) override would have replaced: the parent its children extend instead
        self.fallback: dict[str, Entry] = {}
        self._merged: dict[str, Playbook] = {}
        self._chains: dict[str, tuple[bool, bool]] = {}  # playbook id -> (its chain ends well, the base is in it)
        self._resolved: dict[str, Playbook] = {}  # id -> merged with its ancestors (checked or not)
        for d in dirs:
            here: dict[str, Path] = {}
            for path in playbook_files(d):
                entry, problems = check_file(path)
                if entry is not None and entry.playbook.id in here:
                    pid = entry.playbook.id
                    problems = [
                        *problems,
                        entry.source.problem(
                            ("id",), f"playbook id '{pid}' is also used by {here[pid]} — give each playbook its own id"
                        ),
                    ]
                if problems:
                    self.problems[path] = problems
                if entry is None:
                    continue
                pid = entry.playbook.id
                if any(p.level == "error" for p in problems):
                    self.broken[pid] = path
                    if not salvage:
                        prior = self.entries.pop(pid, None)  # a broken override is refused, never silently replaced
                        self.overridden.pop(pid, None)
                        if prior is not None:
                            self.fallback[pid] = prior
                        continue
                else:
                    self.broken.pop(pid, None)
                    self.fallback.pop(pid, None)
                here.setdefault(pid, path)
                self.by_path[path.resolve()] = entry
                if pid in self.entries:
                    self.overridden[pid] = self.entries[pid]
                self.entries[pid] = entry

        self._skip_broken_overrides(salvage)

    def _skip_broken_overrides(self, salvage: bool) -> None:
        """An override that reads well but cannot be used (a `four-step.yaml` without the base prompts) is skipped
        like one that does not parse: it is refused by its own error, in its own file, and its children extend what
        it would have replaced. One bad file on a shared path must not take every playbook down with it.

        Overrides are checked parents first, so a child is judged against the parent it will really get."""
        for pid in sorted(self.overridden, key=lambda p: len(self._lineage(self.entries[p].playbook))):
            entry = self.entries[pid]
            path = Path(entry.source.file)
            if pid not in self.broken:
                self._merged.clear()
                self._resolved.clear()
                try:
                    self.get(pid)
                    continue
                except PlaybookError as e:
                    self.problems.setdefault(path, []).append(e.problem)
                    self.broken[pid] = path
            prior = self.overridden.pop(pid)
            if salvage:
                self.entries[pid] = prior  # lint checks the override's own file, and its children against this
            else:
                del self.entries[pid]
                self.fallback[pid] = prior
        self._merged.clear()
        self._resolved.clear()

    @classmethod
    def default(cls, extra: list[Path] | None = None) -> Library:
        return cls(search_dirs(extra))

    def ids(self) -> list[str]:
        return list(self.entries)

    def _refuse(self, playbook_id: str) -> None:
        """Asked for a playbook whose file is broken: its own first problem, file:line:col."""
        path = self.broken.get(playbook_id) or next(
            (p for p in self.problems if p.stem == playbook_id and playbook_id not in self.entries), None
        )
        if path is not None:
            raise PlaybookError(next(p for p in self.problems[path] if p.level == "error"))

    def get(self, playbook_id: str) -> Playbook:
        """The fully merged playbook, as the clerk will meet it."""
        if playbook_id not in self.entries:
            self._refuse(playbook_id)
            known = ", ".join(sorted(pid for pid, e in self.entries.items() if e.playbook.listed()))
            raise NotFoundError(f"no playbook '{playbook_id}' — choose one of: {known}")  # never the hidden base
        if playbook_id not in self._merged:
            entry = self.entries[playbook_id]
            merged = self.resolve(entry)
            problems = self.merged_problems(merged, entry)
            if problems:
                raise PlaybookError(problems[0])
            self._merged[playbook_id] = merged
        return self._merged[playbook_id]

    def usable(self) -> tuple[dict[str, Playbook], list[Problem]]:
        """Every playbook that loads, merged, and the first problem of each file that does not: for the picker and
        warnings."""
        books: dict[str, Playbook] = {}
        problems = [
            next((p for p in found if p.level == "error"), found[0])
            for found in self.problems.values()
            if any(p.level == "error" for p in found)
        ]
        for pid in self.entries:
            try:
                books[pid] = self.get(pid)
            except PlaybookError as e:
                problems.append(e.problem)
        return books, problems

    def resolve(self, entry: Entry, problems: list[Problem] | None = None) -> Playbook:
        """Apply `extends` all the way up; loops and unknown parents are errors at the `extends` line.

        Each playbook is merged once and remembered, walking the chain in a loop: a 500-level chain costs
        500 merges in all, not one chain per descendant (and never runs out of stack). With `problems` (lint),
        each mistake is noted and the rest still merged: a parent that cannot be found is stood in for by the
        base, so the file's own checks still run (and nothing merged with a mistake is remembered: what merged
        cleanly is, so linting every file of a long chain merges each once).
        """
        before = len(problems) if problems is not None else 0
        chain = [entry]
        ids = {entry.playbook.id}  # the chain's ids, for a loop: a set, so a long chain is walked in linear time
        while (top := chain[-1].playbook).extends is not None and top.id not in self._resolved:
            src = chain[-1].source
            problem = None
            if top.extends in ids:
                loop = " -> ".join([*(e.playbook.id for e in chain), top.extends])
                problem = src.problem(("extends",), f"'extends' makes a loop ({loop}) — extend '{BASE_ID}' instead")
            elif top.extends in self.broken and top.extends not in self.entries:
                bad = next(p for p in self.problems[self.broken[top.extends]] if p.level == "error")
                problem = src.problem(
                    ("extends",),
                    f"extends '{top.extends}', which is broken ({bad.file}:{bad.line}:{bad.col}) — fix that file first",
                )
            elif top.extends not in self.entries:
                known = ", ".join(sorted(self.entries))
                problem = src.problem(
                    ("extends",), f"extends '{top.extends}', which no playbook has — use one of: {known}"
                )
            if problem is None:
                chain.append(self.entries[top.extends])
                ids.add(top.extends)
                continue
            if top.extends in self.fallback:  # its override is skipped: what it replaced is the parent
                chain.append(self.fallback[top.extends])
                continue
            if problems is None:
                raise PlaybookError(problem)
            problems.append(problem)
            base = self.entries.get(BASE_ID)
            if base is not None and base not in chain:
                chain.append(base)  # the base stands in for the parent that cannot be had
            break
        top = chain[-1].playbook
        merged = self._resolved.get(top.id, top) if self.entries.get(top.id) is chain[-1] else top
        for child in reversed(chain[:-1]):
            merged = merge(merged, child.playbook, child.source, problems)
            clean = problems is None or len(problems) == before  # no mistake so far: what get() would merge
            if clean and self.entries.get(child.playbook.id) is child:
                self._resolved[child.playbook.id] = merged
        return merged

    def merged_problems(self, pb: Playbook, entry: Entry, parent_known: bool = True) -> list[Problem]:
        """What makes a merged playbook unusable in a call (parent_known=False: the lineage checks are moot)."""
        src, own = entry.source, entry.playbook
        out: list[Problem] = []
        if parent_known and not self._extends_base(own):
            out.append(
                src.problem(("id",), f"playbook '{pb.id}' does not extend '{BASE_ID}' — add `extends: {BASE_ID}`")
            )
        for step in pb.steps:
            if not step.title:
                out.append(src.problem(_step_loc(own, step.id), f"step '{step.id}' has no title — add `title:` to it"))
        ids = [p.id for p in pb.prompts()]
        for dupe in sorted(x for x, n in Counter(ids).items() if n > 1):
            out.append(src.problem(("steps",), f"prompt id '{dupe}' is used in two steps — rename one"))
        missing = [p for p in BASE_PROMPTS if p not in ids]
        if missing and parent_known:
            out.append(
                src.problem(
                    ("steps",),
                    f"playbook '{pb.id}' lacks base prompt(s) {', '.join(missing)} — extend '{BASE_ID}' and keep them",
                )
            )
        out += _base_prompt_problems(pb, entry)
        gesture = pb.prompt("gesture")
        if gesture is not None and gesture.choices_from == "gestures" and not pb.gestures:
            out.append(
                src.problem(("gestures",), "the gesture prompt has no gestures to offer — add a `gestures:` list")
            )
        asked: dict[str, Prompt | None] = {"segment": None, "repeat": None}
        for prompt in pb.prompts():
            for key, wanted in (prompt.when or {}).items():
                if key not in asked:
                    out.append(
                        src.problem(
                            prompt_loc(own, prompt.id, "when"),
                            f"prompt '{prompt.id}' depends on '{key}', which is not asked before it — use an earlier "
                            "prompt id, segment or repeat",
                        )
                    )
                elif (
                    (earlier := asked[key]) is not None
                    and earlier.type == "confirm"
                    and not all(isinstance(w, bool) for w in (wanted if isinstance(wanted, list) else [wanted]))
                ):
                    out.append(
                        src.problem(
                            prompt_loc(own, prompt.id, "when"),
                            f"prompt '{prompt.id}' waits for '{key}' to be {wanted!r}, but '{key}' is a yes/no "
                            f"question — write `{key}: true` or `{key}: false`",
                        )
                    )
            asked[prompt.id] = prompt
        return out

    def _parent(self, pid: str) -> Entry | None:
        """The entry a playbook that extends `pid` builds on: `pid`'s own, or what its skipped override replaced."""
        return self.entries.get(pid) or self.fallback.get(pid)

    def _chain_from(self, pid: str) -> tuple[bool, bool]:
        """For the playbook `pid` and its ancestors: whether the chain ends at a playbook with no parent (no loop, no
        missing link), and whether the base is in it. Remembered per id, so checking every playbook of a 2,000-level
        chain walks it once in all, not once per playbook."""
        path: list[str] = []
        on_path: set[str] = set()
        here: str | None = pid
        while here is not None and here not in self._chains:
            parent = self._parent(here)
            if parent is None or here in on_path:  # a missing link, or a loop
                break
            path.append(here)
            on_path.add(here)
            here = parent.playbook.extends
        ends, has_base = self._chains[here] if here is not None and here in self._chains else (here is None, False)
        for p in reversed(path):
            has_base = has_base or p == BASE_ID
            self._chains[p] = (ends, has_base)
        return self._chains.get(pid, (ends, has_base))

    def _own(self, pb: Playbook) -> bool:
        """Whether `pb` is the playbook the library knows by its id (lint also checks files it overrides)."""
        entry = self.entries.get(pb.id)
        return entry is not None and entry.playbook is pb

    def _lineage(self, pb: Playbook) -> list[str]:
        out = [pb.id]
        seen = {pb.id}
        pid = pb.extends
        while pid is not None and (parent := self._parent(pid)) is not None and pid not in seen:
            out.append(pid)
            seen.add(pid)
            pid = parent.playbook.extends
        return out

    def _extends_base(self, pb: Playbook) -> bool:
        if pb.id == BASE_ID:
            return True
        if self._own(pb) and pb.extends is not None and self.parent_known(pb):
            return self._chain_from(pb.extends)[1]
        return BASE_ID in self._lineage(pb)

    def parent_known(self, pb: Playbook) -> bool:
        """Whether the `extends` chain ends at a playbook with no parent, with no loop and no missing link."""
        if pb.extends is None:
            return True
        if self._own(pb):  # a loop back to pb is a loop of its parent's chain too
            return self._chain_from(pb.extends)[0]
        seen = {pb.id}
        pid: str | None = pb.extends
        while pid is not None:
            if pid in seen or (parent := self._parent(pid)) is None:
                return False
            seen.add(pid)
            pid = parent.playbook.extends
        return True

    def catalogue(self) -> list[Playbook]:
        """The playbooks a clerk picks from, merged, by title with 'other' last; the base and broken ones are not
        offered."""
        books, _ = self.usable()
        return sorted(
            (b for b in books.values() if b.listed()), key=lambda b: (b.id == "other", (b.title or b.id).lower())
        )


def _base_prompt_problems(pb: Playbook, entry: Entry) -> list[Problem]:
    """A base prompt keeps its answer's type, and a required one stays required and always asked: the case record,
    `followups`, the calendar and the export read them (a free-text or skipped follow-up date never comes due)."""
    src, own = entry.source, entry.playbook
    out: list[Problem] = []
    for pid, types in BASE_PROMPT_TYPES.items():
        prompt = pb.prompt(pid)
        if prompt is None:
            continue  # a missing base prompt is its own error
        if prompt.type not in types:
            allowed = " or ".join(f"`type: {t}`" for t in types)
            out.append(
                src.problem(
                    prompt_loc(own, pid, "type"),
                    f"base prompt '{pid}' must keep its type ({' or '.join(types)}), not {prompt.type} — "
                    f"write {allowed}, or give your question its own id",
                )
            )
        if pid not in REQUIRED_BASE_PROMPTS:
            continue
        if not prompt.required:
            out.append(
                src.problem(
                    prompt_loc(own, pid, "required"), f"base prompt '{pid}' must stay required — set `required: true`"
                )
            )
        if prompt.when:
            out.append(
                src.problem(
                    prompt_loc(own, pid, "when"),
                    f"base prompt '{pid}' must be asked on every call — remove its `when:`, "
                    "or give a conditional question its own id",
                )
            )
    return out


def prompt_loc(pb: Playbook, prompt_id: str, key: str) -> tuple[Any, ...]:
    """Where in the file a playbook's own prompt sets `key`, for a file:line:col message; the steps if inherited."""
    for i, step in enumerate(pb.steps):
        for j, p in enumerate(step.prompts):
            if p.id == prompt_id:
                return ("steps", i, "prompts", j, key)
    return ("steps",)


def _step_loc(pb: Playbook, step_id: str) -> tuple[Any, ...]:
    idx = next((k for k, s in enumerate(pb.steps) if s.id == step_id), None)
    return ("steps", idx) if idx is not None else ("steps",)


def match_rank(pb: Playbook, text: str) -> int | None:
    """How well typed words pick a playbook: 0 all in its id, 1 in its title, 2 only in its description; None if not."""
    fields = (pb.id.lower(), (pb.title or "").lower(), pb.description.lower())
    worst = 0
    for word in text.lower().split():
        where = next((i for i, f in enumerate(fields) if word in f), None)
        if where is None:
            return None
        worst = max(worst, where)
    return worst


def matching(books: list[Playbook], text: str) -> list[Playbook]:
    """The playbooks typed words pick, best first: a match in the id beats one in the title, which beats one in the
    description ("room" is room-failure before the theft playbook that mentions a room)."""
    ranked = [(r, i, pb) for i, pb in enumerate(books) if (r := match_rank(pb, text)) is not None]
    return [pb for _, _, pb in sorted(ranked, key=lambda t: t[:2])]
