"""Media uploads on PostgreSQL through the HTTP API of a real gunicorn process.

    .venv/bin/python benchmarks/media_upload.py [--mb 100] [--faxes 100] [--pages 10]

Recreates the database $BENCH_DB (default `h_tel`) on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432), migrates it, starts gunicorn (one sync worker: its memory is
the web process's) with benchmarks.settings and Celery on Redis ($BENCH_BROKER, default db 5), then:

1. an agent uploads a --mb MB WAV recording in one multipart request;
2. an agent uploads the same size through the resumable protocol (16 MB chunks, then finalize);
3. the PBX uploads a --mb MB recording, signed (kept raw in the inbound store, then checked);
4. the fax gateway delivers --faxes faxes of --pages pages (G4 TIFF), signed;
5. a Celery worker renders the page previews.

Prints MB/s for each upload and the web worker's peak memory growth during it (VmHWM after the
request minus VmRSS before, with the peak reset first), faxes/s at intake, and preview pages/s.
Target: growth below 50 MB for the 100 MB upload. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "h_tel")
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/5")
PBX_SECRET = "bench-pbx-secret"
FAX_SECRET = "bench-fax-secret"
CHUNK = 16 * 1024 * 1024


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True, capture_output=True)


def mem_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Peak:
    """The web worker's resident memory: reset the peak, then read how far it grew."""

    def __init__(self, pid: int):
        self.pid = pid

    def __enter__(self):
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        except OSError:
            pass
        self.before = mem_kb(self.pid, "VmRSS")
        return self

    def __exit__(self, *exc):
        self.peak = mem_kb(self.pid, "VmHWM")
        self.growth_mb = (self.peak - self.before) / 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while piece := fh.read(1024 * 1024):
            digest.update(piece)
    return digest.hexdigest()


def report(label: str, mb: float, wall: float, peak: Peak) -> None:
    print(
        f"{label:<28} {mb:6.0f} MB in {wall:6.2f} s = {mb / wall:7.1f} MB/s   web worker RSS "
        f"{peak.before / 1024:6.1f} MB, peak {peak.peak / 1024:6.1f} MB, growth {peak.growth_mb:5.1f} MB"
    )


def fax_tiff(pages: int, seed: int) -> bytes:
    from PIL import Image, ImageDraw

    imgs = []
    for i in range(pages):
        img = Image.new("1", (1728, 2200), 1)
        draw = ImageDraw.Draw(img)
        for y in range(100, 2100, 40):
            draw.text((80, y), f"fax {seed} page {i + 1} line {y}: complaint about an online shop", fill=0)
        imgs.append(img)
    buf = io.BytesIO()
    imgs[0].save(buf, "TIFF", compression="group4", save_all=True, append_images=imgs[1:], dpi=(204, 196))
    return buf.getvalue()


TOTP_SNIPPET = (
    "from django_otp.oath import totp;"
    "from django_otp.plugins.otp_totp.models import TOTPDevice;"
    "from complaints.models import User;"
    "d=TOTPDevice.objects.filter(user__username='agent',confirmed=True).first() or "
    "TOTPDevice.objects.create(user=User.objects.get(username='agent'),name='bench',confirmed=True);"
    "print(f'{totp(d.bin_key):06d}')"
)


