"""The published layout: where each public document of the site lives as a file.

``saylau publish`` writes the site as static files and ``saylau serve`` answers the
same layout (:mod:`saylau.web.published`), so a published file and the server's
answer for its path are the same bytes.  The layout, for a language ``xx``:

* a page ``/contests/a`` → ``xx/contests/a/index.html`` (URL ``xx/contests/a/``),
  a page with a file name (``/contests/a/statement.pdf``) → ``xx/contests/a/statement.pdf``;
* a JSON document ``/api/v1/contests/a`` → ``api/v1/contests/a.json`` (the same in
  every language); downloads keep their names, the level of an export goes into it
  (``export.csv?level=region`` → ``export.region.csv``);
* an asset ``/static/site.css`` → ``static/site.<hash>.css`` (content-hashed, so it
  can be cached forever); ``/openapi.json`` keeps its name.

Pages of the layout link each other by *relative* URLs (:func:`rewrite_links`), so a
mirror works from any sub-path.  Anything else (the commission's workspace, forms
with parameters) is not published and its links stay as they are.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from saylau.web.i18n import LANGUAGES

STATIC = Path(__file__).parent / "static"
#: Paths under these prefixes need an account: never published.
PRIVATE = ("/commission", "/auth", "/audit", "/accounts", "/work", "/sign-")
#: Query parameters a published document may depend on (``lang`` becomes the folder).
_EXPORT = re.compile(r"^(/api/v1/contests/[^/]+/)(export)\.(csv|json)$")
_EXPORT_FILE = re.compile(r"^(/api/v1/contests/[^/]+/)export\.([a-z]+)\.(csv|json)$")
_NATIVE = re.compile(r"^/api/v1/contests/[^/]+/(nist\.json|export\.(csv|json))$")
_HASHED = re.compile(r"^/static/(?P<stem>[^/]+)\.(?P<hash>[0-9a-f]{10})\.(?P<ext>[a-z0-9]+)$")
#: The root of a mirror: a chooser of the three languages (not a page of the app).
ROOT_INDEX = "index.html"


@dataclass(frozen=True)
class Target:
    """An application request behind a published path: ``path`` (decoded), the
    ``query`` it selects and the page ``lang`` (None: not a page)."""

    path: str
    query: tuple[tuple[str, str], ...] = ()
    lang: str | None = None

    @property
    def query_string(self) -> str:
        return urlencode(self.query)


@cache
def asset_hashes() -> dict[str, str]:
    """Every static asset's name → the first 10 hex digits of its SHA-256."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10]
        for p in sorted(STATIC.iterdir())
        if p.is_file()
    }


def hashed_name(name: str) -> str | None:
    """``site.css`` → ``site.<hash>.css`` (None: no such asset)."""
    digest = asset_hashes().get(name)
    if digest is None:
        return None
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


def _safe(path: str) -> bool:
    return ".." not in path.split("/") and "\x00" not in path and "\\" not in path


def file_for(path: str, query: dict[str, str], lang: str) -> str | None:
    """The published file (relative, decoded) of the app's ``path`` with ``query``,
    seen from a page in ``lang``; None when it is not published."""
    if not path.startswith("/") or not _safe(path) or path.startswith(PRIVATE):
        return None
    lang = query.get("lang", lang).strip().lower()
    rest = {k: v for k, v in query.items() if k != "lang"}
    if lang not in LANGUAGES:
        return None
    if path.startswith("/static/"):
        name = hashed_name(path.removeprefix("/static/"))
        return f"static/{name}" if name and not rest else None
    if path == "/openapi.json":
        return None if rest else "openapi.json"
    if path.startswith("/api/"):
        export = _EXPORT.match(path)
        if export and set(rest) <= {"level"}:
            level = rest.get("level")
            if level is not None and not level.isalpha():
                return None
            name = f"export.{level}.{export[3]}" if level else f"export.{export[3]}"
            return export[1].lstrip("/") + name
        if rest:
            return None
        if _NATIVE.match(path):
            return path.lstrip("/")
        return path.rstrip("/").lstrip("/") + ".json"
    if rest:
        return None
    last = path.rstrip("/").rpartition("/")[2]
    if "." in last:
        return f"{lang}{path}"
    return f"{lang}{path.rstrip('/')}/index.html"


