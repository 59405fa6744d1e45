"""Find, load, merge and validate YAML playbooks; every error names file:line:col."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from recoverycli.errors import NotFoundError, PlaybookError
from recoverycli.models import BASE_PROMPTS, Adapt, Gesture, Playbook, Prompt, Step, When
from recoverycli.yamlsource import Problem, Source, YamlProblem, read_yaml

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
    """Playbooks ship inside the wheel; from a source checkout they sit at the top level."""
    here = Path(__file__).resolve().parent
    inside = here / "playbooks"
    return inside if inside.is_dir() else here.parents[1] / "playbooks"


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


def problem_from_validation(src: Source, err: dict[str, Any], base: tuple[Any, ...] = ()) -> Problem:
    """Turn one pydantic error into a file:line:col line that says what to do."""
    loc = base + tuple(err["loc"])
    kind = err["type"]
    name = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        allowed = ", ".join(_model_for(loc[:-1]).model_fields)
        return src.problem(loc, f"unknown key '{name}' — check the spelling; allowed here: {allowed}", key=True)
    if kind == "missing":
        return src.problem(loc[:-1], f"missing '{name}' — add `{name}:` here")
    msg = err["msg"].removeprefix("Value error, ")
    if " — " not in msg:
        msg += " — fix the value"
    if loc and isinstance(loc[-1], str):
        msg = f"'{loc[-1]}': {msg}"
    return src.problem(loc, msg)


@dataclass
class Entry:
    """A playbook file as written, before `extends` is applied."""

    source: Source
    playbook: Playbook
    directory: Path

    @property
    def bundled(self) -> bool:
        return self.directory == bundled_dir()


def parse_playbook(path: Path) -> Entry:
    try:
        src = read_yaml(path)
    except YamlProblem as e:
        raise PlaybookError(str(e.problem)) from None
    if not isinstance(src.data, dict):
        raise PlaybookError(str(src.problem((), "a playbook must be a mapping with id, title and steps — start with `id: my-playbook`")))
    try:
        pb = Playbook.model_validate(src.data)
    except ValidationError as e:
        raise PlaybookError(str(problem_from_validation(src, e.errors()[0]))) from None
    _check_unique(src, pb)
    return Entry(src, pb, path.parent)


def _check_unique(src: Source, pb: Playbook) -> None:
    seen: dict[str, int] = {}
    for i, step in enumerate(pb.steps):
        if step.id in seen:
            raise PlaybookError(str(src.problem(("steps", i, "id"), f"duplicate step id '{step.id}' — give each step its own id")))
        seen[step.id] = i
    prompts: set[str] = set()
    for i, step in enumerate(pb.steps):
        for j, p in enumerate(step.prompts):
            if p.id in prompts:
                raise PlaybookError(str(src.problem(("steps", i, "prompts", j, "id"), f"duplicate prompt id '{p.id}' — give each prompt its own id")))
            prompts.add(p.id)
    gestures: set[str] = set()
    for i, g in enumerate(pb.gestures):
        if g.id in gestures:
            raise PlaybookError(str(src.problem(("gestures", i, "id"), f"duplicate gesture id '{g.id}' — give each gesture its own id")))
        gestures.add(g.id)


def playbook_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith((".", "_")) and p.name not in NOT_PLAYBOOKS
    )


def merge_step(parent: Step, child: Step) -> Step:
    """Child fields replace the parent's; lists add to it; prompts merge by id."""
    merged = parent.model_copy(deep=True)
    for name in ("title", "guidance"):
        if getattr(child, name) is not None:
            setattr(merged, name, getattr(child, name))
    merged.say = parent.say + [s for s in child.say if s not in parent.say]
    merged.avoid = parent.avoid + [s for s in child.avoid if s not in parent.avoid]
    merged.tips = parent.tips + [t for t in child.tips if t not in parent.tips]
    merged.adapt = parent.adapt + child.adapt
    prompts = list(merged.prompts)
    for p in child.prompts:
        idx = next((i for i, q in enumerate(prompts) if q.id == p.id), None)
        if idx is None:
            prompts.append(p)
        else:
            prompts[idx] = p
    merged.prompts = prompts
    merged.before = merged.after = None
    return merged


def merge(parent: Playbook, child: Playbook, src: Source) -> Playbook:
    steps = [s.model_copy(deep=True) for s in parent.steps]
    for i, cs in enumerate(child.steps):
        idx = next((k for k, s in enumerate(steps) if s.id == cs.id), None)
        if idx is not None:
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
            raise PlaybookError(str(src.problem(("steps", i, key), f"no step '{anchor}' to insert {key} — use one of: {known}")))
        steps.insert(at if cs.before else at + 1, new)
    gestures = list(parent.gestures)
    for g in child.gestures:
        idx = next((k for k, h in enumerate(gestures) if h.id == g.id), None)
        if idx is None:
            gestures.append(g)
        else:
            gestures[idx] = g
    fields = {name: getattr(child, name) for name in ("title", "version", "category", "description") if name in child.model_fields_set}
    return parent.model_copy(update={"id": child.id, "extends": None, "steps": steps, "gestures": gestures, **fields}, deep=True)


