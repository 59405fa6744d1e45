"""A postgresql:// URL read the way libpq reads it, so it can be shown without its password.

libpq (conninfo_uri_parse_options) takes the user part up to the first '@' seen before any '/', so a
password may hold '#', '?' or ':' as they are; '@' and '/' must be percent-encoded (%40, %2F). A URL
where they are not would put part of the password into the host or database name, so such a URL is
never shown, only refused. Nothing here imports psycopg.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from recoverycli.errors import StoreError
from recoverycli.files import URL_SCHEME

SCHEMES = ("postgresql://", "postgres://")
# A driver suffix as SQLAlchemy writes it: the same server, reached through libpq all the same.
PG_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2", "postgres+psycopg"}
# scheme:// (also jdbc:postgresql://); a path argument has been through pathlib, which makes it scheme:/
_URL = re.compile(rf"({URL_SCHEME})://(.*)", re.S)
_PATH_URL = re.compile(rf"({URL_SCHEME}):/(?!/)(.*)", re.S)
# libpq's keyword=value connection string (only its own keywords, so a file named a=b.db stays a file)
_CONNINFO_KEYS = (
    "host|hostaddr|port|dbname|user|password|passfile|service|sslmode|sslpassword|connect_timeout|"
    "application_name|options|target_session_attrs|channel_binding|gssencmode|krbsrvname|sslcert|sslkey|sslrootcert"
)
_CONNINFO = re.compile(rf"\s*({_CONNINFO_KEYS})\s*=", re.I)
_CONNINFO_ITEM = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'?|\S*)", re.S)
HIDDEN = "***"
OPAQUE = "…"


class UnreadableUrl(ValueError):
    """libpq would split this URL somewhere the user did not mean (an '@' or '/' in the password)."""


def _secret_key(key: str) -> bool:
    return "password" in key.lower()  # password=, sslpassword=


@dataclass
class PgUrl:
    scheme: str
    user: str | None = None  # as written (percent-encoded), None without a user part
    password: str | None = None  # as written
    hosts: str = ""
    dbname: str | None = None
    params: list[tuple[str, str]] = field(default_factory=list)

    def display(self) -> str:
        """The URL as it may be shown anywhere: every password is ***."""
        out = self.scheme
        if self.user is not None:
            out += self.user + (f":{HIDDEN}" if self.password is not None else "") + "@"
        out += self.hosts
        if self.dbname is not None:
            out += "/" + self.dbname
        if self.params:
            out += "?" + "&".join(f"{k}={HIDDEN if _secret_key(k) else v}" for k, v in self.params)
        return out

    def secrets(self) -> list[str]:
        """Each password as written and as libpq decodes it, longest first, to scrub from server messages."""
        found = [self.password] if self.password else []
        found += [v for k, v in self.params if _secret_key(k) and v]
        return sorted({s for raw in found for s in (raw, unquote(raw))}, key=len, reverse=True)


def parse(url: str, any_scheme: bool = False) -> PgUrl:
    """Split a postgresql:// URL as libpq does; UnreadableUrl if its parts cannot be told apart.

    any_scheme: split another kind of URL (mysql://…) the same way, only to show it without its password."""
    scheme = next((s for s in SCHEMES if url.startswith(s)), None)
    if scheme is None and any_scheme and (m := _URL.match(url)):
        scheme = m.group(1) + "://"
    if scheme is None:
        raise UnreadableUrl("not a postgresql:// URL")
    rest = url[len(scheme) :]
    out = PgUrl(scheme)
    cut = next((i for i, c in enumerate(rest) if c in "@/"), len(rest))
    if cut < len(rest) and rest[cut] == "@":
        user, colon, password = rest[:cut].partition(":")
        out.user, out.password = user, (password if colon else None)
        rest = rest[cut + 1 :]
    end = next((i for i, c in enumerate(rest) if c in "/?"), len(rest))
    out.hosts, rest = rest[:end], rest[end:]
    if rest.startswith("/"):
        db, mark, query = rest[1:].partition("?")
        out.dbname, rest = db, (mark + query)
    if rest.startswith("?"):
        for item in filter(None, rest[1:].split("&")):
            key, eq, value = item.partition("=")
            if not eq or not key or "@" in key or "/" in key:
                raise UnreadableUrl("a query parameter is not key=value")
            out.params.append((key, value))
    if "@" in out.hosts or (out.dbname is not None and "@" in out.dbname):
        raise UnreadableUrl("an '@' after the user part")
    if out.user is not None and "?" in out.user:
        raise UnreadableUrl("a '?' before the user part ends")
    return out


def redact(url: str) -> str:
    """The URL as it may be shown: passwords in the user part or as parameters become ***; an unreadable URL
    shows its scheme only."""
    try:
        return parse(url).display()
    except UnreadableUrl:
        scheme = next((s for s in SCHEMES if url.startswith(s)), "")
        return scheme + OPAQUE


def secrets(url: str) -> list[str]:
    try:
        return parse(url).secrets()
    except UnreadableUrl:
        return []


def looks_like_url(text: str) -> bool:
    """scheme://… or a libpq key=value string: a database, never a file name."""
    text = str(text).strip()
    return bool(_URL.match(text) or _CONNINFO.match(text))


def path_is_url(path: object) -> bool:
    """A path argument that is really a URL: typer made it a Path, which turned scheme:// into scheme:/."""
    text = str(path).strip()
    return looks_like_url(text) or bool(_PATH_URL.match(text) and not text.startswith("/"))


def shown(text: object) -> str:
    """Any store location, path or URL as it may be shown: a URL of any scheme (also one a Path collapsed to
    scheme:/) and a libpq key=value string lose their passwords; a plain path is itself."""
    raw = str(text)
    bare = raw.strip()
    if (m := _PATH_URL.match(bare)) and not _URL.match(bare) and not bare.startswith("/"):
        bare = f"{m.group(1)}://{m.group(2)}"
    if _CONNINFO.match(bare):
        return _conninfo_display(bare)
    if not (m := _URL.match(bare)):
        return raw
    try:
        return parse(bare, any_scheme=True).display()
    except UnreadableUrl:
        return m.group(1) + "://" + OPAQUE


def _conninfo_display(text: str) -> str:
    parts = []
    for m in _CONNINFO_ITEM.finditer(text):
        key, value = m.group(1), m.group(2)
        parts.append(f"{key}={HIDDEN if _secret_key(key) else value}")
    return " ".join(parts) or OPAQUE


def store_location(raw: str) -> str:
    """--store / RECOVER_STORE as recover uses it, or a StoreError that shows it without its password.

    Whitespace around it is dropped (a copy-paste, an env file saved with CRLF): nobody means a store named
    'cases.db\\r'. A PostgreSQL URL is recognised whatever the case of its scheme (and with SQLAlchemy's
    +psycopg); any other URL, and libpq's key=value form, is refused — never taken as a file name.
    """
    text = raw.strip()
    if not text:
        raise StoreError(
            "the store location (--store or RECOVER_STORE) is blank — give a file path or a URL, or unset it"
        )
    if _CONNINFO.match(text):
        raise StoreError(
            f"{_conninfo_display(text)}: recover takes the shared store as a URL, not key=value — "
            "write it as postgresql://USER:PASSWORD@HOST:PORT/DBNAME"
        )
    if m := _URL.match(text):
        scheme = m.group(1).lower()
        if scheme in ("postgresql", "postgres"):
            return f"{scheme}://{m.group(2)}"
        if scheme in PG_SCHEMES:
            return f"postgresql://{m.group(2)}"
        raise StoreError(
            f"{shown(text)}: recover cannot use a {m.group(1)}:// store — give a postgresql:// URL or a file path"
        )
    return text