def agent_totp_code(env: dict) -> str:
    """The staff API gives a token only after the second factor: enrol the demo agent and read a code."""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", TOTP_SNIPPET],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def main() -> None:  # noqa: C901 - a script that runs its steps in order
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--faxes", type=int, default=100)
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--port", type=int, default=8795)
    args = ap.parse_args()

    from tests.channels_intake.telephony.media import big_wav_file

    work = Path(tempfile.mkdtemp(prefix="occ-bench-media-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": f"{PG}/{DB}",
        "MEDIA_ROOT": str(work / "media"),
        "CELERY_BROKER_URL": BROKER,
        "PYTHONPATH": str(ROOT),
        "OCC_PBX_SECRETS": PBX_SECRET,
        "OCC_FAX_GATEWAY_SECRETS": FAX_SECRET,
        "DATABASE_CONN_MAX_AGE": "0",
        "OCC_RECORDING_MAX_BYTES": str(max(200, args.mb + 10) * 1024 * 1024),
    }
    py = sys.executable
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([py, "-m", "celery", "-A", "occ", "purge", "-f"], cwd=ROOT, env=env, capture_output=True)
    server = subprocess.Popen(
        [
            str(Path(py).parent / "gunicorn"),
            "benchmarks.wsgi:application",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            "1",
            "--timeout",
            "900",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    worker_proc = None
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/api/v1/categories/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        web = int(
            subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0]
        )
        client = httpx.Client(base_url=base, timeout=900)
        login = client.post(
            "/api/v1/auth/login/",
            json={"username": "agent", "password": "agent-demo-1212", "otp": agent_totp_code(env)},
        )
        auth = {"Authorization": f"Token {login.json()['token']}"}
        ref = client.post(
            "/api/v1/complaints/",
            json={
                "category": "financial_scam",
                "channel": "web",
                "description": "benchmark case",
                "complainant": {"phone": "0812345678"},
            },
        ).json()["reference"]
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        import django

        django.setup()
        from channels_intake.telephony.auth import machine_headers

        print(f"gunicorn pid {web} (1 sync worker), PostgreSQL database {DB}, Celery broker {BROKER}")
        print(f"web worker RSS after warm-up: {mem_kb(web, 'VmRSS') / 1024:.1f} MB")

        # 1. one multipart request
        wav = big_wav_file(work / "big.wav", args.mb)
        with Peak(web) as peak, wav.open("rb") as fh:
            t0 = time.perf_counter()
            r = client.post(
                f"/api/v1/staff/complaints/{ref}/recordings/",
                headers=auth,
                files={"file": ("big.wav", fh, "audio/wav")},
            )
            wall = time.perf_counter() - t0
        assert r.status_code == 201, r.text
        report("agent upload (multipart)", args.mb, wall, peak)

        # 2. the resumable protocol (another file: the first one's bytes are already stored)
        wav2 = big_wav_file(work / "big2.wav", args.mb, rate=16000)
        size = wav2.stat().st_size
        with Peak(web) as peak:
            t0 = time.perf_counter()
            session = client.post(
                "/api/v1/staff/recording-uploads/",
                headers=auth,
                json={
                    "reference": ref,
                    "filename": "big2.wav",
                    "total_size": size,
                    "sha256": sha256_of(wav2),
                },
            )
            url = session.headers["Location"]
            with wav2.open("rb") as fh:
                offset = 0
                while piece := fh.read(CHUNK):
                    r = client.patch(
                        url,
                        content=piece,
                        headers={
                            **auth,
                            "Upload-Offset": str(offset),
                            "Content-Type": "application/offset+octet-stream",
                        },
                    )
                    assert r.status_code == 200, r.text
                    offset += len(piece)
            r = client.post(url + "finalize/", headers=auth)
            wall = time.perf_counter() - t0
        assert r.status_code == 201, r.text
        report(f"agent upload (resumable {CHUNK >> 20}M)", args.mb, wall, peak)

        # 3. the telephone system, signed
        wav3 = big_wav_file(work / "big3.wav", args.mb, rate=11025)
        path = "/api/v1/telephony/recordings/"
        headers = machine_headers(
            PBX_SECRET,
            method="POST",
            path=path,
            content_sha256=sha256_of(wav3),
            fields={"call_id": "bench-call-1"},
        )
        with Peak(web) as peak, wav3.open("rb") as fh:
            t0 = time.perf_counter()
            r = client.post(
                path,
                headers=headers,
                data={"call_id": "bench-call-1"},
                files={"file": ("bench-call-1.wav", fh, "audio/wav")},
            )
            wall = time.perf_counter() - t0
        assert r.status_code == 201, r.text
        report("PBX upload (signed, kept raw)", args.mb, wall, peak)

        # 4. faxes through the gateway
        blobs = [fax_tiff(args.pages, i) for i in range(min(args.faxes, 5))]
        path = "/api/v1/telephony/fax/"
        with Peak(web) as peak:
            t0 = time.perf_counter()
            total_bytes = 0
            for i in range(args.faxes):
                blob = blobs[i % len(blobs)] + f"\n{i}".encode()  # distinct bytes per fax
                total_bytes += len(blob)
                fields = {
                    "sender_number": "021275789",
                    "receiving_line": "021275789",
                    "page_count": str(args.pages),
                    "fax_id": f"bench-{i}",
                }
                headers = machine_headers(FAX_SECRET, method="POST", path=path, content=blob, fields=fields)
                r = client.post(
                    path, headers=headers, data=fields, files={"file": ("fax.tif", blob, "image/tiff")}
                )
                assert r.status_code == 201, r.text
            wall = time.perf_counter() - t0
        print(
            f"{'fax gateway intake':<28} {args.faxes} faxes x {args.pages} pages "
            f"({total_bytes / args.faxes / 1024:.0f} KB each) in {wall:.2f} s = {args.faxes / wall:.1f} faxes/s, "
            f"{args.faxes * args.pages / wall:.0f} pages/s checked; web growth {peak.growth_mb:.1f} MB"
        )

        # 5. previews in a Celery worker (the web process only enqueued them)
        from channels_intake.telephony.models import Fax, FaxPage
        from channels_intake.telephony.tasks import fax_previews

        subprocess.run(
            [py, "-m", "celery", "-A", "occ", "purge", "-f"], cwd=ROOT, env=env, capture_output=True
        )
        worker_log = (work / "worker.log").open("w")
        worker_proc = subprocess.Popen(
            [
                py,
                "-m",
                "celery",
                "-A",
                "occ",
                "worker",
                "-l",
                "warning",
                "-c",
                "1",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        from occ.celery import app

        for _ in range(100):
            if app.control.ping(timeout=0.5):
                break
        ids = list(Fax.objects.values_list("id", flat=True))
        t0 = time.perf_counter()
        for fax_id in ids:
            fax_previews.delay(fax_id)
        pages = len(ids) * args.pages
        while FaxPage.objects.count() < pages or Fax.objects.exclude(previews="ready").exists():
            if Fax.objects.filter(previews="failed").exists():
                raise SystemExit("a preview failed")
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        print(
            f"{'previews (1 Celery worker)':<28} {pages} pages in {wall:.2f} s = {pages / wall:.1f} pages/s"
        )
        from django.db import connections

        connections.close_all()
    finally:
        if worker_proc is not None:
            worker_proc.terminate()
            worker_proc.wait()
        server.terminate()
        server.wait()
        subprocess.run(
            [py, "-m", "celery", "-A", "occ", "purge", "-f"], cwd=ROOT, env=env, capture_output=True
        )
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
