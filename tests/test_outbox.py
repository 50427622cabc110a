"""The transactional outbox and its relay: no broker call inside a request or an intake
transaction, so a frozen or absent Redis never slows a citizen or an agent (ARCHITECTURE: Tasks;
clause: OCC-8 against loss: what was asked for is kept and relayed once the broker is back)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from complaints.models import Complaint, Role
from occ import outbox
from occ.outbox import relay
from occ.outbox.models import OutboxMessage
from tests.conftest import complaint_body

REDIS_PORT = int(os.environ.get("OCC_TEST_REDIS_PORT", "6393"))
TASK = "routing.tasks.referral_deliver"


@pytest.fixture
def broker_mode(monkeypatch):
    """Tasks go to a broker (not run in-process); publishing is recorded or made to fail."""
    published: list[tuple[str, list]] = []
    state = {"down": False}

    def fake_publish(name, args):
        if state["down"]:
            raise OperationalError("Error 111 connecting to redis: Connection refused.")
        published.append((name, list(args)))

    monkeypatch.setattr(relay, "eager", lambda: False)
    monkeypatch.setattr(relay, "publish", fake_publish)
    return published, state


def _one_by_one(published: list[tuple[str, list]]) -> list[tuple[str, list]]:
    """The published messages with each batch (settings.OCC_OUTBOX_BATCHED) as its rows."""
    batch_of = {batch: task for task, batch in settings.OCC_OUTBOX_BATCHED.items()}
    rows = []
    for name, args in published:
        if name in batch_of:
            rows += [(batch_of[name], [pk]) for pk in args[0]]
        else:
            rows.append((name, args))
    return rows


@pytest.mark.django_db
def test_consecutive_deliveries_go_out_as_batches_in_order(broker_mode, settings):
    """One broker message per batch of consecutive referral deliveries (each with its request
    id), other tasks one message each, the order of the rows kept."""
    published, state = broker_mode
    settings.OCC_OUTBOX_BATCH_SIZE = 3
    for n in (1, 2, 3, 4):
        outbox.enqueue(TASK, n)
    outbox.enqueue("complaints.tasks.complaint_acknowledge", 5)
    outbox.enqueue(TASK, 6)
    outbox.enqueue(TASK, 7)
    assert outbox.relay_now() == 7 and not OutboxMessage.objects.exists()
    batch = settings.OCC_OUTBOX_BATCHED[TASK]
    assert published == [
        (batch, [[1, 2, 3], ["", "", ""]]),
        (TASK, [4]),
        ("complaints.tasks.complaint_acknowledge", [5]),
        (batch, [[6, 7], ["", ""]]),
    ]
    # the broker away: the batch's first row waits for its back-off, the others stay due
    published.clear()
    for n in (8, 9, 10):
        outbox.enqueue(TASK, n)
    state["down"] = True
    assert outbox.relay_now() == 0
    assert sorted(OutboxMessage.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    state["down"] = False
    assert outbox.relay_now() == 2 and published == [(batch, [[9, 10], ["", ""]])]


@pytest.mark.django_db
def test_an_outbox_row_commits_and_rolls_back_with_the_work(broker_mode):
    """clause: OCC-8 (no task for work that was not stored, no stored work without its task)"""
    published, _ = broker_mode
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(TASK, 1)
        raise RuntimeError("the intake failed")
    assert not OutboxMessage.objects.exists()
    with transaction.atomic():
        outbox.enqueue(TASK, 2)
    assert list(OutboxMessage.objects.values_list("task", "args")) == [(TASK, [2])]
    assert published == []  # nothing was published by the writer: only the relay publishes
    assert outbox.relay_now() == 1
    assert published == [(TASK, [2])] and not OutboxMessage.objects.exists()
    assert outbox.relay_now() == 0


@pytest.mark.django_db
def test_the_relay_backs_off_while_the_broker_is_away_and_relays_in_order_after(broker_mode):
    """clause: OCC-8 (nothing queued is lost while the broker is away)"""
    published, state = broker_mode
    ids = [outbox.enqueue(TASK, n) for n in (1, 2, 3)]
    state["down"] = True
    assert outbox.relay_now() == 0
    first = OutboxMessage.objects.get(pk=ids[0])
    assert first.attempts == 1 and first.last_error == "OperationalError"
    assert timezone.now() < first.available_at <= timezone.now() + timedelta(seconds=5)
    assert OutboxMessage.objects.count() == 3  # the batch stopped at the first failure
    state["down"] = False
    assert outbox.relay_now() == 2  # the failed row waits for its back-off; the others go
    OutboxMessage.objects.update(available_at=timezone.now())
    assert outbox.relay_now() == 1
    assert sorted(args for _, args in _one_by_one(published)) == [[1], [2], [3]]


@pytest.mark.django_db
def test_the_intake_writes_no_outbox_row_and_no_broker_call_its_acknowledgement_is_due_on_its_row(
    broker_mode, file_complaint
):
    """clause: OCC-3 (an acknowledgement only to the address given), OCC-8"""
    published, _ = broker_mode
    with_email = Complaint.objects.get(reference=file_complaint()["reference"])
    phone_only = Complaint.objects.get(
        reference=file_complaint(complainant={"name": "สมหญิง", "phone": "0812345678"})["reference"]
    )
    assert published == [] and not OutboxMessage.objects.exists()
    assert with_email.acknowledgement_due and not phone_only.acknowledgement_due
    assert outbox.relay_now() == 1
    # one message per relay pass carries the pass's acknowledgements
    assert published == [("complaints.tasks.complaint_acknowledge_batch", [[with_email.pk]])]
    with_email.refresh_from_db()
    assert not with_email.acknowledgement_due
    assert outbox.relay_now() == 0


@pytest.mark.django_db
def test_one_message_carries_a_pass_of_acknowledgements_and_a_broker_failure_keeps_the_rest_due(
    broker_mode, file_complaint, monkeypatch
):
    """clause: OCC-3, OCC-8 (one publish per relay pass and per ACK_BATCH_SIZE acknowledgements;
    what the broker did not take stays due, and nothing is handed over twice)"""
    from complaints.services import acknowledgements

    published, state = broker_mode
    monkeypatch.setattr(acknowledgements, "ACK_BATCH_SIZE", 2)
    pks = [Complaint.objects.get(reference=file_complaint()["reference"]).pk for _ in range(5)]
    calls = {"n": 0}
    real = relay.publish

    def second_fails(name, args):
        calls["n"] += 1
        state["down"] = calls["n"] == 2
        real(name, args)

    monkeypatch.setattr(relay, "publish", second_fails)
    assert outbox.relay_now() == 2  # the first message went; the second failed and stopped the pass
    assert published == [("complaints.tasks.complaint_acknowledge_batch", [pks[:2]])]
    assert (
        list(Complaint.objects.filter(acknowledgement_due=True).order_by("id").values_list("pk", flat=True))
        == pks[2:]
    )
    assert outbox.relay_now() == 3
    assert [args for _, args in published] == [[pks[:2]], [pks[2:4]], [pks[4:]]]
    assert not Complaint.objects.filter(acknowledgement_due=True).exists()


@pytest.mark.django_db
def test_an_acknowledgement_of_a_batch_that_fails_to_send_is_queued_alone_for_retries(
    file_complaint, monkeypatch
):
    """clause: OCC-3 (the others in its message are sent; the failed one is released and queued
    alone, for complaint_acknowledge's retries with back-off)"""
    from django.core import mail

    from complaints import notifications, tasks

    pks = [Complaint.objects.get(reference=file_complaint()["reference"]).pk for _ in range(3)]
    Complaint.objects.filter(pk__in=pks).update(acknowledged_at=None)
    mail.outbox.clear()
    real = notifications.acknowledgement_send

    def second_down(complaint):
        if complaint.pk == pks[1]:
            raise ConnectionRefusedError("smtp down")
        return real(complaint)

    monkeypatch.setattr(notifications, "acknowledgement_send", second_down)
    monkeypatch.setattr(relay, "eager", lambda: False)  # keep the queued row to look at
    assert tasks.complaint_acknowledge_batch.run(pks) == 2
    assert len(mail.outbox) == 2
    assert list(OutboxMessage.objects.values_list("task", "args")) == [
        ("complaints.tasks.complaint_acknowledge", [pks[1]])
    ]
    assert Complaint.objects.get(pk=pks[1]).acknowledged_at is None  # released: it can be sent
    assert tasks.complaint_acknowledge_batch.run(pks) == 0  # twice: nothing is sent again


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED: PostgreSQL only")
def test_two_relays_never_take_the_same_row(broker_mode):
    """A row another relay holds is skipped, not waited for and not published twice."""
    published, _ = broker_mode
    held, others = outbox.enqueue(TASK, 1), [outbox.enqueue(TASK, n) for n in (2, 3)]
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        from django.db import connections

        with transaction.atomic():
            list(OutboxMessage.objects.select_for_update().filter(pk=held))
            locked.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=other_relay)
    thread.start()
    assert locked.wait(10)
    started = time.monotonic()
    assert relay.relay_batch()[0] == 2
    assert time.monotonic() - started < 2
    release.set()
    thread.join()
    assert sorted(args for _, args in _one_by_one(published)) == [[2], [3]]
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [held]
    assert not OutboxMessage.objects.filter(pk__in=others).exists()


