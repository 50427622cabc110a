"""Text made safe for the database once, at the boundary of every channel.

PostgreSQL refuses NUL (U+0000) in text and jsonb, and every driver refuses lone surrogates
(U+D800..U+DFFF, what ``surrogateescape`` and broken UTF-16 leave behind). Other C0/C1 control
characters are not refused by the database but are never text a person wrote. Machine channels
(e-mail, fax, CTI) *clean* what arrives (nothing that arrived is refused for its characters);
public APIs *refuse* it with a field error (``text_problem``), so a citizen learns what was wrong.
"""

from __future__ import annotations

import re
from typing import Any

# NUL, C0 controls except TAB/LF/CR, DEL, C1 controls; lone surrogates; non-characters U+FFFE/FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_REPLACEMENT = "\ufffd"
MAX_LINE = 2000  # characters; a longer line is broken (a 1 MB one-line header helps nobody)


def text_problem(value: str) -> str | None:
    """Why this text is refused at a public boundary, or None when it is acceptable."""
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    ch = match.group(0)
    if ch == "\x00":
        return "contains a NUL character"
    if "\ud800" <= ch <= "\udfff":
        return "contains an unpaired surrogate (not valid Unicode text)"
    return f"contains the control character U+{ord(ch):04X}"


def safe_text(value: Any, *, max_length: int | None = None, max_line: int = MAX_LINE) -> str:
    """Any value to text the database stores as given: NUL and control characters removed, lone
    surrogates replaced, CRLF/CR made LF, lines longer than ``max_line`` broken, the result cut to
    ``max_length`` characters. Idempotent: ``safe_text(safe_text(x)) == safe_text(x)``."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _FORBIDDEN.search(text):
        text = _FORBIDDEN.sub(lambda m: _REPLACEMENT if "\ud800" <= m.group(0) <= "\udfff" else "", text)
    if max_line and len(text) > max_line:
        lines = []
        for line in text.split("\n"):
            while len(line) > max_line:
                lines.append(line[:max_line])
                line = line[max_line:]
            lines.append(line)
        text = "\n".join(lines)
    if max_length is not None and len(text) > max_length:
        text = text[:max_length]
    return text


def safe_line(value: Any, *, max_length: int) -> str:
    """One line of text (a name, a header, a source label): whitespace runs become one space."""
    return " ".join(safe_text(value, max_line=0).split())[:max_length]


def safe_json(value: Any, *, max_string: int = 10000) -> Any:
    """A JSON-able structure whose every key and string is safe text (for jsonb metadata)."""
    if isinstance(value, str):
        return safe_text(value, max_length=max_string, max_line=0)
    if isinstance(value, dict):
        return {
            safe_text(k, max_length=200, max_line=0): safe_json(v, max_string=max_string)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [safe_json(v, max_string=max_string) for v in value]
    return value
