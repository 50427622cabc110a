"""Production smoke test: the image's file tree and the compose commands, run without Docker.

1. Builds the tree the Dockerfile's build stage COPYs into a temporary folder (every COPY line is
   read from the Dockerfile; a missing path fails here as it would in ``docker build``), checks the
   lock file is what is installed (``pip install --require-hashes --no-deps -r requirements.lock``),
   then runs the image's build steps in the tree: compilemessages and collectstatic.
2. Starts its own Redis (port 6391) and uses its own PostgreSQL database (``occ_smoke``), runs
   the compose ``migrate`` command, then starts, as separate processes, the compose ``web``
   (gunicorn under occ.settings.production), ``worker`` and ``beat`` commands, and a webhook
   receiver standing in for an agency.
3. Over HTTP: the portal, the desk log-in and the agency inbox answer 200 with their CSS (and
   the CSS URL answers 200) and a CSP; a complaint filed through the API is routed by an agent
   (staff API) to a webhook agency and delivered by the worker, signed, to the receiver; a signed
   PBX recording and a fax are accepted; /metrics/ needs its bearer secret; /health/ is 200, then
   503 naming the broker once this Redis is stopped.
4. Stops every process it started, by PID, and prints what it checked.

Run: ``make prod-smoke`` or ``.venv/bin/python tools/prod_smoke.py`` (CI: .ci/run, after the
PostgreSQL pass). Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and redis-server.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent
PG = os.environ.get("SMOKE_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("SMOKE_DB", "occ_smoke")
REDIS_PORT = int(os.environ.get("SMOKE_REDIS_PORT", "6391"))
WEB_PORT = int(os.environ.get("SMOKE_WEB_PORT", "8610"))
HOOK_PORT = int(os.environ.get("SMOKE_HOOK_PORT", "8611"))
BASE = f"http://127.0.0.1:{WEB_PORT}"
HTTPS = {"X-Forwarded-Proto": "https"}  # as the TLS proxy in front of gunicorn sends it

checked: list[str] = []


def ok(what: str) -> None:
    checked.append(what)
    print(f"  ok  {what}", flush=True)


class SmokeFailure(AssertionError):
    pass


def expect(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# --- 1. the image's file tree ----------------------------------------------------------------
def dockerfile_copies(dockerfile: Path) -> list[tuple[str, str]]:
    """(source, destination) of every COPY of the build context (not --from=) in the Dockerfile."""
    copies = []
    workdir = "/"
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if line.startswith("WORKDIR "):
            workdir = line.split(None, 1)[1]
        if not line.startswith("COPY "):
            continue
        parts = shlex.split(line)[1:]
        if any(p.startswith("--from") for p in parts):
            continue
        parts = [p for p in parts if not p.startswith("--")]
        *sources, dest = parts
        for source in sources:
            target = dest if dest.startswith("/") else f"{workdir.rstrip('/')}/{dest}"
            copies.append((source, target))
    expect(copies, "the Dockerfile has no COPY lines")
    return copies


def build_tree(tmp: Path) -> Path:
    app = tmp / "app"
    for source, target in dockerfile_copies(ROOT / "Dockerfile"):
        src = ROOT / source
        expect(src.exists(), f"Dockerfile: COPY {source} names a path that does not exist")
        expect(target.startswith("/app"), f"Dockerfile: COPY {source} {target} leaves /app")
        dst = app / Path(target).relative_to("/app")
        if src.is_dir():
            shutil.copytree(
                src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True
            )
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    ok(f"built the image's tree from {len(dockerfile_copies(ROOT / 'Dockerfile'))} Dockerfile COPY lines")
    return app


def run(cmd, *, env, cwd, what: str, timeout: int = 180, shell: bool = False) -> str:
    r = subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, shell=shell, check=False
    )
    if r.returncode != 0:
        raise SmokeFailure(f"{what} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r.stdout + r.stderr


# --- processes ---------------------------------------------------------------------------------
class Processes:
    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, cmd, *, env, cwd, shell: bool = False) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, shell=shell, start_new_session=True
        )
        self.started[name] = proc
        return proc

    def stop(self, name: str) -> None:
        proc = self.started.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # by PID: gunicorn and celery stop their own children
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in reversed(list(self.started)):
            self.stop(name)

    def tail(self, name: str, n: int = 40) -> str:
        path = self.logdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) if path.exists() else ""


def wait_for(predicate, what: str, timeout: float = 60, every: float = 0.3):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
            last = exc
        time.sleep(every)
    raise SmokeFailure(f"timed out waiting for {what}" + (f" (last error: {last!r})" if last else ""))


RECEIVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
out = sys.argv[2]
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(out, "a") as f:
            f.write(json.dumps({"headers": dict(self.headers), "body": body.decode()}) + "\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""

SETUP = r"""
from complaints.models import Agency, Role, User
from django_otp.plugins.otp_totp.models import TOTPDevice
import os
Agency.objects.filter(code="ccib").update(
    delivery_method="webhook", webhook_url=os.environ["SMOKE_HOOK_URL"], webhook_secret=os.environ["SMOKE_HOOK_SECRET"]
)
agent = User.objects.create_user(username="smoke-agent", password=os.environ["SMOKE_PASSWORD"], role=Role.AGENT)
officer = User.objects.create_user(
    username="smoke-officer", password=os.environ["SMOKE_PASSWORD"], role=Role.AGENCY_OFFICER,
    agency=Agency.objects.get(code="ccib"),
)
TOTPDevice.objects.create(user=officer, name="smoke", key=os.environ["SMOKE_TOTP_KEY"], confirmed=True)
TOTPDevice.objects.create(user=agent, name="smoke", key=os.environ["SMOKE_TOTP_KEY"], confirmed=True)
print("setup done")
"""


def compose_commands() -> dict[str, str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    commands = {name: services[name]["command"] for name in ("migrate", "web", "worker", "beat")}
    expect(all(isinstance(c, str) for c in commands.values()), "compose commands must be strings")
    for name in (
        "transfer_seal_key",
        "pbx_secrets",
        "fax_gateway_secrets",
        "metrics_token",
        "fingerprint_keys",
    ):
        expect(name in compose.get("secrets", {}), f"docker-compose.yml declares no secret {name}")
    expect("media" in compose.get("volumes", {}), "docker-compose.yml has no media volume")
    return commands


# --- 3. HTTP checks ------------------------------------------------------------------------------
class Browser:
    """Keeps cookies itself: the production cookies are Secure, and the proxy's HTTPS is simulated."""

    def __init__(self):
        self.client = httpx.Client(base_url=BASE, headers=HTTPS, timeout=15, follow_redirects=False)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        headers = {**kw.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        r = self.client.request(method, url, headers=headers, **kw)
        for value in r.headers.get_list("set-cookie"):
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return r

    def page_with_css(self, url: str, what: str) -> str:
        r = self.request("GET", url)
        expect(r.status_code == 200, f"{what} {url} answered {r.status_code}")
        csp = r.headers.get("content-security-policy", "")
        expect("default-src 'self'" in csp and "unsafe-inline" not in csp, f"{what}: no strict CSP ({csp!r})")
        css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', r.text)
        expect(css, f"{what} links no stylesheet")
        for href in css:
            expect(re.search(r"\.[0-9a-f]{12}\.css$", href), f"{what}: {href} is not a hashed static name")
            s = self.request("GET", href)
            expect(s.status_code == 200 and "text/css" in s.headers.get("content-type", ""), f"{href} {s}")
            expect("max-age=315360000" in s.headers.get("cache-control", ""), f"{href} is not cached")
        ok(f"{what} {url} 200 with CSP; its CSS {css[0]} 200 (text/css, hashed, cached)")
        return r.text

    def csrf(self, html: str) -> str:
        m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if m is None:
            raise SmokeFailure("no CSRF token on the form")
        return m.group(1)


def wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x10" * int(seconds * rate))
    return buf.getvalue()


def fax_tiff() -> bytes:
    from PIL import Image, ImageDraw

    page = Image.new("1", (1728, 600), 1)
    ImageDraw.Draw(page).text((40, 40), "smoke fax page 1", fill=0)
    buf = io.BytesIO()
    page.save(buf, "TIFF", compression="group4", dpi=(204, 196))
    return buf.getvalue()


def machine_headers(secret: str, *, path: str, content: bytes, fields: dict) -> dict[str, str]:
    """The PBX / fax gateway signature (channels_intake/telephony/auth.py, docs/telephony.md)."""
    from urllib.parse import urlencode

    ts = str(int(time.time()))
    digest = hashlib.sha256(content).hexdigest()
    canonical = urlencode(sorted((k, str(v)) for k, v in fields.items()))
    message = "\n".join([ts, "POST", path, digest, canonical]).encode()
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return {"X-OCC-Timestamp": ts, "X-OCC-Content-SHA256": digest, "X-OCC-Signature": f"sha256={signature}"}


def http_checks(env: dict, procs: Processes, received: Path) -> None:
    b = Browser()
    b.page_with_css("/", "portal")
    b.page_with_css("/file/", "portal complaint form")
    login = b.page_with_css("/desk/login/", "desk log-in")

    # the agency officer signs in (password, then the authenticator code) and opens the inbox
    from django_otp.oath import totp

    r = b.request(
        "POST",
        "/desk/login/",
        data={
            "csrfmiddlewaretoken": b.csrf(login),
            "username": "smoke-officer",
            "password": env["SMOKE_PASSWORD"],
        },
        headers={"Referer": f"https://127.0.0.1:{WEB_PORT}/desk/login/"},
    )
    expect(
        r.status_code == 302 and r.headers["location"].endswith("/desk/login/otp/"),
        f"log-in: {r.status_code}",
    )
    otp_page = b.request("GET", "/desk/login/otp/")
    code = f"{totp(bytes.fromhex(env['SMOKE_TOTP_KEY'])):06d}"
    r = b.request(
        "POST",
        "/desk/login/otp/",
        data={"csrfmiddlewaretoken": b.csrf(otp_page.text), "token": code},
        headers={"Referer": f"https://127.0.0.1:{WEB_PORT}/desk/login/otp/"},
    )
    expect(r.status_code == 302, f"second factor: {r.status_code}")
    b.page_with_css("/agency/", "agency inbox (officer signed in with two factors)")

    # a complaint through the public API, routed by an agent, delivered by the worker
    api = httpx.Client(base_url=BASE, headers=HTTPS, timeout=15)
    filed = api.post(
        "/api/v1/complaints/",
        json={
            "category": "financial_scam",
            "channel": "web",
            "description": "smoke test: a fake investment page took a transfer",
            "complainant": {"name": "Smoke Test", "email": "smoke@example.com"},
            "anonymous": False,
            "incident": {"website_url": "https://scam.example/x", "amount_lost": "100.00"},
        },
    )
    expect(filed.status_code == 201, f"intake: {filed.status_code} {filed.text[:300]}")
    reference = filed.json()["reference"]
    ok(f"complaint filed through POST /api/v1/complaints/ (201, {reference})")
    token = api.post(
        "/api/v1/auth/login/",
        json={
            "username": "smoke-agent",
            "password": env["SMOKE_PASSWORD"],
            "otp": f"{totp(bytes.fromhex(env['SMOKE_TOTP_KEY'])):06d}",
        },
    )
    expect(token.status_code == 200, f"agent API log-in: {token.status_code} {token.text[:200]}")
    staff = {"Authorization": f"Token {token.json()['token']}"}
    proposals = api.get(f"/api/v1/staff/complaints/{reference}/routing/", headers=staff)
    expect(proposals.status_code == 200, f"routing proposals: {proposals.status_code}")
    expect("ccib" in [p["agency"] for p in proposals.json()["proposals"]], "ccib not proposed")
    referral = api.post(
        f"/api/v1/staff/complaints/{reference}/referrals/",
        json={"agency": "ccib", "purpose": "investigation", "basis": "related_agency"},
        headers=staff,
    )
    expect(referral.status_code == 201, f"referral: {referral.status_code} {referral.text[:300]}")
    request_id = referral.headers.get("x-request-id", "")
    ok(
        f"agent routed it to the webhook agency ccib through the staff API (201, state {referral.json()['state']})"
    )

    def delivered():
        lines = received.read_text().splitlines() if received.exists() else []
        return [json.loads(line) for line in lines]

    got = wait_for(delivered, "the worker to deliver the referral to the receiver", timeout=60)
    headers = {k.lower(): v for k, v in got[0]["headers"].items()}
    body = got[0]["body"].encode()
    # Standard Webhooks: v1,<base64 HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")>
    key = base64.b64decode(env["SMOKE_HOOK_SECRET"].removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    expect(expected in headers["webhook-signature"].split(), "the webhook signature does not verify")
    expect(reference in got[0]["body"], "the delivered payload does not name the case")

    ok("the worker delivered it, signed (HMAC verified), to the local receiver")
    expect(request_id, "the routing answer has no X-Request-ID")

    # The task's own log lines (its outcome) are written once the receiver has answered, so the
    # receiver can hold the body a moment before the worker's log does: wait for the line.
    def worker_log_naming_the_request() -> str:
        log = procs.tail("worker", 400)
        return log if f'"request_id": "{request_id}"' in log else ""

    try:
        worker_log = wait_for(
            worker_log_naming_the_request, "the worker's log lines of the delivery", timeout=15
        )
    except SmokeFailure:
        raise SmokeFailure(
            "the worker's log lines of the delivery do not carry the routing request's id"
        ) from None
    expect("smoke@example.com" not in worker_log and "Smoke Test" not in worker_log, "personal value in log")
    ok(f"worker logs are JSON, carry the routing request's id {request_id[:12]}..., no personal value")

    # the telephone system and the fax gateway
    path = "/api/v1/telephony/recordings/"
    audio = wav()
    fields = {"call_id": "smoke-call-1"}
    r = api.post(
        path,
        data=fields,
        files={"file": ("smoke-call-1.wav", audio, "application/octet-stream")},
        headers=machine_headers(env["OCC_PBX_SECRETS"], path=path, content=audio, fields=fields),
    )
    expect(r.status_code == 201, f"PBX recording: {r.status_code} {r.text[:300]}")
    ok("a signed PBX recording was accepted (201)")
    path = "/api/v1/telephony/fax/"
    fax = fax_tiff()
    fields = {
        "sender_number": "02-127-5789",
        "receiving_line": "021275789",
        "received_at": "2026-11-23T09:00:00+07:00",
    }
    r = api.post(
        path,
        data=fields,
        files={"file": ("fax.tif", fax, "application/octet-stream")},
        headers=machine_headers(env["OCC_FAX_GATEWAY_SECRETS"], path=path, content=fax, fields=fields),
    )
    expect(r.status_code in (200, 201, 202), f"fax: {r.status_code} {r.text[:300]}")
    ok(f"a signed fax was accepted ({r.status_code})")
    unsigned = api.post(path, data=fields, files={"file": ("fax.tif", fax, "application/octet-stream")})
    expect(unsigned.status_code == 401, f"an unsigned fax answered {unsigned.status_code}")

    # metrics: private, and they count what just happened
    expect(api.get("/metrics/").status_code == 404, "/metrics/ answers without its bearer secret")
    wanted = {
        "the delivered referral": r'occ_referrals\{state="delivered"\} 1\.0',
        "the worker's delivery run": (
            r'occ_task_runs_total\{outcome="succeeded",task="routing.tasks.referral_deliver"\} [1-9]'
        ),
        "the delivery queue's depth": r'occ_queue_depth\{queue="delivery"\} \d',
        "the intake request": (
            r'occ_http_requests_total\{method="POST",route="api/v1/complaints/",status="201"\} [1-9]'
        ),
        "overdue data-subject requests": r"occ_dsr_overdue 0\.0",
    }
    missing: list[str] = []

    def scraped() -> bool:
        m = api.get("/metrics/", headers={"Authorization": f"Bearer {env['OCC_METRICS_TOKEN']}"})
        expect(m.status_code == 200, f"/metrics/ with the token: {m.status_code}")
        missing[:] = [what for what, pattern in wanted.items() if not re.search(pattern, m.text)]
        return not missing

    try:
        wait_for(scraped, "the metrics", timeout=20, every=1)
    except SmokeFailure as exc:
        raise SmokeFailure(f"/metrics/ does not show: {', '.join(missing)}") from exc
    ok(
        "/metrics/ 404 without the bearer secret; with it: requests, task runs, queue depth, referrals by state"
    )

    # health, then the broker goes away
    h = httpx.get(f"{BASE}/health/", timeout=10)
    expect(h.status_code == 200 and h.json()["status"] == "ok", f"/health/ {h.status_code} {h.text}")
    ok("/health/ 200 (database, cache, broker ok)")
    procs.stop("redis")
    h = httpx.get(f"{BASE}/health/", timeout=15)
    expect(h.status_code == 503, f"/health/ with Redis stopped answered {h.status_code}")
    expect(h.json()["checks"]["broker"]["status"] == "unavailable", f"the broker is not named: {h.text}")
    ok("/health/ 503 naming the broker after this run's Redis was stopped")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="occ-prod-smoke-"))
    (tmp / "logs").mkdir()
    procs = Processes(tmp / "logs")
    print(f"== production smoke ({tmp})", flush=True)
    failed = False
    try:
        app = build_tree(tmp)
        commands = compose_commands()
        ok(
            "docker-compose.yml declares the secrets and the media volume; commands read for migrate, web, worker, beat"
        )
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "REDIS_"))
        }
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = tmp / "secrets" / "transfer-seal.pem"
        key.parent.mkdir()
        key.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        env.update(
            {
                "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
                "PYTHONPATH": str(app),
                "PYTHONDONTWRITEBYTECODE": "1",
                "DJANGO_SETTINGS_MODULE": "occ.settings.production",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{WEB_PORT}",
                "DATABASE_URL": f"{PG}/{DB_NAME}",
                "DATABASE_CONN_MAX_AGE": "0",
                "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
                "CELERY_RESULT_BACKEND": f"redis://127.0.0.1:{REDIS_PORT}/1",
                "REDIS_CACHE_URL": f"redis://127.0.0.1:{REDIS_PORT}/2",
                "STATIC_ROOT": str(app / "var" / "static"),
                "MEDIA_ROOT": str(tmp / "media"),
                "OCC_SEAL_KEY_PATH": str(key),
                "OCC_SEAL_KEY_AUTOCREATE": "false",
                "OCC_PBX_SECRETS": secrets.token_hex(16),
                "OCC_FAX_GATEWAY_SECRETS": secrets.token_hex(16),
                "OCC_MAIL_GATEWAY_SECRET": secrets.token_hex(16),
                "OCC_METRICS_TOKEN": secrets.token_hex(16),
                "OCC_FINGERPRINT_KEYS": f"smoke:{secrets.token_hex(16)}",
                "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
                "GUNICORN_BIND": f"127.0.0.1:{WEB_PORT}",
                "WEB_CONCURRENCY": "2",
                "LOG_FORMAT": "json",
                "SMOKE_HOOK_URL": f"http://127.0.0.1:{HOOK_PORT}/occ/referrals",
                "SMOKE_HOOK_SECRET": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
                "SMOKE_PASSWORD": secrets.token_urlsafe(18),
                "SMOKE_TOTP_KEY": secrets.token_hex(20),
            }
        )
        # the image's build steps (Dockerfile RUN lines)
        run(
            [
                PY,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--require-hashes",
                "--no-deps",
                "-r",
                "requirements.lock",
            ],
            env=env,
            cwd=app,
            what="pip install -r requirements.lock",
            timeout=600,
        )
        ok("requirements.lock (hashes) is what this environment has installed")
        build_env = {
            **env,
            "DATABASE_URL": "postgres://build@127.0.0.1:1/build",
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        }
        run([PY, "manage.py", "compilemessages", "-l", "th"], env=build_env, cwd=app, what="compilemessages")
        run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=build_env,
            cwd=app,
            what="collectstatic",
        )
        expect((app / "locale/th/LC_MESSAGES/django.mo").exists(), "no compiled Thai catalogue in the tree")
        expect((app / "var/static/staticfiles.json").exists(), "collectstatic wrote no manifest")
        ok("compilemessages and collectstatic (hashed, compressed) ran in the tree as at image build")

        # services of our own: a Redis, a database
        procs.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            env=env,
            cwd=tmp,
        )
        import psycopg
        import redis

        wait_for(lambda: redis.Redis(port=REDIS_PORT).ping(), f"redis-server on {REDIS_PORT}", timeout=15)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        ok(
            f"own Redis on port {REDIS_PORT} (pid {procs.started['redis'].pid}); fresh PostgreSQL database {DB_NAME}"
        )

        run(commands["migrate"], env=env, cwd=app, what="compose migrate", shell=True, timeout=300)
        ok(f"compose migrate: {commands['migrate']}")
        run([PY, "manage.py", "shell", "-c", SETUP], env=env, cwd=app, what="user and agency setup")
        run(
            [PY, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            env=env,
            cwd=app,
            what="check --deploy",
        )
        ok("manage.py check --deploy --fail-level WARNING passes in the tree")

        received = tmp / "received.jsonl"
        procs.start("receiver", [PY, "-c", RECEIVER, str(HOOK_PORT), str(received)], env=env, cwd=tmp)
        beat_cmd = commands["beat"].replace("/tmp/celerybeat-schedule", str(tmp / "celerybeat-schedule"))
        # As in the image, where each container has its own folder (here only the web uses one).
        web_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus")}
        procs.start("web", shlex.split(commands["web"]), env=web_env, cwd=app)
        procs.start("worker", [*shlex.split(commands["worker"]), "--concurrency", "2"], env=env, cwd=app)
        procs.start("beat", shlex.split(beat_cmd), env=env, cwd=app)
        wait_for(lambda: httpx.get(f"{BASE}/health/", timeout=2).status_code == 200, "gunicorn", timeout=60)
        ping = [str(BIN / "celery"), "-A", "occ", "inspect", "ping", "-t", "2"]
        wait_for(
            lambda: (
                subprocess.run(
                    ping, env=env, cwd=app, capture_output=True, timeout=20, check=False
                ).returncode
                == 0
            ),
            "the Celery worker",
            timeout=60,
            every=1,
        )
        for name in ("web", "worker", "beat", "receiver"):
            expect(procs.started[name].poll() is None, f"{name} exited:\n{procs.tail(name)}")
        pids = ", ".join(f"{n} {p.pid}" for n, p in procs.started.items())
        ok(f"started as separate processes with the compose commands: {pids}")

        http_checks(env, procs, received)
        beat_log = procs.tail("beat", 200)
        expect(procs.started["beat"].poll() is None, f"beat exited:\n{beat_log}")
        ok("beat ran throughout (sends the periodic sweeps)")
    except Exception as exc:  # noqa: BLE001 - any failure: report it with the processes' logs
        failed = True
        print(f"FAILED: {type(exc).__name__}: {exc}", flush=True)
        for name in list(procs.started):
            print(f"--- {name} log (last lines)\n{procs.tail(name)}", flush=True)
    finally:
        procs.stop_all()
        if not args.keep and not failed:
            shutil.rmtree(tmp, ignore_errors=True)
    took = time.monotonic() - started
    if failed:
        print(
            f"production smoke FAILED after {took:.0f} s ({len(checked)} checks passed first; logs in {tmp})"
        )
        return 1
    print(f"production smoke: {len(checked)} checks passed in {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
