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


def check_file(path: Path) -> tuple[Entry | None, list[Problem]]:
    """Read and validate one file, collecting every problem a trainer should fix (lint wants them all)."""
    try:
        src = read_yaml(path)
    except YamlProblem as e:
        return None, [e.problem]
    if not isinstance(src.data, dict):
        return None, [src.problem((), "a playbook must be a mapping with id, title and steps — start with `id: my-playbook`")]
    try:
        pb = Playbook.model_validate(src.data)
    except ValidationError as e:
        return None, [problem_from_validation(src, err) for err in e.errors()]
    problems = _duplicates(src, pb)
    return (None if problems else Entry(src, pb, path.parent)), problems


def parse_playbook(path: Path) -> Entry:
    entry, problems = check_file(path)
    if problems:
        raise PlaybookError(problems[0])
    assert entry is not None
    return entry


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
                out.append(src.problem(("steps", i, "prompts", j, "id"), f"duplicate prompt id '{p.id}' — give each prompt its own id"))
            prompts.add(p.id)
    gestures: set[str] = set()
    for i, g in enumerate(pb.gestures):
        if g.id in gestures:
            out.append(src.problem(("gestures", i, "id"), f"duplicate gesture id '{g.id}' — give each gesture its own id"))
        gestures.add(g.id)
    return out


def playbook_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith((".", "_"))
        and p.name not in NOT_PLAYBOOKS and not p.name.endswith((".answers.yaml", ".answers.yml"))
    )


def merge_step(parent: Step, child: Step) -> Step:
    """Child fields replace the parent's; lists add to it; prompts merge by id."""
    merged = parent.model_copy(deep=True)
    for name in ("title", "guidance"):
        if getattr(child, name) is not None:
            setattr(merged, name, getattr(child, name))
    merged.say = parent.say + [s for s in child.say if s not in parent.say]
    merged.avoid = parent.avoid + [s for s in child.avoid if s not in parent.avoid]
    merged.tips = [t for t in parent.tips if t not in child.remove_tips] + [t for t in child.tips if t not in parent.tips]
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
    merged.remove_tips = []
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
            raise PlaybookError(src.problem(("steps", i, key), f"no step '{anchor}' to insert {key} — use one of: {known}"))
        steps.insert(at if cs.before else at + 1, new)
    for i, gid in enumerate(child.remove_gestures):
        if not any(g.id == gid for g in parent.gestures):
            known = ", ".join(g.id for g in parent.gestures)
            raise PlaybookError(src.problem(("remove_gestures", i), f"no inherited gesture '{gid}' to remove — use one of: {known}"))
    gestures = [g for g in parent.gestures if g.id not in child.remove_gestures]
    for g in child.gestures:
        idx = next((k for k, h in enumerate(gestures) if h.id == g.id), None)
        if idx is None:
            gestures.append(g)
        else:
            gestures[idx] = g
    fields = {name: getattr(child, name) for name in ("title", "version", "category", "description", "supplier") if name in child.model_fields_set}
    return parent.model_copy(update={"id": child.id, "extends": None, "steps": steps, "gestures": gestures,
                                     "remove_gestures": [], **fields}, deep=True)


