"""Audio and fax files checked by content, not by name; metadata read with well-kept libraries
(mutagen for audio, Pillow for TIFF, pypdfium2 for PDF). Files are read in chunks, never whole."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import IO

import mutagen
import pypdfium2
from PIL import Image, ImageSequence, UnidentifiedImageError

_CHUNK = 1024 * 1024
WAV_CODECS = {1: "pcm_s", 3: "pcm_float", 6: "alaw", 7: "mulaw", 0xFFFE: "extensible"}


class MediaRejected(Exception):
    def __init__(self, filename: str, reason: str):
        self.filename = filename
        self.reason = reason
        super().__init__(f"{filename}: {reason}")


@dataclass(frozen=True)
class Hashed:
    sha256: str
    size: int


def hash_stream(fileobj: IO[bytes], *, limit: int, name: str) -> Hashed:
    digest = hashlib.sha256()
    size = 0
    fileobj.seek(0)
    while chunk := fileobj.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise MediaRejected(name, f"is larger than the limit of {limit} bytes")
        digest.update(chunk)
    fileobj.seek(0)
    if size == 0:
        raise MediaRejected(name, "is empty")
    return Hashed(digest.hexdigest(), size)


@dataclass(frozen=True)
class AudioInfo:
    content_type: str
    codec: str
    duration: float
    sample_rate: int
    channels: int


def _container(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def _wav(fileobj: IO[bytes], name: str, size: int) -> AudioInfo:
    fileobj.seek(12)
    fmt = None
    data_size = None
    while True:
        header = fileobj.read(8)
        if len(header) < 8:
            break
        chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk_id == b"fmt ":
            body = fileobj.read(chunk_size)
            if len(body) < 16:
                raise MediaRejected(name, "has a broken WAV format chunk")
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            data_size = chunk_size
            available = size - fileobj.tell()
            if available < chunk_size:
                raise MediaRejected(name, f"is truncated: the WAV data should be {chunk_size} bytes, "
                                          f"only {available} arrived")
            break
        else:
            fileobj.seek(chunk_size + (chunk_size & 1), 1)
        if chunk_id == b"fmt " and chunk_size & 1:
            fileobj.seek(1, 1)
    if fmt is None or data_size is None:
        raise MediaRejected(name, "is not a complete WAV file (no format or data chunk)")
    tag, channels, rate, bits = fmt
    if tag not in (1, 6, 7, 0xFFFE) or rate == 0 or channels == 0:
        raise MediaRejected(name, f"uses a WAV encoding the centre does not accept (format tag {tag})")
    bytes_per_second = rate * channels * max(bits, 8) // 8
    codec = WAV_CODECS[tag] + (str(bits) if tag == 1 else "")
    return AudioInfo("audio/wav", codec, data_size / bytes_per_second, rate, channels)


def audio_inspect(fileobj: IO[bytes], *, name: str, size: int) -> AudioInfo:
    fileobj.seek(0)
    head = fileobj.read(64)
    fileobj.seek(0)
    kind = _container(head)
    if kind is None:
        raise MediaRejected(name, "is not a recording in a format the centre accepts "
                                  "(WAV PCM/A-law/mu-law, MP3, OGG/Opus, M4A/AAC)")
    if kind == "wav":
        info = _wav(fileobj, name, size)
        fileobj.seek(0)
        return info
    try:
        parsed = mutagen.File(fileobj)
    except mutagen.MutagenError as exc:
        raise MediaRejected(name, f"is a damaged {kind.upper()} file ({exc})") from exc
    finally:
        fileobj.seek(0)
    if parsed is None or parsed.info is None or not getattr(parsed.info, "length", 0):
        raise MediaRejected(name, f"looks like {kind.upper()} but holds no playable audio")
    cls = type(parsed).__name__
    codec, ctype = {
        "MP3": ("mp3", "audio/mpeg"), "OggOpus": ("opus", "audio/ogg"), "OggVorbis": ("vorbis", "audio/ogg"),
        "MP4": (getattr(parsed.info, "codec", "mp4a") or "mp4a", "audio/mp4"),
    }.get(cls, (cls.lower(), "application/octet-stream"))
    if ctype == "application/octet-stream" or (kind == "mp4" and not codec.startswith("mp4a")):
        raise MediaRejected(name, f"holds {cls} audio, which the centre does not accept")
    rate = int(getattr(parsed.info, "sample_rate", 0) or 48000)
    return AudioInfo(ctype, codec, float(parsed.info.length), rate, int(getattr(parsed.info, "channels", 1) or 1))


@dataclass(frozen=True)
class FaxInfo:
    content_type: str
    pages: int
    compression: str


def fax_inspect(fileobj: IO[bytes], *, name: str) -> FaxInfo:
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        try:
            with Image.open(fileobj) as img:
                pages = 0
                compression = img.info.get("compression", "")
                for frame in ImageSequence.Iterator(img):
                    frame.load()  # decodes every page: a truncated or corrupt fax fails here
                    pages += 1
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise MediaRejected(name, f"is a damaged TIFF fax ({exc})") from exc
        finally:
            fileobj.seek(0)
        return FaxInfo("image/tiff", pages, str(compression))
    if head[:5] == b"%PDF-":
        try:
            pdf = pypdfium2.PdfDocument(fileobj)
            pages = len(pdf)
            pdf.close()
        except pypdfium2.PdfiumError as exc:
            raise MediaRejected(name, f"is a damaged PDF fax ({exc})") from exc
        finally:
            fileobj.seek(0)
        if pages == 0:
            raise MediaRejected(name, "is a PDF without pages")
        return FaxInfo("application/pdf", pages, "pdf")
    raise MediaRejected(name, "is not a fax image (TIFF or PDF)")


def fax_pages_png(fileobj: IO[bytes], *, content_type: str, width: int):
    """Yield (page number, PNG bytes, width, height) one page at a time."""
    import io

    fileobj.seek(0)
    if content_type == "image/tiff":
        with Image.open(fileobj) as img:
            for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
                page = frame.convert("L")
                if page.width > width:
                    page = page.resize((width, max(1, page.height * width // page.width)))
                buf = io.BytesIO()
                page.save(buf, "PNG", optimize=True)
                yield number, buf.getvalue(), page.width, page.height
        return
    pdf = pypdfium2.PdfDocument(fileobj)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            scale = width / page.get_width()
            image = page.render(scale=scale).to_pil().convert("L")
            buf = io.BytesIO()
            image.save(buf, "PNG", optimize=True)
            yield index + 1, buf.getvalue(), image.width, image.height
            page.close()
    finally:
        pdf.close()
