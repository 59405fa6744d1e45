"""Safe YAML reading that remembers where every value came from, for file:line:col errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 512 * 1024
MAX_VALUES = 20_000  # reached through aliases (an alias bomb); a plain file of MAX_BYTES may hold 5 × as many
MAX_PLAIN_VALUES = 100_000
MAX_DEPTH = 64
MAX_DIGITS = 100  # an integer longer than this is a mistake (and past 4,300 digits Python refuses to read it)

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, printed as `file:line:col: message`."""

    file: str
    line: int
    col: int
    message: str
    level: str = "error"
    check: str = "yaml"  # yaml (reading), schema (what the published JSON Schema says), or a check beyond it

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Source:
    """Parsed data plus the position of every value (and of every mapping key)."""

    file: str
    data: Any
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Loc, key: bool = False) -> tuple[int, int]:
        """Position of `loc`, or of its nearest parent that has one."""
        table = self.keys if key else self.values
        for n in range(len(loc), -1, -1):
            if (pos := table.get(tuple(loc[:n]))) is not None:
                return pos
            if (pos := self.values.get(tuple(loc[:n]))) is not None:
                return pos
        return (1, 1)

    def problem(
        self, loc: Loc, message: str, key: bool = False, level: str = "error", check: str = "semantic"
    ) -> Problem:
        line, col = self.where(loc, key)
        return Problem(self.file, line, col, message, level, check)


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_INT = "tag:yaml.org,2002:int"

# YAML 1.2's core schema, as editors, check-jsonschema and ruamel read a file: `yes`, `no`, `on`, `off`, `1:20`, `010`
# and `2026-12-01` keep the meaning a reader sees (text, text, text, text, text, ten, text), not PyYAML's YAML 1.1 one.
_CORE_SCHEMA: list[tuple[str, str, str]] = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (
        "tag:yaml.org,2002:merge",
        r"^(?:<<)$",
        "<",
    ),  # not YAML 1.2, but named in our error so a trainer knows to write keys out
]


def _core_schema(loader: type) -> type:
    """`loader` resolving plain scalars by YAML 1.2's core schema instead of YAML 1.1's."""
    import re

    resolvers: dict[str | None, list[tuple[str, Any]]] = {}
    for tag, pattern, first in _CORE_SCHEMA:
        for ch in list(first) + ([None] if tag.endswith("null") else []):  # None: the empty scalar
            resolvers.setdefault(ch, []).append((tag, re.compile(pattern)))
    return type(f"Core{loader.__name__}", (loader,), {"yaml_implicit_resolvers": resolvers})


_Loader = _core_schema(
    getattr(yaml, "CSafeLoader", yaml.SafeLoader)
)  # libyaml's parser when present: same nodes, faster
_PyLoader = _core_schema(yaml.SafeLoader)