class Library:
    """Every playbook the user can reach, by id, with user directories overriding bundled ones.

    strict=False keeps going past broken files and records their problems, for lint.
    """

    def __init__(self, dirs: list[Path], strict: bool = True) -> None:
        self.dirs = dirs
        self.entries: dict[str, Entry] = {}
        self.overridden: dict[str, Entry] = {}
        self.by_path: dict[Path, Entry] = {}
        self.problems: dict[Path, list[Problem]] = {}
        self._merged: dict[str, Playbook] = {}
        for d in dirs:
            here: dict[str, Path] = {}
            for path in playbook_files(d):
                entry, problems = check_file(path)
                if entry is not None and entry.playbook.id in here:
                    pid = entry.playbook.id
                    problems = [entry.source.problem(("id",), f"playbook id '{pid}' is also used by {here[pid]} — give each playbook its own id")]
                    entry = None
                if problems:
                    if strict:
                        raise PlaybookError(problems[0])
                    self.problems[path] = problems
                    continue
                assert entry is not None
                pid = entry.playbook.id
                here[pid] = path
                self.by_path[path.resolve()] = entry
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
        if playbook_id not in self._merged:
            entry = self.entries[playbook_id]
            merged = self.resolve(entry)
            problems = self.merged_problems(merged, entry)
            if problems:
                raise PlaybookError(problems[0])
            self._merged[playbook_id] = merged
        return self._merged[playbook_id]

    def resolve(self, entry: Entry, chain: tuple[str, ...] = ()) -> Playbook:
        """Apply `extends` all the way up; loops and unknown parents are errors at the `extends` line."""
        pb, src = entry.playbook, entry.source
        if pb.extends is None:
            return pb
        if pb.extends in chain + (pb.id,):
            loop = " -> ".join(chain + (pb.id, pb.extends))
            raise PlaybookError(src.problem(("extends",), f"'extends' makes a loop ({loop}) — extend '{BASE_ID}' instead"))
        if pb.extends not in self.entries:
            known = ", ".join(sorted(self.entries))
            raise PlaybookError(src.problem(("extends",), f"extends '{pb.extends}', which no playbook has — use one of: {known}"))
        return merge(self.resolve(self.entries[pb.extends], chain + (pb.id,)), pb, src)

    def merged_problems(self, pb: Playbook, entry: Entry) -> list[Problem]:
        """What makes a merged playbook unusable in a call."""
        src, own = entry.source, entry.playbook
        out: list[Problem] = []
        if BASE_ID not in self._lineage(own):
            out.append(src.problem(("id",), f"playbook '{pb.id}' does not extend '{BASE_ID}' — add `extends: {BASE_ID}`"))
        for i, step in enumerate(pb.steps):
            if not step.title:
                out.append(src.problem(_step_loc(own, step.id), f"step '{step.id}' has no title — add `title:` to it"))
        ids = [p.id for p in pb.prompts()]
        for dupe in sorted({x for x in ids if ids.count(x) > 1}):
            out.append(src.problem(("steps",), f"prompt id '{dupe}' is used in two steps — rename one"))
        missing = [p for p in BASE_PROMPTS if p not in ids]
        if missing:
            out.append(src.problem(("steps",), f"playbook '{pb.id}' lacks base prompt(s) {', '.join(missing)} — extend '{BASE_ID}' and keep them"))
        gesture = pb.prompt("gesture")
        if gesture is not None and gesture.choices_from == "gestures" and not pb.gestures:
            out.append(src.problem(("gestures",), "the gesture prompt has no gestures to offer — add a `gestures:` list"))
        asked: set[str] = {"segment", "repeat"}
        for prompt in pb.prompts():
            for key in (prompt.when or {}):
                if key not in asked:
                    out.append(src.problem(_prompt_loc(own, prompt.id, "when"),
                                           f"prompt '{prompt.id}' depends on '{key}', which is not asked before it — use an earlier prompt id, segment or repeat"))
            asked.add(prompt.id)
        return out

    def _lineage(self, pb: Playbook) -> list[str]:
        out = [pb.id]
        pid = pb.extends
        while pid is not None and pid in self.entries and pid not in out:
            out.append(pid)
            pid = self.entries[pid].playbook.extends
        return out

    def catalogue(self) -> list[Playbook]:
        """The playbooks a clerk picks from, merged, by title with 'other' last; the base is not offered."""
        books = [self.get(i) for i in self.entries]
        return sorted((b for b in books if b.listed()), key=lambda b: (b.id == "other", (b.title or b.id).lower()))


def _prompt_loc(pb: Playbook, prompt_id: str, key: str) -> tuple[Any, ...]:
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
