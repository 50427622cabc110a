"""channels_intake.email.mime: the standard library's parser without its regular-expression compile
per MIME boundary gives the standard library's result (OCC-2: every message is read as it came)."""

import random
import re
from email.parser import BytesParser
from email.policy import compat32

import pytest

from channels_intake.email import mime
from channels_intake.email.mime import BoundaryPattern, boundary_compile, message_from_bytes

from .conftest import THAI, forwarded, image_part
from .conftest import mime as mime_message


def _stdlib_pattern(separator: str) -> re.Pattern:
    # the text email.feedparser compiles for a multipart's boundary
    return re.compile(
        "(?P<sep>" + re.escape(separator) + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
    )


SEPARATORS = ["--b", "--==_abc.123", "--(x)+[y]*?{1}^$|\\.", "-- with space", "--ก", "--"]
PIECES = [
    "",
    "-",
    "--",
    "---",
    " ",
    "\t",
    "  \t",
    "\r",
    "\n",
    "\r\n",
    "\n\n",
    "\r\n\n",
    "\r\r",
    "x",
    "ก",
    "\udc80",
]


@pytest.mark.parametrize("separator", SEPARATORS)
def test_boundary_pattern_answers_as_the_compiled_pattern(separator):
    compiled, plain = _stdlib_pattern(separator), BoundaryPattern(separator)
    rng = random.Random(separator)
    lines = {separator + a + b + c for a in PIECES for b in PIECES for c in PIECES[:8]}
    lines |= {
        separator[: rng.randrange(len(separator) + 1)] + "".join(rng.choices(PIECES, k=4))
        for _ in range(3000)
    }
    lines |= {"".join(rng.choices(PIECES + [separator], k=5)) for _ in range(3000)}
    matched = 0
    for line in lines:
        expected, got = compiled.match(line), plain.match(line)
        assert (expected is None) == (got is None), repr(line)
        if expected is not None:
            matched += 1
            for name in (0, "sep", "end", "ws", "linesep", 1, 2, 3, 4):
                assert got.group(name) == expected.group(name), (repr(line), name)
            assert got.group("end", "linesep") == expected.group("end", "linesep")
    assert matched > 50  # the comparison covered matching lines, not only refusals


def test_only_the_boundary_pattern_skips_the_compile():
    assert isinstance(boundary_compile(_stdlib_pattern("--a.b").pattern), BoundaryPattern)
    assert boundary_compile(_stdlib_pattern("--a.b").pattern).separator == "--a.b"
    # another pattern, flags, or a pattern whose middle is not re.escape's output: re.compile
    assert isinstance(boundary_compile(r"\r\n|\r|\n"), re.Pattern)
    assert isinstance(boundary_compile(_stdlib_pattern("--a").pattern, re.I), re.Pattern)
    odd = "(?P<sep>--a.b)(?P<end>--)?(?P<ws>[ \\t]*)(?P<linesep>\\r\\n|\\r|\\n)?$"  # '.' unescaped
    assert isinstance(boundary_compile(odd), re.Pattern)


def _structure(msg):
    """Everything the parse produced, part by part."""
    return [
        (
            list(part.items()),
            part.get_content_type(),
            part.preamble,
            part.epilogue,
            [type(d).__name__ for d in part.defects],
            None if part.is_multipart() else part.get_payload(),
        )
        for part in msg.walk()
    ]


def _multipart(
    boundary: str, *, parts: list[str], close: str | None = "", preamble: str = "", nl: str = "\r\n"
) -> bytes:
    lines = ["From: a@example.com", f'Content-Type: multipart/mixed; boundary="{boundary}"', "", preamble]
    for body in parts:
        lines += [f"--{boundary}", "Content-Type: text/plain; charset=utf-8", "", body]
    if close is not None:
        lines.append(f"--{boundary}--{close}")
    lines.append("epilogue text")
    return nl.join(lines).encode("utf-8", "surrogateescape")


CASES = [
    _multipart("b", parts=["one", "two"]),
    _multipart("(x)+[y]*?.", parts=["special characters", "--(x)+[y]*?.z not a boundary"]),
    _multipart("b", parts=["trailing blanks"], close=" \t"),
    _multipart("b", parts=["close followed by text"], close="junk"),
    _multipart("b", parts=["no close boundary"], close=None),
    _multipart("b", parts=["bare LF"], nl="\n"),
    _multipart("b", parts=["bare CR"], nl="\r"),
    _multipart("b", parts=["a preamble"], preamble="This is a multi-part message."),
    _multipart("b", parts=["--b \t", "double boundary lines"]),
    _multipart("ก", parts=["a boundary outside ASCII"]),
    b"From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nno boundary parameter\r\n",
    b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
    mime_message(body=THAI, html=f"<p>{THAI}</p>", attachments=[image_part()]),
    mime_message(body="see the forwarded message", attachments=[forwarded(mime_message(body=THAI))]),
]