class Library:
    """Every playbook the user can reach, by id, with user directories overriding bundled ones."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs
        self.entries: dict[str, Entry] = {}
        self.overridden: dict[str, Entry] = {}
        self._merged: dict[str, Playbook] = {}
        for d in dirs:
            here: dict[str, Path] = {}
            for path in playbook_files(d):
                entry = parse_playbook(path)
                pid = entry.playbook.id
                if pid in here:
                    raise PlaybookError(str(entry.source.problem(("id",), f"playbook id '{pid}' is also used by {here[pid]} — give each playbook its own id")))
                here[pid] = path
                if pid in self.entries:
                    self.overridden[pid] = self.entries[pid]
                self.entries[pid] = entry

    @classmethod
    def default(cls, extra: list[Path] | None = None) -> Library:
        return cls(search_dirs(extra))

    def ids(self) -> list[str]:
        return list(self.entries)

    def get(self, playbook_id: str) -> Playbook:
        """The fully merged playbook, as the clerk will meet it."""
        if playbook_id not in self.entries:
            known = ", ".join(sorted(self.entries))
            raise NotFoundError(f"no playbook '{playbook_id}' — choose one of: {known}")
        return self._resolve(playbook_id, ())

    def _resolve(self, playbook_id: str, chain: tuple[str, ...]) -> Playbook:
        if playbook_id in self._merged:
            return self._merged[playbook_id]
        entry = self.entries[playbook_id]
        pb, src = entry.playbook, entry.source
        if pb.extends is None:
            merged = pb
        else:
            if pb.extends in chain + (playbook_id,):
                loop = " -> ".join(chain + (playbook_id, pb.extends))
                raise PlaybookError(str(src.problem(("extends",), f"'extends' makes a loop ({loop}) — extend '{BASE_ID}' instead")))
            if pb.extends not in self.entries:
                known = ", ".join(sorted(self.entries))
                raise PlaybookError(str(src.problem(("extends",), f"extends '{pb.extends}', which no playbook has — use one of: {known}")))
            merged = merge(self._resolve(pb.extends, chain + (playbook_id,)), pb, src)
        self._validate_merged(merged, entry, chain)
        self._merged[playbook_id] = merged
        return merged

    def _validate_merged(self, pb: Playbook, entry: Entry, chain: tuple[str, ...]) -> None:
        src = entry.source
        lineage = self._lineage(entry.playbook.id)
        if BASE_ID not in lineage:
            raise PlaybookError(str(src.problem(("id",), f"playbook '{pb.id}' does not extend '{BASE_ID}' — add `extends: {BASE_ID}`")))
        for i, step in enumerate(pb.steps):
            if not step.title:
                loc = _step_loc(entry.playbook, step.id, i)
                raise PlaybookError(str(src.problem(loc, f"step '{step.id}' has no title — add `title:` to it")))
        ids = [p.id for p in pb.prompts()]
        dupes = {x for x in ids if ids.count(x) > 1}
        if dupes:
            raise PlaybookError(str(src.problem(("steps",), f"prompt id '{sorted(dupes)[0]}' is used in two steps — rename one")))
        missing = [p for p in BASE_PROMPTS if p not in ids]
        if missing:
            raise PlaybookError(str(src.problem(("steps",), f"playbook '{pb.id}' lacks base prompt(s) {', '.join(missing)} — extend '{BASE_ID}' and keep them")))
        gesture = pb.prompt("gesture")
        if gesture is not None and gesture.choices_from == "gestures" and not pb.gestures:
            raise PlaybookError(str(src.problem(("gestures",), "the gesture prompt has no gestures to offer — add a `gestures:` list")))

    def _lineage(self, playbook_id: str) -> list[str]:
        out = []
        pid: str | None = playbook_id
        while pid is not None and pid in self.entries and pid not in out:
            out.append(pid)
            pid = self.entries[pid].playbook.extends
        return out

    def catalogue(self) -> list[Playbook]:
        """The playbooks a clerk picks from, merged, by title with 'other' last; the base is not offered."""
        books = [self.get(i) for i in self.entries]
        return sorted((b for b in books if b.listed()), key=lambda b: (b.id == "other", (b.title or b.id).lower()))


def _step_loc(pb: Playbook, step_id: str, fallback: int) -> tuple[Any, ...]:
    idx = next((k for k, s in enumerate(pb.steps) if s.id == step_id), None)
    return ("steps", idx) if idx is not None else ("steps",)
