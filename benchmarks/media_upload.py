"""Media uploads on PostgreSQL: a 100 MB recording and 100 ten-page faxes through the HTTP API.

    .venv/bin/python benchmarks/media_upload.py [--mb 100] [--faxes 100]

Starts gunicorn (1 worker, so its memory is the web process's) on a fresh database
`occ_bench_media`, uploads a WAV recording of --mb megabytes as an agent, then --faxes ten-page
G4 TIFF faxes through the signed fax gateway (tasks go to Redis, not rendered in the web process),
then renders the page previews in this process. Prints MB/s, the web worker's RSS before and its
peak (VmHWM) after the big upload, and preview pages/s. Target: growth < 50 MB for the 100 MB file.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "occ_bench_media"
SECRET = "bench-fax-secret"


def big_wav(path: Path, mb: int) -> None:
    data_size = mb * 1024 * 1024 - 44
    rate = 8000
    with path.open("wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE")
        fh.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16))
        fh.write(b"data" + struct.pack("<I", data_size))
        block = bytes(range(256)) * 4096
        left = data_size
        while left:
            fh.write(block[: min(left, len(block))])
            left -= min(left, len(block))


def fax_tiff(pages: int) -> bytes:
    from PIL import Image, ImageDraw

    imgs = []
    for i in range(pages):
        img = Image.new("1", (1728, 2200), 1)
        d = ImageDraw.Draw(img)
        for y in range(100, 2100, 40):
            d.text((80, y), f"page {i + 1} line {y} ร้องเรียน", fill=0)
        imgs.append(img)
    buf = io.BytesIO()
    imgs[0].save(buf, "TIFF", compression="group4", save_all=True, append_images=imgs[1:])
    return buf.getvalue()


def mem_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--faxes", type=int, default=100)
    ap.add_argument("--port", type=int, default=8766)
    args = ap.parse_args()
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True)
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {DB}"], check=True)
    media = tempfile.mkdtemp(prefix="occ-bench-media-")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "DATABASE_URL": f"{PG}/{DB}",
           "MEDIA_ROOT": media, "OCC_FAX_GATEWAY_SECRET": SECRET, "PYTHONPATH": str(ROOT),
           "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/13"),
           "OCC_UPLOAD_TMP_DIR": str(Path(media) / "uploads")}
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen([str(Path(py).parent / "gunicorn"), "benchmarks.wsgi:application", "-b",
                               f"127.0.0.1:{args.port}", "-w", "1", "--timeout", "600", "--log-level", "warning"],
                              cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/v1/categories/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        worker = int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0])
        client = httpx.Client(base_url=base, timeout=600)
        token = client.post("/api/v1/auth/login/", json={"username": "agent", "password": "agent-demo-1212"}).json()["token"]
        auth = {"Authorization": f"Token {token}"}
        ref = client.post("/api/v1/complaints/", json={"category": "financial_scam", "channel": "web",
                                                       "description": "bench", "complainant": {"phone": "0812345678"}}
                          ).json()["reference"]
        wav = Path(media) / "big.wav"
        big_wav(wav, args.mb)
        rss_before = mem_kb(worker, "VmRSS")
        t0 = time.perf_counter()
        with wav.open("rb") as fh:
            r = client.post(f"/api/v1/staff/complaints/{ref}/recordings/", files={"file": ("big.wav", fh, "audio/wav")},
                            headers=auth)
        wall = time.perf_counter() - t0
        assert r.status_code == 201, r.text
        peak = mem_kb(worker, "VmHWM")
        print(f"recording:  {args.mb} MB in {wall:.1f} s = {args.mb / wall:.1f} MB/s (checked, hashed, stored)")
        print(f"web worker: RSS before {rss_before / 1024:.1f} MB, peak after {peak / 1024:.1f} MB, "
              f"growth {(peak - rss_before) / 1024:.1f} MB")

        data = fax_tiff(10)
        sha = hashlib.sha256(data).hexdigest()
        sys.path.insert(0, str(ROOT))
        from channels_intake.telephony.api import machine_sign

        t0 = time.perf_counter()
        for i in range(args.faxes):
            blob = data + f"\n{i}".encode()  # distinct content per fax (TIFF readers ignore trailing bytes)
            digest = hashlib.sha256(blob).hexdigest()
            fields = {"sender_number": "021275789", "receiving_line": "021275789", "page_count": "10",
                      "received_at": ""}
            headers = machine_sign(SECRET, fields=list(fields.values()), file_sha256=digest)
            r = client.post("/api/v1/telephony/fax/", data=fields, files={"file": ("fax.tif", blob, "image/tiff")},
                            headers=headers)
            assert r.status_code == 201, r.text
        wall = time.perf_counter() - t0
        print(f"faxes:      {args.faxes} x 10 pages ({len(data) / 1024:.0f} KB each) in {wall:.1f} s = "
              f"{args.faxes / wall:.1f} faxes/s  (sha of one: {sha[:12]})")

        os.environ.update({k: v for k, v in env.items() if k not in ("PYTHONPATH",)})
        import django

        django.setup()
        from channels_intake.telephony.models import Fax
        from channels_intake.telephony.services import fax_previews_render

        t0 = time.perf_counter()
        pages = sum(fax_previews_render(fax_id=f) for f in Fax.objects.values_list("id", flat=True))
        wall = time.perf_counter() - t0
        print(f"previews:   {pages} pages in {wall:.1f} s = {pages / wall:.1f} pages/s")
        from django.db import connections

        connections.close_all()
    finally:
        server.terminate()
        server.wait()
        subprocess.run([py, "-m", "celery", "-A", "occ", "purge", "-f"], cwd=ROOT, env=env, capture_output=True)
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True)


if __name__ == "__main__":
    main()