@pytest.mark.parametrize("raw", CASES, ids=range(len(CASES)))
def test_messages_parse_as_the_standard_library_parses_them(raw):
    expected = BytesParser(policy=compat32).parsebytes(raw)
    got = message_from_bytes(raw)
    assert _structure(got) == _structure(expected)
    try:
        flat = expected.as_bytes()
    except UnicodeError:  # a boundary outside ASCII: the standard library cannot write it back
        with pytest.raises(UnicodeError):
            got.as_bytes()
    else:
        assert got.as_bytes() == flat
    head = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
    assert _structure(message_from_bytes(raw, headersonly=True)) == _structure(head)


def test_generated_and_mutated_messages_parse_as_the_standard_library_parses_them():
    from benchmarks.email_ingest import build, png
    from benchmarks.mail_corpus import corpus

    image = png()
    for raw in [build(i, image) for i in range(60)] + corpus(1500, 17):
        expected = BytesParser(policy=compat32).parsebytes(raw)
        assert _structure(message_from_bytes(raw)) == _structure(expected)


def test_a_multipart_message_compiles_no_pattern(monkeypatch):
    """The point of the module: a fresh boundary costs no regular-expression compile."""
    compiled = []
    real = re.compile

    def spy(pattern, flags=0):
        compiled.append(pattern)
        return real(pattern, flags)

    seen = []
    monkeypatch.setattr(mime, "BoundaryPattern", lambda sep: seen.append(sep) or BoundaryPattern(sep))
    monkeypatch.setattr(mime.re, "compile", spy)
    message_from_bytes(_multipart(f"fresh-{random.getrandbits(64)}", parts=["x", "y"]))
    assert seen and seen[0].startswith("--fresh-") and compiled == []


def _header_text_by_get(msg, name: str) -> str:
    """The header text as parse_message read it with ``msg.get`` (one scan per name)."""
    from email.header import Header

    from channels_intake.email.parsing import _decode_header_value

    value = msg.get(name)
    if value is None:
        return ""
    if isinstance(value, Header):
        value = next((raw for key, raw in msg.raw_items() if key.lower() == name.lower()), str(value))
    return _decode_header_value(str(value))


def test_headers_looked_up_once_read_as_msg_get_reads_them():
    """parse_message reads every header from one look-up of the block (_first_headers): the same
    text as msg.get gives, for repeated, raw 8-bit, encoded, folded and missing headers."""
    from benchmarks.mail_corpus import corpus
    from channels_intake.email.parsing import _first_headers, _header_text

    from .conftest import raw_8bit

    odd = [
        b"From: a@example.com\r\nTo: one@example.com\r\nTO: two@example.com\r\nSubject: first\r\n"
        b"subject: second\r\n\r\nbody",
        raw_8bit(THAI.encode("cp874"), charset_label=None, subject_bytes=THAI.encode("cp874")),
        b"From: =?utf-8?b?4Lij4LmJ4Lit4LiH?= <a@example.com>\r\nSubject: folded\r\n  over lines\r\n\r\nx",
        b"Date:\r\nFrom: a@example.com\r\n\r\n",
    ]
    names = [
        "From",
        "To",
        "Cc",
        "Delivered-To",
        "X-Original-To",
        "Date",
        "Subject",
        "Message-ID",
        "In-Reply-To",
        "References",
        "X-Not-There",
    ]
    compared = 0
    for raw in odd + corpus(800, 3):
        msg = message_from_bytes(raw)
        headers = _first_headers(msg)
        for name in names + msg.keys():
            assert _header_text(headers, name.lower()) == _header_text_by_get(msg, name), (raw[:60], name)
            assert bool(headers.get(name.lower())) == bool(msg.get(name))
            compared += 1
    assert compared > 10000


def test_high_bytes_are_counted_as_before():
    from channels_intake.email.parsing import _HIGH_BYTES

    for payload in (bytes(range(256)), THAI.encode("cp874"), b"plain", b"\xff" * 9):
        assert len(payload) - len(payload.translate(None, _HIGH_BYTES)) == sum(
            1 for b in payload if b >= 0x80
        )