def url_of(file: str) -> str:
    """The URL path (percent-encoded, from the mirror's root) that serves ``file``
    (the mirror's own root page keeps its name: the server's ``/`` is its home page)."""
    if file.endswith("/index.html"):
        file = file.removesuffix(ROOT_INDEX)
    return "/" + quote(file)


def target_of(url_path: str) -> Target | str | None:
    """The app request behind a published URL path (decoded), a redirect target
    (``str``: the page's URL with its trailing slash), or None when ``url_path`` is
    not in the published layout (the app answers it as it is)."""
    if not _safe(url_path):
        return None
    if url_path == "/" + ROOT_INDEX:
        return Target(url_path)
    head, _, rest = url_path.lstrip("/").partition("/")
    if head in LANGUAGES:
        rest = "/" + rest
        if rest.endswith("/index.html"):
            rest = rest.removesuffix("index.html")
        last = rest.rpartition("/")[2]
        if last and "." not in last:
            return url_path + "/"
        app_path = rest.rstrip("/") or "/"
        if app_path.startswith(PRIVATE):
            return None
        return Target(app_path, lang=head)
    hashed = _HASHED.match(url_path)
    if hashed:
        name = f"{hashed['stem']}.{hashed['ext']}"
        return Target(f"/static/{name}") if asset_hashes().get(name) == hashed["hash"] else None
    if url_path.startswith("/api/"):
        export = _EXPORT_FILE.match(url_path)
        if export:
            return Target(f"{export[1]}export.{export[3]}", (("level", export[2]),))
        if _NATIVE.match(url_path) or not url_path.endswith(".json"):
            return None
        return Target(url_path.removesuffix(".json"))
    return None


_LINK = re.compile(r'(?P<attr>\b(?:href|src)=")(?P<url>/[^"]*)"')


def relative(file: str, base_dir: str) -> str:
    """The relative URL of published ``file`` from a page in folder ``base_dir``."""
    if file == ROOT_INDEX or file.endswith("/index.html"):
        folder = posixpath.dirname(file)
        rel = _relpath(folder, base_dir) if folder != base_dir else "."
        return quote(rel) + "/"
    return quote(_relpath(file, base_dir))


def _relpath(path: str, start: str) -> str:
    """``posixpath.relpath`` of two folder-relative paths (``"/" +`` each), by their
    segments: a page has dozens of links and a publish tens of thousands of pages."""
    to, at = path.split("/"), start.split("/") if start else []
    if "" in to or "." in to or "" in at or "." in at:  # not plain segments: the library
        return posixpath.relpath("/" + path, "/" + start)
    common = 0
    for a, b in zip(to, at, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(at) - common) + to[common:]) or "."


@lru_cache(maxsize=65536)
def _published_file(raw: str, lang: str) -> tuple[str | None, str]:
    """The published file a page's link ``raw`` (as written in the page, escaped)
    leads to in ``lang``, and the link's fragment."""
    parts = urlsplit(html.unescape(raw))
    return file_for(unquote(parts.path), dict(parse_qsl(parts.query)), lang), parts.fragment


def rewrite_links(page: str, page_file: str, lang: str, found: set[str] | None = None) -> str:
    """Turn the root-relative links of a page into relative links to the published
    layout (assets to their hashed names); links to what is not published stay.
    ``found`` collects the published files linked to."""
    base_dir = posixpath.dirname(page_file)

    def one(match: re.Match[str]) -> str:
        file, fragment = _published_file(match["url"], lang)
        if file is None:
            return match.group(0)
        if found is not None:
            found.add(file)
        link = relative(file, base_dir) + (f"#{fragment}" if fragment else "")
        return f'{match["attr"]}{html.escape(link)}"'

    return _LINK.sub(one, page)


def root_index() -> bytes:
    """The mirror's root page: a link to the site in each language."""
    links = "".join(
        f'<li><a href="{code}/" hreflang="{code}" lang="{code}">{name}</a></li>'
        for code, name in (("en", "English"), ("ru", "Русский"), ("kk", "Қазақша"))
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Election results</title></head><body><ul>{links}</ul></body></html>\n"
    ).encode()