# --- with a real Redis of our own, frozen and then stopped ---------------------------------------


class OwnRedis:
    def __init__(self, workdir):
        self.exe = shutil.which("redis-server")
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def start(self):
        import redis

        self.proc = subprocess.Popen(
            [self.exe, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=REDIS_PORT, socket_timeout=0.5).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("our redis-server did not start")

    def freeze(self):
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.proc.send_signal(signal.SIGCONT)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(10)

    def queued(self) -> list[tuple[str, list]]:
        import redis

        client = redis.Redis(port=REDIS_PORT, db=0)
        out = []
        raws = []
        for queue in ("celery", *settings.OCC_TASK_QUEUES):  # tasks are routed to their queues
            raws += client.lrange(queue, 0, -1)
        for raw in raws:
            message = json.loads(raw)
            args = json.loads(base64.b64decode(message["body"]))[0]
            out.append((message["headers"]["task"], args))
        return out


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    if server.exe is None:
        pytest.skip("redis-server is not installed")
    server.start()
    yield server
    server.stop()


def _forget_broker_connections(app) -> None:
    """Drop the app's connection and producer pools, so the next publish connects to the broker
    the configuration names now (not one a pool made for another broker). The pools are not
    closed: kombu keeps them by broker URL for the whole process, and a closed one would be
    handed back for that URL later ("Acquire on closed pool")."""
    app._after_fork()
    # the result backend is made again from the configuration (Celery keeps it per app, or per
    # thread for a backend that is not thread-safe)
    app._backend_cache = None
    vars(app._local).pop("backend", None)


@pytest.fixture
def on_own_redis(own_redis, settings):
    """Broker, cache and throttle store on our Redis; tasks published, not run in-process.

    Celery reads the broker URL from the environment before its configuration
    (``os.environ["CELERY_BROKER_URL"]`` wins over ``app.conf.broker_url``), so with a broker set
    by the environment (CI's PostgreSQL pass and its real worker) the environment is pointed at
    our Redis too, for this test only, and the app's pools are dropped on the way in and out."""
    from occ.api import throttling
    from occ.celery import app

    url = f"redis://127.0.0.1:{REDIS_PORT}"
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    caches_before = settings.CACHES
    environment = pytest.MonkeyPatch()
    for name in ("CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        environment.delenv(name, raising=False)
    environment.setenv("CELERY_BROKER_URL", f"{url}/0")
    # results on the same Redis, as production's default (CELERY_RESULT_BACKEND = the broker)
    environment.setenv("CELERY_RESULT_BACKEND", f"{url}/2")
    settings.CELERY_BROKER_URL = f"{url}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"{url}/1",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    app.conf.task_always_eager = False
    app.conf.broker_url = f"{url}/0"
    _forget_broker_connections(app)  # pools made for another broker
    assert app.connection_for_write().port == REDIS_PORT  # the producer talks to our Redis
    throttling._script, throttling._unreachable_until = None, 0.0
    yield own_redis
    settings.CACHES = caches_before  # before our Redis stops (the cache is cleared after each test)
    app.conf.task_always_eager, app.conf.broker_url = saved
    environment.undo()  # the environment's broker again, before the pools are dropped
    _forget_broker_connections(app)
    throttling._script, throttling._unreachable_until = None, 0.0


@pytest.mark.django_db
def test_with_redis_frozen_or_stopped_no_answer_is_slow_or_5xx_and_the_queue_drains_after(
    on_own_redis, staff_api, api
):
    """clause: OCC-2, OCC-8 (every channel answers while the task queue is frozen or down; what it
    asked for is relayed within 30 s of the queue's return). No answer over 2 s, none 5xx."""
    from complaints.models import Agency

    server = on_own_redis
    agent = staff_api(Role.AGENT)
    # a pushed delivery (a task per referral); no worker runs here, so nothing is ever sent
    Agency.objects.filter(code="ocpb").update(
        delivery_method="webhook", webhook_url="http://127.0.0.1:9/never", webhook_secret="s" * 32
    )
    filed_while_up = api.post("/api/v1/complaints/", complaint_body(), format="json").json()
    timings: list[tuple[str, float, int]] = []

    def timed(label, call):
        started = time.monotonic()
        response = call()
        timings.append((label, time.monotonic() - started, response.status_code))
        return response

    def every_kind_of_call(phase):
        filed = timed(
            f"{phase} intake", lambda: api.post("/api/v1/complaints/", complaint_body(), format="json")
        )
        assert filed.status_code == 201, filed.content
        ref, code = filed.json()["reference"], filed.json()["tracking_code"]
        body = {"reference": ref, "tracking_code": code}
        timed(f"{phase} categories", lambda: api.get("/api/v1/categories/"))
        assert (
            timed(f"{phase} track", lambda: api.post("/api/v1/track/", body, format="json")).status_code
            == 200
        )
        wrong = {**body, "tracking_code": "AAAA-BBBB-CCCC-DDDD"}
        assert (
            timed(
                f"{phase} track wrong", lambda: api.post("/api/v1/track/", wrong, format="json")
            ).status_code
            == 404
        )
        staff = f"/api/v1/staff/complaints/{ref}/"
        timed(f"{phase} staff list", lambda: agent.get("/api/v1/staff/complaints/"))
        timed(f"{phase} staff detail", lambda: agent.get(staff))
        triaged = timed(
            f"{phase} status", lambda: agent.post(f"{staff}status/", {"status": "triaged"}, format="json")
        )
        assert triaged.status_code == 200, triaged.content
        referral = {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"}
        referred = timed(f"{phase} refer", lambda: agent.post(f"{staff}referrals/", referral, format="json"))
        assert referred.status_code == 201, referred.content
        timed(f"{phase} referral queue", lambda: agent.get("/api/v1/staff/referrals/"))
        return ref

    server.freeze()
    frozen_refs = [every_kind_of_call("frozen") for _ in range(2)]
    started = time.monotonic()
    assert outbox.relay_now() == 0  # the relay cannot publish: it gives up in seconds, keeps all
    relay_frozen = time.monotonic() - started
    server.thaw()
    server.stop()
    stopped_refs = [every_kind_of_call("stopped")]
    assert outbox.relay_now() == 0

    slow_or_failed = [t for t in timings if t[1] >= 2.0 or t[2] >= 500]
    assert not slow_or_failed, slow_or_failed
    assert relay_frozen < 10

    server.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        outbox.relay_now()
        if (
            not OutboxMessage.objects.exists()
            and not Complaint.objects.filter(acknowledgement_due=True).exists()
        ):
            break
        time.sleep(0.2)
    else:
        pytest.fail("what was queued while Redis was away was not relayed within 30 s of its return")
    queued = _one_by_one(server.queued())
    acks = {
        pk
        for task, args in queued
        if task == "complaints.tasks.complaint_acknowledge_batch"
        for pk in args[0]
    }
    deliveries = [args for task, args in queued if task == "routing.tasks.referral_deliver"]
    refs = [filed_while_up["reference"], *frozen_refs, *stopped_refs]
    assert acks == set(Complaint.objects.filter(reference__in=refs).values_list("pk", flat=True))
    assert len(deliveries) == len(frozen_refs) + len(stopped_refs)
