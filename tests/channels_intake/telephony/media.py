"""Real media made in the tests by real encoders: the stdlib ``wave`` module (PCM) and ``audioop``
(G.711 A-law/mu-law), PyAV (FFmpeg's libmp3lame, libopus, aac, pcm_alaw, pcm_mulaw), and Pillow
with libtiff for multi-page Class F G3/G4 faxes; PDFs from Pillow."""

from __future__ import annotations

import io
import math
import struct
import warnings
import wave
from pathlib import Path

import av
from PIL import Image, ImageDraw

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # stdlib G.711 encoders (deprecated in 3.11, removed in 3.13: PyAV covers both too)


def pcm16(seconds: float, rate: int, freq: float = 440.0) -> bytes:
    n = int(seconds * rate)
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(n))


def wav_pcm(seconds=1.0, rate=8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm16(seconds, rate))
    return buf.getvalue()


def _riff(fmt_tag: int, channels: int, rate: int, bits: int, data: bytes, extensible: bool = False) -> bytes:
    block = channels * bits // 8
    if extensible:
        sub = struct.pack("<H", fmt_tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits, 4) + sub
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits)
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    if len(data) % 2:
        body += b"\0"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def wav_g711_stdlib(kind: str, seconds=1.0, rate=8000) -> bytes:
    """A-law (format 6) or mu-law (format 7) encoded with the stdlib's G.711 encoder."""
    data = pcm16(seconds, rate)
    encoded = audioop.lin2alaw(data, 2) if kind == "alaw" else audioop.lin2ulaw(data, 2)
    return _riff(6 if kind == "alaw" else 7, 1, rate, 8, encoded)


def wav_pcm_extensible(seconds=1.0, rate=16000) -> bytes:
    return _riff(1, 1, rate, 16, pcm16(seconds, rate), extensible=True)


def wav_gsm_header() -> bytes:
    """A WAV that declares GSM 6.10 (format 0x31), which the centre does not take."""
    return _riff(0x31, 1, 8000, 16, b"\0" * 3260)


def encode(container: str, codec: str, rate: int, seconds: float = 1.0) -> bytes:
    buf = io.BytesIO()
    out = av.open(buf, "w", format=container)
    stream = out.add_stream(codec, rate=rate)
    stream.layout = "mono"
    data = pcm16(seconds, rate)
    n = len(data) // 2
    frame_size = stream.codec_context.frame_size or 1024
    resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
    pts = 0
    for start in range(0, n, frame_size):
        chunk = data[start * 2 : (start + frame_size) * 2]
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
        frame.planes[0].update(chunk + b"\0" * (frame.planes[0].buffer_size - len(chunk)))
        frame.sample_rate = rate
        frame.pts = pts
        pts += len(chunk) // 2
        for converted in resampler.resample(frame):
            for packet in stream.encode(converted):
                out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return buf.getvalue()


def wav_alaw() -> bytes:
    return encode("wav", "pcm_alaw", 8000)


def wav_mulaw() -> bytes:
    return encode("wav", "pcm_mulaw", 8000)


def mp3(seconds=1.0, rate=16000) -> bytes:
    return encode("mp3", "libmp3lame", rate, seconds)


def opus(seconds=1.0) -> bytes:
    return encode("ogg", "libopus", 48000, seconds)


def aac_m4a(seconds=1.0) -> bytes:
    return encode("ipod", "aac", 16000, seconds)


def mp3_frame_boundaries(data: bytes) -> list[int]:
    """Offsets where MPEG frames start (via mutagen's frame parser)."""
    from mutagen.mp3 import MP3, MPEGFrame

    f = io.BytesIO(data)
    offset = MP3(f).info.frame_offset
    starts = []
    while offset < len(data):
        f.seek(offset)
        try:
            MPEGFrame(f)
        except Exception:  # noqa: BLE001
            break
        starts.append(offset)
        offset = f.tell()
    return starts


def ogg_page_boundaries(data: bytes) -> list[int]:
    from mutagen.ogg import OggPage

    f = io.BytesIO(data)
    starts = []
    while f.tell() < len(data):
        starts.append(f.tell())
        OggPage(f)
    return starts


def _page(text: str, size=(1728, 600)) -> Image.Image:
    img = Image.new("1", size, 1)  # Class F fax width: 1728 pixels
    draw = ImageDraw.Draw(img)
    draw.text((50, 50), text, fill=0)
    draw.rectangle((40, 40, 900, 200), outline=0)
    return img


def fax_tiff(pages=3, compression="group4", dpi=(204, 196), size=(1728, 600)) -> bytes:
    imgs = [_page(f"page {i + 1}", size) for i in range(pages)]
    buf = io.BytesIO()
    imgs[0].save(buf, "TIFF", compression=compression, save_all=True, append_images=imgs[1:], dpi=dpi)
    return buf.getvalue()


def fax_pdf(pages=2) -> bytes:
    imgs = [_page(f"pdf page {i + 1}").convert("L") for i in range(pages)]
    buf = io.BytesIO()
    imgs[0].save(buf, "PDF", save_all=True, append_images=imgs[1:])
    return buf.getvalue()


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


def big_wav_file(path: Path, megabytes: int, rate=8000) -> Path:
    """A PCM WAV of about ``megabytes`` MB written in 1 MB pieces (never whole in memory)."""
    data_size = megabytes * 1024 * 1024 - 44
    block = pcm16(1024 * 1024 / (2 * rate), rate)[: 1024 * 1024]
    with path.open("wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE")
        fh.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16))
        fh.write(b"data" + struct.pack("<I", data_size))
        left = data_size
        while left:
            piece = block[: min(left, len(block))]
            fh.write(piece)
            left -= len(piece)
    return path


def tiff_claiming_more_data(data: bytes, extra: int = 5000) -> bytes:
    """Edit the first page's StripByteCounts so its last strip claims ``extra`` bytes beyond the
    end of the file: the directory is intact, the image data 'arrived' short."""
    out = bytearray(data)
    assert out[:4] == b"II*\x00"
    ifd = struct.unpack_from("<I", out, 4)[0]
    (entries,) = struct.unpack_from("<H", out, ifd)
    sizes = {3: 2, 4: 4}
    for i in range(entries):
        at = ifd + 2 + 12 * i
        tag, kind, count = struct.unpack_from("<HHI", out, at)
        if tag != 279:
            continue
        width = sizes[kind]
        values_at = at + 8 if width * count <= 4 else struct.unpack_from("<I", out, at + 8)[0]
        last = values_at + width * (count - 1)
        fmt = "<H" if width == 2 else "<I"
        (value,) = struct.unpack_from(fmt, out, last)
        struct.pack_into(fmt, out, last, min(value + extra, 0xFFFF if width == 2 else 0xFFFFFFFF))
        return bytes(out)
    raise AssertionError("no StripByteCounts")
