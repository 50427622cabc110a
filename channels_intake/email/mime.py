"""The standard library's e-mail parser (``email.feedparser``, compat32 policy), without its one
regular-expression compile per MIME boundary.

For every multipart the standard library compiles ``(?P<sep>--BOUNDARY)(?P<end>--)?(?P<ws>[ \\t]*)
(?P<linesep>\\r\\n|\\r|\\n)?$`` with the message's own boundary: unique per message, so ``re``'s
cache never hits and each message pays for the pattern's parse and compile (about a third of
parsing a small message). ``message_from_bytes`` runs the standard library's own parsing code
(``FeedParser._parsegen``, the same function object's code) with one difference: the ``re`` it
sees compiles exactly that pattern to ``BoundaryPattern``, a plain-string matcher giving the same
answers (tests/channels_intake/email/test_mime.py compares it with the compiled pattern over
generated lines, and the parsed messages with ``email.parser.BytesParser``'s). Every other pattern,
and that one if its text differs (another Python version), goes to ``re.compile`` as before."""

from __future__ import annotations

import re
import types
from email import feedparser
from email._policybase import compat32
from email.message import Message
from typing import Any

_HEAD = "(?P<sep>"
_TAIL = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_ESCAPED = re.compile(r"\\(.)", re.S)
_GROUPS = {"sep": 1, "end": 2, "ws": 3, "linesep": 4}
_LINESEPS = ("\r\n", "\r", "\n")


class BoundaryMatch:
    """What ``re.Match.group`` gives for the boundary pattern's match."""

    __slots__ = ("_values",)

    def __init__(self, whole: str, sep: str, end: str | None, ws: str, linesep: str | None) -> None:
        self._values = (whole, sep, end, ws, linesep)

    def group(self, *names: int | str) -> Any:
        found = tuple(self._values[_GROUPS[n] if isinstance(n, str) else n] for n in names or (0,))
        return found[0] if len(found) == 1 else found


class BoundaryPattern:
    """``re.compile(_HEAD + re.escape(separator) + _TAIL).match`` without a regular expression:
    the separator at the start, ``--`` if it follows, spaces and tabs, at most one line ending,
    then the end of the line (``$``: the end, or just before a final newline)."""

    __slots__ = ("separator",)

    def __init__(self, separator: str) -> None:
        self.separator = separator

    def match(self, line: str) -> BoundaryMatch | None:
        sep = self.separator
        if not line.startswith(sep):
            return None
        at = len(sep)
        end = None
        if line.startswith("--", at):
            end = "--"
            at += 2
        stop = at
        length = len(line)
        while stop < length and line[stop] in " \t":
            stop += 1
        ws, rest = line[at:stop], line[stop:]
        linesep = None
        if rest and rest != "\n":
            linesep = next((s for s in _LINESEPS if rest.startswith(s)), None)
            if linesep is None or rest[len(linesep) :] not in ("", "\n"):
                return None
        whole = line[: length - 1] if linesep is not None and len(rest) > len(linesep) else line
        if linesep is None and rest == "\n":
            linesep = "\n"
        return BoundaryMatch(whole, sep, end, ws, linesep)


def boundary_compile(pattern: Any, flags: int = 0) -> Any:
    """``re.compile``, but the boundary pattern (exactly its text) as a ``BoundaryPattern``."""
    if flags == 0 and isinstance(pattern, str) and pattern.startswith(_HEAD) and pattern.endswith(_TAIL):
        escaped = pattern[len(_HEAD) : -len(_TAIL)]
        separator = _ESCAPED.sub(r"\1", escaped)
        if re.escape(separator) == escaped:
            return BoundaryPattern(separator)
    return re.compile(pattern, flags)


class _Re(types.ModuleType):
    """The ``re`` module as the parser's code sees it: ``compile`` is ``boundary_compile``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)


_re = _Re("re")
_re.compile = boundary_compile  # type: ignore[attr-defined]


class _FeedParser(feedparser.BytesFeedParser):
    # the standard library's own code, with its module's names, but the ``re`` above
    _parsegen = types.FunctionType(
        feedparser.FeedParser._parsegen.__code__,  # type: ignore[attr-defined]
        {**vars(feedparser), "re": _re},
        "_parsegen",
    )


def message_from_bytes(raw: bytes, *, headersonly: bool = False) -> Message:
    """``email.parser.BytesParser(policy=compat32).parsebytes(raw, headersonly)``, the same result."""
    parser = _FeedParser(policy=compat32)
    if headersonly:
        parser._set_headersonly()  # type: ignore[attr-defined]
    parser.feed(raw)
    return parser.close()
