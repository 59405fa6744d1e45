"""`recover playbook lint`: every problem in a trainer's files, not just the first."""

from __future__ import annotations

import re
from pathlib import Path

from recoverycli.playbooks.library import (
    BASE_ID,
    NOT_PLAYBOOKS,
    Entry,
    Library,
    bundled_dir,
    playbook_files,
    search_dirs,
)
from recoverycli.playbooks.schema import PLACEHOLDERS, Playbook
from recoverycli.playbooks.source import Problem

PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")


ANSWERS_SUFFIXES = (".answers.yaml", ".answers.yml")


def expand(paths: list[Path]) -> tuple[list[Path], list[Problem], list[str]]:
    """The files to check (each file given, the playbooks in each directory given), a problem for each directory with
    none, and every name in the order given."""
    out: list[Path] = []
    problems: list[Problem] = []
    order: list[str] = []
    for p in paths:
        found = playbook_files(p) if p.is_dir() else [p]
        if not found:
            problems.append(
                Problem(
                    str(p),
                    1,
                    1,
                    "no playbook files in this directory (*.yaml; answers files and coach.yaml "
                    "are not playbooks) — point lint at a playbook file or directory",
                )
            )
            order.append(str(p))
        out += found
        order += [str(f) for f in found]
    return out, problems, order


def not_a_playbook(f: Path) -> Problem | None:
    """A file lint was given that is not a playbook at all: saying so beats '0 error(s)'."""
    if not f.exists():
        return Problem(str(f), 1, 1, "no such file — check the path")
    if not f.is_file():
        return Problem(str(f), 1, 1, "not a file — give a playbook file or a directory of them")
    if f.name.endswith(ANSWERS_SUFFIXES):
        return Problem(
            str(f), 1, 1, "an answers file, not a playbook — try it with `recover playbook drill ID --answers FILE`"
        )
    if f.name in NOT_PLAYBOOKS:
        return Problem(str(f), 1, 1, "coach rules, not a playbook — check them with `recover coach test FILE`")
    if f.suffix not in (".yaml", ".yml"):
        return Problem(
            str(f),
            1,
            1,
            f"not a playbook: lint reads YAML playbooks (*.yaml), not '{f.suffix or f.name}' files "
            "— give a playbook file or a directory of them",
        )
    return None


def lint(paths: list[Path] | None, extra_dirs: list[Path] | None = None) -> tuple[list[str], list[Problem]]:
    """Every file checked (as it will be named) and every problem in them, file by file, each file's in line order."""
    dirs = search_dirs(extra_dirs)
    if paths:
        files, problems, checked = expand(paths)
    else:
        files, problems = [f for d in dirs for f in playbook_files(d)], []
        checked = [str(f) for f in files]
    readable = [f for f in files if not_a_playbook(f) is None]
    lib = Library(dirs + sorted({f.parent for f in readable} - set(dirs)), salvage=True)
    base = Library([bundled_dir()])
    for f in files:
        refused = not_a_playbook(f)
        problems += [refused] if refused else _file_problems(f, lib, base)
    return checked, problems


def _file_problems(f: Path, lib: Library, base: Library) -> list[Problem]:
    """One file's problems in line order: its shape, then every check beyond the schema that can still run."""
    problems = list(lib.problems.get(f, []))
    entry = lib.by_path.get(f.resolve())
    if entry is not None:
        merging: list[Problem] = []
        merged = lib.resolve(entry, problems=merging)
        mine = [p for p in merging if p.file == entry.source.file]  # a parent's own mistakes are reported in its file
        problems += mine
        if not mine and (chain := _chain_problem(lib, entry)) is not None:
            problems.append(chain)
        problems += lib.merged_problems(merged, entry, parent_known=lib.parent_known(entry.playbook)) + advice(
            merged, entry, base
        )
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line, p.col))


def _chain_problem(lib: Library, entry: Entry) -> Problem | None:
    """A loop or a missing link further up the `extends` chain, said at this file's own `extends` line."""
    pb, src = entry.playbook, entry.source
    if lib.parent_known(pb):  # remembered per id: the walk below only for a chain that breaks
        return None
    seen = [pb.id]
    pid = pb.extends
    while pid is not None:
        if pid in seen:
            loop = " -> ".join([*seen, pid])
            return src.problem(("extends",), f"'extends' makes a loop ({loop}) — extend '{BASE_ID}' instead")
        if pid not in lib.entries:
            return src.problem(
                ("extends",),
                f"extends '{pb.extends}', whose chain cannot be followed ('{seen[-1]}' extends "
                f"'{pid}', which no playbook has) — fix '{seen[-1]}' first",
            )
        seen.append(pid)
        pid = lib.entries[pid].playbook.extends
    return None


