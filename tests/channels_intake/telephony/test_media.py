"""Content checks of recordings and faxes: real encoders' output is described correctly; truncated,
disguised, mislabelled and unsupported files are refused with a reason naming what is wrong.

clause: OCC-5 (the recording of the conversation and the fax are kept as evidence), OCC-8 (evidence
protected against alteration: a damaged file is not taken as if it were whole)."""

import io

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from channels_intake.services import Quarantine
from channels_intake.telephony.media import (
    MediaRejected,
    MediaTooLarge,
    audio_inspect,
    fax_inspect,
    hash_stream,
)

from . import media

FORMATS = {
    "pcm": (media.wav_pcm, "call.wav", "wav", "pcm_s16le", 8000),
    "pcm-extensible": (media.wav_pcm_extensible, "call.wav", "wav", "pcm_s16le", 16000),
    "alaw-stdlib": (lambda: media.wav_g711_stdlib("alaw"), "call.wav", "wav", "pcm_alaw", 8000),
    "mulaw-stdlib": (lambda: media.wav_g711_stdlib("mulaw"), "call.wav", "wav", "pcm_mulaw", 8000),
    "alaw-ffmpeg": (media.wav_alaw, "call.wav", "wav", "pcm_alaw", 8000),
    "mulaw-ffmpeg": (media.wav_mulaw, "call.wav", "wav", "pcm_mulaw", 8000),
    "mp3": (media.mp3, "call.mp3", "mp3", "mp3", 16000),
    "opus": (media.opus, "call.opus", "ogg", "opus", 48000),
    "aac": (media.aac_m4a, "call.m4a", "mp4", "mp4a.40.2", 16000),
}


def inspect(data: bytes, name: str = "call.bin", declared: str = ""):
    return audio_inspect(io.BytesIO(data), name=name, size=len(data), declared_type=declared)


def refused(data: bytes, name: str = "call.bin", declared: str = "") -> str:
    with pytest.raises(MediaRejected) as exc:
        inspect(data, name, declared)
    assert exc.value.filename == name
    return exc.value.reason


@pytest.fixture(scope="module")
def made():
    return {key: make() for key, (make, *_rest) in FORMATS.items()}


@pytest.mark.parametrize("key", FORMATS)
def test_each_accepted_format_is_described_from_its_content(made, key):
    """clause: OCC-5"""
    _, name, container, codec, rate = FORMATS[key]
    info = inspect(made[key], name)
    assert (info.container, info.codec, info.sample_rate, info.channels) == (container, codec, rate, 1)
    assert 0.9 < info.duration < 1.15
    # by content, not by name: the same bytes under a neutral name are the same recording
    assert inspect(made[key], "recording.bin") == info


@pytest.mark.parametrize("key", ["pcm", "alaw-stdlib", "mp3", "opus", "aac"])
@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_recording_is_refused_as_truncated(made, key, keep):
    """clause: OCC-8"""
    data = made[key]
    reason = refused(data[: int(len(data) * keep)], FORMATS[key][1])
    assert "truncated" in reason or "damaged" in reason, reason


def test_an_mp3_cut_exactly_between_frames_is_still_caught_by_its_header():
    data = media.mp3(seconds=2.0)
    starts = media.mp3_frame_boundaries(data)
    cut = starts[len(starts) // 2]
    reason = refused(data[:cut], "call.mp3")
    assert "truncated" in reason and "announces" in reason


def test_an_opus_file_cut_at_a_page_boundary_lacks_its_last_page():
    data = media.opus(seconds=2.0)
    cut = media.ogg_page_boundaries(data)[-1]
    assert "end-of-stream" in refused(data[:cut], "call.opus")


def test_a_wav_cut_inside_its_data_names_both_sizes():
    data = media.wav_pcm()
    reason = refused(data[:3000], "call.wav")
    assert reason.startswith("is truncated") and "3000" in reason


@pytest.mark.parametrize(
    "data,name,needle",
    [
        (media.png(), "call.wav", "its content is image/png"),
        (b"<html><body>not audio</body></html>", "call.mp3", "its content is an HTML page"),
        (media.fax_pdf(1), "call.m4a", "its content is application/pdf"),
        (b"", "call.wav", "not a recording"),
    ],
)
def test_something_else_under_an_audio_name_is_refused_by_content(data, name, needle):
    assert needle in refused(data, name)


def test_a_mislabelled_recording_is_refused_naming_both_kinds():
    assert refused(media.mp3(), "call.wav") == "is named '.wav' (WAV audio) but its content is MP3 audio"
    assert "named '.png'" in refused(media.wav_pcm(), "call.png")
    assert refused(media.wav_pcm(), "call.bin", declared="audio/mpeg") == (
        "was sent as audio/mpeg but its content is WAV audio"
    )
    assert inspect(media.wav_pcm(), "call.bin", declared="application/octet-stream").codec == "pcm_s16le"


def test_unsupported_encodings_are_named():
    """Real encoders' output in containers the centre knows, with codecs it does not take."""
    assert refused(media.encode("wav", "adpcm_ima_wav", 8000), "call.wav").startswith(
        "uses WAV encoding IMA ADPCM (format 0x0011)"
    )
    assert "GSM 6.10" in refused(media.wav_gsm_header(), "call.wav")
    assert refused(media.encode("ogg", "flac", 16000), "call.ogg") == (
        "is an OGG file with FLAC audio; the centre takes OGG only with Opus"
    )
    assert refused(media.encode("ipod", "alac", 16000), "call.m4a") == (
        "is an M4A file with 'alac' audio; the centre takes M4A only with AAC"
    )


def test_an_unfinished_wav_header_is_refused():
    data = bytearray(media.wav_pcm())
    data[4:8] = b"\xff\xff\xff\xff"
    assert "never finalised" in refused(bytes(data), "call.wav")


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from([b"RIFF", b"OggS", b"ID3", b"\xff\xfb", b"\x00\x00\x00\x20ftyp", b""]),
    body=st.binary(max_size=2048),
)
def test_arbitrary_bytes_are_refused_never_crash(prefix, body):
    """Hostile input: whatever the bytes, the answer is a MediaRejected (a reason), never a crash."""
    data = prefix + body
    try:
        info = inspect(data)
    except MediaRejected as exc:
        assert exc.reason
    else:  # the rare random input that is a valid file must at least describe playable audio
        assert info.duration > 0


