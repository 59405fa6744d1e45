"""A channel URL holds a password or a token: how a URL is shown (`#2 mailtos://mail.example.org`), and every part of
it that may be secret, found by parsing it, to take out of any text that comes back from a send."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$", re.IGNORECASE)


def _plain_host(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST.match(host))


def safe_label(url: str) -> str:
    """`scheme://host` when the host is a real host name or address and where it is cannot be in doubt, else
    `scheme://…`: many services keep a token where a host would be (slack://TOKEN/…), and a password with an
    unencoded / ? or # ends the host part early, leaving a piece of the password where the host seems to be."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower() if sep and re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]{0,20}", scheme) else "?"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    after, _, query = rest[len(netloc) :].partition("?")
    # an @ after the host part, other than inside a query value (?to=someone@example.org), means a password's
    # unencoded / ? or # cut the host part short
    doubtful = "@" in after or any("@" in pair and "=" not in pair.split("@")[0] for pair in re.split(r"[&;]", query))
    plain = host and not doubtful and _plain_host(host) and not any(host in p for p in _passwords(url, greedy=False))
    shown = host if plain else "…"
    return f"{scheme}://{shown}"


def _passwords(url: str, greedy: bool = True) -> set[str]:
    """The password as each way of reading the URL finds it: the standard split, and (greedy) everything up to the
    last @, as if / ? # in it had been left unencoded."""
    out: set[str] = set()
    rest = url.partition("://")[2]
    readings = [re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[0]]
    if greedy:
        readings.append(rest.rpartition("@")[0])
    for userinfo in readings:
        if ":" in userinfo:
            out.add(userinfo.split(":", 1)[1])
    return {p for p in out if p}


def url_secrets(url: str) -> set[str]:
    """Every part of a URL that may be a secret, as written and percent-decoded: the URL itself, the password, user,
    path segments and query values (services keep tokens there). Text is redacted by replacing these."""
    found: set[str] = {url, url.partition("://")[2]}
    found |= _passwords(url)
    rest = url.partition("://")[2]
    for userinfo in (rest.split("/")[0].rpartition("@")[0], rest.rpartition("@")[0]):
        found.add(userinfo)
        found.add(userinfo.split(":", 1)[0])
        # an unencoded @ in a password: a service takes what follows it for the host and names it in its error
        found |= {piece for part in userinfo.split("@") for piece in (part, *part.split(":"))}
    try:
        parts = urlsplit(url)
        found |= {parts.username or "", parts.password or "", parts.fragment}
        found |= set(parts.path.split("/"))
        for pair in re.split(r"[&;]", parts.query):
            found.add(pair.partition("=")[2])
        if parts.hostname and not _plain_host(parts.hostname):
            found.add(parts.hostname)
    except ValueError:
        pass
    found |= {unquote(s) for s in found}
    found |= {s.replace("+", " ") for s in found}
    passwords = _passwords(url) | {unquote(p) for p in _passwords(url)}
    found |= {quote(p, safe="") for p in passwords}  # as a service might echo it back, encoded
    return {s for s in found if len(s) >= 3 or (s and s in passwords)}


def ambiguous_at(url: str) -> bool:
    """More than one @ before the path: a password holds an unencoded @, and the service would take the rest of the
    password for the host (and look it up, and name it in its error)."""
    authority = re.split(r"[/?#]", url.partition("://")[2], maxsplit=1)[0]
    return authority.count("@") > 1


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by ***, longest first (a password inside the whole URL goes with it)."""
    for s in sorted(set(secrets), key=len, reverse=True):
        if s:
            text = text.replace(s, "***")
    return text
