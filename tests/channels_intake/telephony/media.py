"""Real media made by real encoders in the tests: PyAV (FFmpeg's libmp3lame, libopus, aac, pcm_alaw,
pcm_mulaw), the stdlib wave module, and Pillow with libtiff for G3/G4 faxes."""

import io
import math
import struct
import wave

import av
from PIL import Image, ImageDraw


def pcm16(seconds: float, rate: int) -> bytes:
    n = int(seconds * rate)
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(n))


def wav_pcm(seconds=1.0, rate=8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm16(seconds, rate))
    return buf.getvalue()


def encode(container: str, codec: str, rate: int, seconds: float = 1.0) -> bytes:
    buf = io.BytesIO()
    out = av.open(buf, "w", format=container)
    stream = out.add_stream(codec, rate=rate)
    stream.layout = "mono"
    data = pcm16(seconds, rate)
    n = len(data) // 2
    frame_size = stream.codec_context.frame_size or 1024
    pts = 0
    for start in range(0, n, frame_size):
        chunk = data[start * 2:(start + frame_size) * 2]
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
        frame.planes[0].update(chunk + b"\0" * (frame.planes[0].buffer_size - len(chunk)))
        frame.sample_rate = rate
        frame.pts = pts
        pts += len(chunk) // 2
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return buf.getvalue()


def wav_alaw() -> bytes:
    return encode("wav", "pcm_alaw", 8000)


def wav_mulaw() -> bytes:
    return encode("wav", "pcm_mulaw", 8000)


def mp3() -> bytes:
    return encode("mp3", "libmp3lame", 16000)


def opus() -> bytes:
    return encode("ogg", "libopus", 48000)


def aac_m4a() -> bytes:
    return encode("ipod", "aac", 16000)


def _page(text: str) -> Image.Image:
    img = Image.new("1", (1728, 600), 1)  # fax width (Class F: 1728 pixels)
    draw = ImageDraw.Draw(img)
    draw.text((50, 50), text, fill=0)
    draw.rectangle((40, 40, 900, 200), outline=0)
    return img


def fax_tiff(pages=3, compression="group4") -> bytes:
    imgs = [_page(f"page {i + 1}") for i in range(pages)]
    buf = io.BytesIO()
    imgs[0].save(buf, "TIFF", compression=compression, save_all=True, append_images=imgs[1:], dpi=(204, 196))
    return buf.getvalue()


def fax_pdf(pages=2) -> bytes:
    imgs = [_page(f"pdf page {i + 1}").convert("L") for i in range(pages)]
    buf = io.BytesIO()
    imgs[0].save(buf, "PDF", save_all=True, append_images=imgs[1:])
    return buf.getvalue()
