"""A postgresql:// URL read the way libpq reads it, so it can be shown without its password.

libpq (conninfo_uri_parse_options) takes the user part up to the first '@' seen before any '/', so a
password may hold '#', '?' or ':' as they are; '@' and '/' must be percent-encoded (%40, %2F). A URL
where they are not would put part of the password into the host or database name, so such a URL is
never shown, only refused. Nothing here imports psycopg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

SCHEMES = ("postgresql://", "postgres://")
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


def parse(url: str) -> PgUrl:
    """Split a postgresql:// URL as libpq does; UnreadableUrl if its parts cannot be told apart."""
    scheme = next((s for s in SCHEMES if url.startswith(s)), None)
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