@hsettings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_real_files_are_refused_or_described_never_crash(made, data):
    key = data.draw(st.sampled_from(sorted(FORMATS)))
    blob = bytearray(made[key])
    for _ in range(data.draw(st.integers(1, 6))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    try:
        inspect(bytes(blob))
    except MediaRejected:
        pass


def test_media_rejected_is_a_quarantine_so_machine_input_is_kept():
    assert issubclass(MediaRejected, Quarantine)


def test_hashing_enforces_the_size_limit_and_refuses_empty_files():
    with pytest.raises(MediaTooLarge):
        hash_stream(io.BytesIO(b"x" * 2000), limit=1000, name="a.wav")
    with pytest.raises(MediaRejected, match="empty"):
        hash_stream(io.BytesIO(b""), limit=1000, name="a.wav")


# --- faxes -----------------------------------------------------------------------------------------


def fax_refused(data: bytes, name: str) -> str:
    with pytest.raises(MediaRejected) as exc:
        fax_inspect(io.BytesIO(data), name=name)
    return exc.value.reason


@pytest.mark.parametrize("compression", ["group3", "group4"])
def test_multi_page_class_f_faxes_are_counted(compression):
    """clause: OCC-5 (the fax kept as evidence), OCC-14 (fax is a published channel)"""
    info = fax_inspect(io.BytesIO(media.fax_tiff(4, compression)), name="fax.tif")
    assert (info.content_type, info.pages, info.compression) == ("image/tiff", 4, compression)


def test_pdf_faxes_are_counted():
    info = fax_inspect(io.BytesIO(media.fax_pdf(3)), name="fax.pdf")
    assert (info.content_type, info.pages) == ("application/pdf", 3)


@pytest.mark.parametrize("compression", ["group3", "group4"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
def test_a_truncated_tiff_fax_is_refused_even_where_libtiff_would_decode_it(compression, keep):
    data = media.fax_tiff(3, compression)
    reason = fax_refused(data[: int(len(data) * keep)], "fax.tif")
    assert "truncated" in reason or "damaged" in reason, reason


def test_a_truncated_pdf_fax_is_refused():
    data = media.fax_pdf(2)
    assert "damaged PDF" in fax_refused(data[: len(data) // 2], "fax.pdf")
    assert "damaged PDF" in fax_refused(b"%PDF-1.4 garbage", "fax.pdf")


@pytest.mark.parametrize(
    "data,name,needle",
    [
        (media.png(), "fax.tif", "not a fax image (TIFF or PDF): its content is image/png"),
        (media.fax_tiff(1), "fax.pdf", "named '.pdf' but its content is a TIFF image"),
        (media.fax_pdf(1), "fax.tiff", "named '.tiff' but its content is a PDF document"),
        (media.wav_pcm(), "fax.tif", "its content is audio/x-wav"),
    ],
)
def test_disguised_faxes_are_refused(data, name, needle):
    assert needle in fax_refused(data, name)


def test_page_and_pixel_limits_guard_against_decompression_bombs(settings):
    settings.OCC_FAX_MAX_PAGES = 2
    assert "more than 2 pages" in fax_refused(media.fax_tiff(3), "fax.tif")
    settings.OCC_FAX_MAX_PAGES = 200
    settings.OCC_FAX_MAX_PAGE_PIXELS = 1000
    assert "pixels" in fax_refused(media.fax_tiff(1), "fax.tif")


def test_a_page_whose_image_data_runs_past_the_end_is_truncated():
    """The directory is intact but the strip data did not all arrive: libtiff would show blank paper."""
    data = media.tiff_claiming_more_data(media.fax_tiff(1, "group4"))
    reason = fax_refused(data, "fax.tif")
    assert (
        reason.startswith("is truncated: page 1's image data ends at byte")
        and f"only {len(data)} bytes" in reason
    )