def _int(text: str) -> int:
    """A YAML 1.2 core integer: decimal (leading zeros allowed), 0o octal or 0x hex."""
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.aliased = 0  # values read again through an alias
        self.seen: set[int] = set()
        self.src = Source(file, None)
        self.constructor = yaml.SafeLoader("")

    def joined(self, node: yaml.Node) -> str:
        """A \\uXXXX pair as json.dump writes an emoji ("\\ud83d\\ude00") is one character; half a pair is none."""
        try:
            return str(node.value.encode("utf-16-le", "surrogatepass").decode("utf-16-le"))
        except UnicodeDecodeError as e:
            lone = node.value.encode("utf-16-le", "surrogatepass")[e.start : e.start + 2].decode(
                "utf-16-le", "surrogatepass"
            )
            raise self.fail(
                node,
                f"\\u{ord(lone):04x} is half of a character (a lone surrogate), not text — write the character "
                "itself, or both halves of its \\uXXXX pair",
            ) from None

    def fail(self, node: yaml.Node, message: str) -> YamlProblem:
        line, col = _pos(node)
        return YamlProblem(Problem(self.file, line, col, message))

    def value(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if id(node) in self.seen:
            self.aliased += 1
        else:
            self.seen.add(id(node))
        if self.aliased > MAX_VALUES:
            raise self.fail(
                node, f"more than {MAX_VALUES} values through aliases — remove repeated anchors and aliases"
            )
        if self.count > MAX_PLAIN_VALUES:
            raise self.fail(node, f"more than {MAX_PLAIN_VALUES} values — split the file into smaller ones")
        if len(loc) > MAX_DEPTH:
            raise self.fail(node, f"nested deeper than {MAX_DEPTH} levels — flatten the structure")
        self.src.values[loc] = _pos(node)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            raise self.fail(node, f"unsupported tag '{_short(node.tag)}' — remove it; playbooks are plain YAML")
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    raise self.fail(knode, "a key must be plain text — write `name: value`")
                if knode.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(knode, "merge keys (<<) are not supported — write the keys out")
                key = self.scalar(knode)
                if not isinstance(key, (str, int, bool)) and key is not None:
                    key = knode.value
                if key in out:
                    first = self.src.keys[loc + (key,)][0]
                    raise self.fail(knode, f"duplicate key '{key}' (first on line {first}) — keep only one")
                self.src.keys[loc + (key,)] = _pos(knode)
                out[key] = self.value(vnode, loc + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, loc + (i,)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        """A scalar (mappings and sequences are read by `value`); dates stay text, long numbers are refused."""
        if isinstance(node.value, str) and _SURROGATE.search(node.value):
            node.value = self.joined(node)
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text; the model parses them
        if node.tag == _INT:
            if len(node.value) > MAX_DIGITS:
                raise self.fail(node, f"a number {len(node.value)} characters long — put it in quotes if it is text")
            return _int(node.value)
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError):
            raise self.fail(
                node, f"unsupported tag '{_short(node.tag)}' — remove it; playbooks are plain YAML"
            ) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _compose(text: str, loader_class: Any) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def read_yaml(path: Path, label: str | None = None) -> Source:
    """Read one YAML document safely; any problem is a YamlProblem with file:line:col."""
    from recoverycli.files import FileRefused, is_urlish, read_limited

    file = label or str(path)
    try:
        raw = read_limited(path, MAX_BYTES, "YAML file")  # a FIFO or /dev/zero is refused, never read forever
    except FileRefused as e:
        raise YamlProblem(Problem("(a URL)" if is_urlish(path) else file, 1, 1, e.reason)) from None
    return parse_yaml(raw, file)


def parse_yaml(raw: bytes | str, file: str) -> Source:
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            raise YamlProblem(Problem(file, line, 1, "not UTF-8 text — save the file as UTF-8")) from None
    else:
        text = raw
    reader = _Reader(file)
    try:
        try:
            node = _compose(text, _Loader)
        except yaml.YAMLError:
            if deep := _too_deep(text, file):  # libyaml gives up at 1,000 levels; Python's parser would take minutes
                raise YamlProblem(deep) from None
            node = _compose(text, _PyLoader)  # the pure-Python parser words errors the same everywhere
    except RecursionError:  # the composer recurses per level: find where the nesting went too deep, without it
        raise YamlProblem(
            _too_deep(text, file)
            or Problem(file, 1, 1, f"nested deeper than {MAX_DEPTH} levels — flatten the structure")
        ) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = (e.problem or e.context or "invalid YAML").strip()
        raise YamlProblem(
            Problem(file, line, col, f"YAML syntax error: {what} — check indentation, colons and quotes here")
        ) from None
    except yaml.reader.ReaderError as e:
        before = text[: e.position]
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        code = e.character if isinstance(e.character, int) else ord(e.character)
        raise YamlProblem(
            Problem(file, line, col, f"control character U+{code:04X} is not allowed in YAML — delete it")
        ) from None
    except yaml.YAMLError as e:
        what = " ".join(str(e).split())
        raise YamlProblem(Problem(file, 1, 1, f"YAML error: {what} — check the file")) from None
    if node is None:
        reader.src.data = None
        return reader.src
    reader.src.data = reader.value(node, ())
    return reader.src


def _too_deep(text: str, file: str) -> Problem | None:
    """Where a document nests deeper than MAX_DEPTH, found from the parser's events (a loop, not recursion)."""
    loader = yaml.SafeLoader(text)  # libyaml's scanner gives up at 1,000 levels before any event says where
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH + 1:  # the reader's limit: a collection 65 levels below the top
                    mark = event.start_mark  # the loader marks every event; the stubs allow None
                    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                    return Problem(file, line, col, f"nested deeper than {MAX_DEPTH} levels — flatten the structure")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return None


class _BlockDumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, the way a trainer writes it."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)