def advice(pb: Playbook, entry: Entry, base: Library) -> list[Problem]:
    """Beyond the schema: what would make the playbook weaker in a real call."""
    from recoverycli import coach

    rules = coach.default_rules()
    src, own = entry.source, entry.playbook
    out: list[Problem] = []
    for i, step in enumerate(own.steps):
        merged_step = next(s for s in pb.steps if s.id == step.id)
        if not merged_step.prompts:
            out.append(
                src.problem(
                    ("steps", i, "id"),
                    f"step '{step.id}' asks nothing — add a prompt so the clerk records this step",
                    level="warning",
                )
            )
        texts = [("guidance", step.guidance or "")] + [(f"say[{k}]", t) for k, t in enumerate(step.say)]
        texts += [(f"adapt[{k}]", a.guidance) for k, a in enumerate(step.adapt)]
        for where, text in texts:
            for flag in coach.check(
                PLACEHOLDER.sub("Ana", text), rules
            ):  # what the clerk is told to say must pass the coach
                loc = ("steps", i, where.split("[")[0]) + ((int(where.split("[")[1][:-1]),) if "[" in where else ())
                out.append(
                    src.problem(
                        loc,
                        f"{where.split('[')[0]} contains “{flag.match}” ({flag.rule}): {flag.reason} — "
                        f"{flag.suggestion}",
                        level="warning",
                    )
                )
            for name in PLACEHOLDER.findall(text):
                if name not in PLACEHOLDERS:
                    loc = ("steps", i, where.split("[")[0]) + ((int(where.split("[")[1][:-1]),) if "[" in where else ())
                    out.append(
                        src.problem(
                            loc,
                            f"unknown placeholder '{{{name}}}' — use one of: "
                            f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                        )
                    )
    out += _own_other_choices(entry)
    if pb.gestures and not any(g.consumable for g in pb.gestures):
        out.append(
            src.problem(
                ("gestures",),
                "no gesture is consumable — add something they can enjoy and use up (a meal, flowers, an upgrade)",
                level="warning",
            )
        )
    original = base.entries.get(own.id)
    if original is not None and not entry.bundled:
        changed = original.playbook.model_dump(exclude={"version"}) != own.model_dump(exclude={"version"})
        if changed and own.version <= original.playbook.version:
            out.append(
                src.problem(
                    ("version",) if "version" in src.data else ("id",),
                    f"content differs from the bundled '{own.id}' but version is still {own.version} — set `version: "
                    f"{original.playbook.version + 1}`",
                    level="warning",
                )
            )
    return out


# A choice that means "none of these, I'll type it": the built-in "Something else (type it)" already is one.
TYPE_YOUR_OWN = re.compile(
    r"^(?:(?:some|any)(?:thing|one|where)\s+else|else|others?|none of (?:these|the above)|"
    r"type (?:it|your own))\b",
    re.IGNORECASE,
)


def _own_other_choices(entry: Entry) -> list[Problem]:
    """A choice list that offers its own "something else" shows the clerk two of them."""
    from recoverycli.playbooks.schema import OTHER_CHOICE

    own, src = entry.playbook, entry.source
    out: list[Problem] = []
    for i, step in enumerate(own.steps):
        for j, p in enumerate(step.prompts):
            if p.type != "choice" or not p.allow_other:
                continue
            for k, c in enumerate(p.choices):
                text = c if isinstance(c, str) else c.label
                if TYPE_YOUR_OWN.match(text.strip()):
                    out.append(
                        src.problem(
                            ("steps", i, "prompts", j, "choices", k),
                            f"choice '{text}' duplicates the built-in “{OTHER_CHOICE}” — remove it, "
                            f"or set `allow_other: false` to keep your own",
                            level="warning",
                        )
                    )
    return out


def line(p: Problem) -> str:
    return f"{p.file}:{p.line}:{p.col}: {p.level}: {p.message}"
