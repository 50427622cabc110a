"""Call recordings: WAV (PCM, A-law, mu-law), MP3, OGG/Opus and M4A/AAC.

The container is recognised from its magic bytes; mutagen reads duration, codec, sample rate and
channels; then the container's own structure is walked (RIFF chunks, MPEG frames, Ogg pages, MP4
boxes) so a truncated file is refused even where the tag library would still read its header."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO

from mutagen.mp3 import MP3, HeaderNotFoundError, MPEGFrame
from mutagen.mp4 import MP4
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE

from . import OTHER_EXTENSIONS, ContentRejected, content_named, extension

# container -> (content type, file-name extensions that may claim it, label for messages)
AUDIO_FORMATS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "wav": ("audio/wav", (".wav", ".wave"), "WAV audio"),
    "mp3": ("audio/mpeg", (".mp3",), "MP3 audio"),
    "ogg": ("audio/ogg", (".ogg", ".opus", ".oga"), "OGG/Opus audio"),
    "mp4": ("audio/mp4", (".m4a", ".mp4", ".aac"), "M4A/AAC audio"),
}
# declared content types (multipart part or Content-Type header) -> container
DECLARED_TYPES = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "application/ogg": "ogg",
    "audio/mp4": "mp4",
    "audio/m4a": "mp4",
    "audio/x-m4a": "mp4",
    "audio/aac": "mp4",
}
ACCEPTED = "WAV (PCM, A-law, mu-law), MP3, OGG/Opus or M4A/AAC"

# WAVE format tags the centre takes, and the names of common others for the error message.
WAV_TAGS = {1: "pcm", 3: "pcm_float", 6: "pcm_alaw", 7: "pcm_mulaw"}
WAV_OTHER = {
    2: "MS ADPCM",
    0x11: "IMA ADPCM",
    0x31: "GSM 6.10",
    0x55: "MP3-in-WAV",
    0x64: "G.726",
    0x133: "G.729",
    0x161: "WMA",
}
_UNSET_SIZES = (0, 0xFFFFFFFF)


@dataclass(frozen=True)
class AudioInfo:
    container: str
    content_type: str
    codec: str
    duration: float
    sample_rate: int
    channels: int


def detect_container(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "mp3"  # an MPEG audio frame sync with a valid layer
    return None


def audio_inspect(fileobj: IO[bytes], *, name: str, size: int, declared_type: str = "") -> AudioInfo:
    """Check a recording and describe it; raises ContentRejected naming what is wrong."""
    fileobj.seek(0)
    head = fileobj.read(64)
    fileobj.seek(0)
    container = detect_container(head)
    if container is None:
        raise ContentRejected(
            name, f"is not a recording the centre accepts ({ACCEPTED}): its content is {content_named(head)}"
        )
    content_type, extensions, label = AUDIO_FORMATS[container]
    _check_label(name, container, declared_type)
    try:
        info = {"wav": _wav, "mp3": _mp3, "ogg": _ogg, "mp4": _mp4}[container](fileobj, name, size)
    except ContentRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure on hostile input is a damaged file
        raise ContentRejected(name, f"is a damaged {label} file ({type(exc).__name__})") from exc
    finally:
        fileobj.seek(0)
    codec, duration, rate, channels = info
    if duration <= 0 or rate <= 0 or channels <= 0:
        raise ContentRejected(name, f"is {label} without playable audio (duration {duration:.2f} s)")
    return AudioInfo(container, content_type, codec, round(duration, 3), rate, channels)


def _check_label(name: str, container: str, declared_type: str) -> None:
    content_type, extensions, label = AUDIO_FORMATS[container]
    ext = extension(name)
    for other, (_, other_exts, other_label) in AUDIO_FORMATS.items():
        if other != container and ext in other_exts:
            raise ContentRejected(name, f"is named '{ext}' ({other_label}) but its content is {label}")
    if ext in OTHER_EXTENSIONS or ext in (".pdf", ".tif", ".tiff"):
        what = OTHER_EXTENSIONS.get(ext, "a document")
        raise ContentRejected(name, f"is named '{ext}' ({what}) but its content is {label}")
    declared = (declared_type or "").split(";")[0].strip().lower()
    claimed = DECLARED_TYPES.get(declared)
    if claimed and claimed != container:
        raise ContentRejected(name, f"was sent as {declared} but its content is {label}")


# --- WAV -------------------------------------------------------------------------------------------


def _wav(fileobj: IO[bytes], name: str, size: int) -> tuple[str, float, int, int]:
    riff_size = struct.unpack("<I", _read(fileobj, 4, at=4, name=name))[0]
    if riff_size in _UNSET_SIZES:
        raise ContentRejected(
            name, "is a WAV file whose header was never finalised (recording still running?)"
        )
    if riff_size + 8 > size:
        raise ContentRejected(
            name, f"is truncated: its RIFF header declares {riff_size + 8} bytes but only {size} arrived"
        )
    fmt = data_size = None
    offset = 12
    while offset + 8 <= size:
        chunk_id, chunk_size = struct.unpack("<4sI", _read(fileobj, 8, at=offset, name=name))
        body_at = offset + 8
        if chunk_id == b"fmt ":
            fmt = _read(fileobj, min(chunk_size, 64), at=body_at, name=name)
        elif chunk_id == b"data":
            if chunk_size in _UNSET_SIZES:
                raise ContentRejected(
                    name, "is a WAV file whose data size was never written (recording still running?)"
                )
            if body_at + chunk_size > size:
                raise ContentRejected(
                    name,
                    f"is truncated: its WAV data chunk declares {chunk_size} bytes but only "
                    f"{size - body_at} arrived",
                )
            data_size = chunk_size
            break
        offset = body_at + chunk_size + (chunk_size & 1)
    if fmt is None or len(fmt) < 16:
        raise ContentRejected(name, "is a damaged WAV file: it has no usable format ('fmt ') chunk")
    if data_size is None:
        raise ContentRejected(name, "is a damaged WAV file: it has no 'data' chunk")
    tag, channels, rate, byte_rate, block_align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID
        tag = struct.unpack("<H", fmt[24:26])[0]
    if tag not in WAV_TAGS:
        known = WAV_OTHER.get(tag, "an unknown encoding")
        raise ContentRejected(
            name, f"uses WAV encoding {known} (format 0x{tag:04x}); the centre accepts PCM, A-law and mu-law"
        )
    if not channels or not rate or not block_align or byte_rate != rate * block_align:
        raise ContentRejected(name, "is a damaged WAV file: its format chunk is inconsistent")
    parsed = WAVE(fileobj)  # mutagen: the tag library's own reading of the stream
    codec = WAV_TAGS[tag]
    if tag == 1:
        codec = "pcm_u8" if bits == 8 else f"pcm_s{bits}le"
    elif tag == 3:
        codec = f"pcm_f{bits}le"
    duration = data_size / byte_rate
    return codec, duration if duration else float(parsed.info.length), int(parsed.info.sample_rate), channels


def _read(fileobj: IO[bytes], n: int, *, at: int, name: str) -> bytes:
    fileobj.seek(at)
    data = fileobj.read(n)
    if len(data) < n:
        raise ContentRejected(name, f"is truncated inside a header at byte {at}")
    return data


# --- MP3 -------------------------------------------------------------------------------------------


def _samples_per_frame(frame: MPEGFrame) -> int:
    if frame.layer == 1:
        return 384
    if frame.layer == 3 and frame.version >= 2:
        return 576
    return 1152


def _mp3_trailer(fileobj: IO[bytes], at: int, size: int) -> bool:
    """ID3v1 ('TAG', 128 bytes), APE or Lyrics3 tags may follow the last frame."""
    fileobj.seek(at)
    tail = fileobj.read(min(size - at, 16))
    return tail.startswith((b"TAG", b"APETAGEX", b"LYRICSBEGIN", b"ID3")) and size - at <= 1024 * 1024


def _mp3(fileobj: IO[bytes], name: str, size: int) -> tuple[str, float, int, int]:
    try:
        parsed = MP3(fileobj)
    except HeaderNotFoundError as exc:
        raise ContentRejected(name, "is a damaged MP3 file: no MPEG audio frame was found") from exc
    info = parsed.info
    offset = info.frame_offset
    frames = 0
    samples = 0
    while offset < size:
        fileobj.seek(offset)
        try:
            frame = MPEGFrame(fileobj)
        except HeaderNotFoundError as exc:
            if frames and _mp3_trailer(fileobj, offset, size):
                break
            if size - offset < 4:
                raise ContentRejected(
                    name, f"is truncated: the MPEG frame at byte {offset} is cut short"
                ) from exc
            raise ContentRejected(
                name, f"is a damaged MP3 file: no valid MPEG frame at byte {offset}"
            ) from exc
        end = fileobj.tell()
        if end > size:
            raise ContentRejected(
                name,
                f"is truncated: the MPEG frame at byte {offset} needs {end - offset} bytes "
                f"but only {size - offset} arrived",
            )
        frames += 1
        samples += _samples_per_frame(frame)
        offset = end
    walked = samples / info.sample_rate
    # A Xing/Info header announces the whole stream: fewer frames than announced is a cut-off file.
    if not info.sketchy and walked + 0.2 < info.length:
        raise ContentRejected(
            name,
            f"is truncated: its header announces {info.length:.2f} s of audio but only "
            f"{walked:.2f} s arrived",
        )
    return (
        "mp3",
        float(info.length if not info.sketchy else walked),
        int(info.sample_rate),
        int(info.channels),
    )


# --- OGG/Opus --------------------------------------------------------------------------------------


def _ogg(fileobj: IO[bytes], name: str, size: int) -> tuple[str, float, int, int]:
    fileobj.seek(0)
    first = OggPage(fileobj)
    if not first.packets or not first.packets[0].startswith(b"OpusHead"):
        packet = first.packets[0] if first.packets else b""
        codec = (
            "Vorbis"
            if packet[1:7] == b"vorbis"
            else "FLAC"
            if packet[1:5] == b"FLAC"
            else "Speex"
            if packet.startswith(b"Speex")
            else "non-Opus"
        )
        raise ContentRejected(name, f"is an OGG file with {codec} audio; the centre takes OGG only with Opus")
    last = first
    while fileobj.tell() < size:
        at = fileobj.tell()
        try:
            last = OggPage(fileobj)
        except Exception as exc:  # noqa: BLE001 - mutagen raises several kinds on a cut page
            raise ContentRejected(name, f"is truncated: the Ogg page at byte {at} is incomplete") from exc
    if not last.last:
        raise ContentRejected(name, "is truncated: it ends without its final (end-of-stream) Ogg page")
    fileobj.seek(0)
    parsed = OggOpus(fileobj)
    # Opus always decodes at 48 kHz; the input rate in the header is informational.
    return "opus", float(parsed.info.length), 48000, int(parsed.info.channels)


# --- M4A/AAC ---------------------------------------------------------------------------------------


def _mp4(fileobj: IO[bytes], name: str, size: int) -> tuple[str, float, int, int]:
    offset = 0
    boxes = []
    while offset < size:
        fileobj.seek(offset)
        header = fileobj.read(8)
        if len(header) < 8:
            raise ContentRejected(name, f"is truncated: the MP4 box header at byte {offset} is cut short")
        box_size, box_type = struct.unpack(">I4s", header)
        if box_size == 1:
            large = fileobj.read(8)
            if len(large) < 8:
                raise ContentRejected(name, f"is truncated: the MP4 box header at byte {offset} is cut short")
            box_size = struct.unpack(">Q", large)[0]
        elif box_size == 0:
            box_size = size - offset  # the last box runs to the end of the file
        label = box_type.decode("latin-1")
        if box_size < 8:
            raise ContentRejected(
                name, f"is a damaged M4A file: the '{label}' box at byte {offset} has a bad size"
            )
        if offset + box_size > size:
            raise ContentRejected(
                name,
                f"is truncated: its '{label}' box declares {box_size} bytes but only {size - offset} arrived",
            )
        boxes.append(box_type)
        offset += box_size
    if b"moov" not in boxes:
        raise ContentRejected(name, "is a damaged M4A file: it has no 'moov' box (recording not finalised?)")
    fileobj.seek(0)
    parsed = MP4(fileobj)
    codec = getattr(parsed.info, "codec", "") or ""
    if not codec.startswith("mp4a"):
        raise ContentRejected(
            name, f"is an M4A file with '{codec or 'unknown'}' audio; the centre takes M4A only with AAC"
        )
    return codec, float(parsed.info.length), int(parsed.info.sample_rate), int(parsed.info.channels)


__all__ = ["ACCEPTED", "AUDIO_FORMATS", "AudioInfo", "audio_inspect", "detect_container"]
