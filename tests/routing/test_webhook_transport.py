"""The webhook POST's lean path (routing.delivery._post_lean): one kept connection per endpoint and
worker process, what httpx did otherwise: httpx's TLS context, no redirect followed, no cookie
kept, the read timeout, a connection the agency closed while idle never reused; httpx itself when
the environment names a proxy (OCC-7: only what the gate released leaves, and only to the
agency's endpoint)."""

import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from routing import delivery
from routing.delivery import PermanentDeliveryError, TransientDeliveryError


class Endpoint:
    """An HTTP/1.1 endpoint that keeps connections alive unless told otherwise; it counts the
    connections it accepted and keeps each request's headers."""

    def __init__(
        self,
        *,
        status=200,
        extra_headers=None,
        close_after_response=False,
        delay=0.0,
        answer=b"{}",
        early_hints=False,
    ):
        self.connections = 0
        self.requests: list[dict] = []
        self.paths: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                endpoint.connections += 1
                super().setup()

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.requests.append(dict(self.headers))
                endpoint.paths.append(self.path)
                time.sleep(delay)
                if early_hints:  # 103 Early Hints before the answer
                    self.send_response_only(103)
                    self.send_header("Link", "</hints.css>; rel=preload")
                    self.end_headers()
                self.send_response(status)
                for k, v in (extra_headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                self.wfile.flush()
                if close_after_response:  # closed without saying so (an idle timeout)
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?x=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint_of():
    made = []

    def make(**kw):
        made.append(Endpoint(**kw))
        return made[-1]

    yield make
    for e in made:
        e.close()
    for conn in delivery._CONNECTIONS.values():
        conn.close()
    delivery._CONNECTIONS.clear()
    delivery._INFORMATIONAL.clear()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch, settings):
    monkeypatch.setattr(delivery, "_PROXIED", False)
    settings.OCC_WEBHOOK_READ_TIMEOUT = 0.5
    settings.OCC_WEBHOOK_CONNECT_TIMEOUT = 0.5


def test_one_connection_is_kept_and_reused_per_endpoint(endpoint_of):
    a, b = endpoint_of(), endpoint_of()
    for _ in range(3):
        assert delivery._post(a.url, b"{}", {"webhook-id": "1"}) == 200
        assert delivery._post(b.url, b"{}", {"webhook-id": "2"}) == 200
    assert (a.connections, b.connections) == (1, 1) and len(a.requests) == 3


def test_a_connection_the_agency_closed_while_idle_is_not_reused(endpoint_of):
    e = endpoint_of(close_after_response=True)
    assert delivery._post(e.url, b"{}", {}) == 200
    time.sleep(0.1)  # the agency's side has closed it
    assert delivery._post(e.url, b"{}", {}) == 200
    assert e.connections == 2 and len(e.requests) == 2


def test_a_kept_connection_closed_as_it_is_written_on_is_sent_again_on_a_new_one(endpoint_of, monkeypatch):
    """The agency closes the idle connection just after the idle check: the POST goes once more
    at once on a new connection (the same webhook-id, as a retry would send it), instead of a
    failed attempt and a back-off; a fresh connection's failure is not resent."""
    e = endpoint_of(close_after_response=True)
    assert delivery._post(e.url, b"{}", {"webhook-id": "w-1"}) == 200
    time.sleep(0.1)  # closed on the agency's side
    monkeypatch.setattr(delivery, "_idle_closed", lambda conn: False)  # the close came just after
    assert delivery._post(e.url, b"{}", {"webhook-id": "w-2"}) == 200
    assert e.connections == 2 and [r["webhook-id"] for r in e.requests] == ["w-1", "w-2"]
    e.close()
    with pytest.raises(TransientDeliveryError, match="Connection"):
        delivery._post(e.url, b"{}", {"webhook-id": "w-3"})  # nothing listens: no second try


def test_a_redirect_is_not_followed_and_is_permanent(endpoint_of):
    """clause: OCC-7 (the bytes go to the agency's endpoint only)"""
    target = endpoint_of()
    e = endpoint_of(status=307, extra_headers={"Location": target.url})
    from complaints.models import Agency

    agency = Agency(code="x", webhook_url=e.url, webhook_secret="shared-secret-for-tests")
    with pytest.raises(PermanentDeliveryError, match="HTTP 307"):
        delivery.webhook_post(agency, delivery_id="d-1", body=b"{}")
    assert target.requests == []


def test_no_cookie_of_one_agency_rides_along_to_another(endpoint_of):
    """clause: OCC-7"""
    a = endpoint_of(extra_headers={"Set-Cookie": "session=agency-a; Path=/"})
    b = endpoint_of()
    delivery._post(a.url, b"{}", {})
    delivery._post(a.url, b"{}", {})
    delivery._post(b.url, b"{}", {})
    assert all("Cookie" not in h for h in a.requests + b.requests)


def test_a_slow_answer_times_out_and_the_connection_is_dropped(endpoint_of):
    e = endpoint_of(delay=1.0)
    with pytest.raises(TransientDeliveryError, match="Timeout"):
        delivery._post(e.url, b"{}", {})
    assert delivery._CONNECTIONS == {}


def test_the_tls_context_is_httpxs_verifying_one():
    ctx = delivery._tls()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.get_ca_certs() or ctx.cert_store_stats()["x509_ca"] > 0


def test_with_a_proxy_in_the_environment_httpx_posts(endpoint_of, monkeypatch):
    e = endpoint_of()
    monkeypatch.setattr(delivery, "_PROXIED", None)
    monkeypatch.setattr(delivery, "_CLIENT", None)  # httpx reads the proxy when its client is made
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: httpx tries the proxy
    monkeypatch.setenv("NO_PROXY", "")
    with pytest.raises(TransientDeliveryError, match="Connect"):
        delivery._post(e.url, b"{}", {})
    assert e.requests == []


def test_a_url_with_credentials_goes_through_httpx_which_sends_them(endpoint_of, monkeypatch):
    e = endpoint_of()
    monkeypatch.setattr(delivery, "_CLIENT", None)
    url = e.url.replace("http://", "http://agency:s3cret@")
    assert delivery._post(url, b"{}", {}) == 200
    assert e.requests[0]["Authorization"].startswith("Basic ")


def test_a_thai_path_and_query_are_sent_percent_encoded_as_httpx_sends_them(endpoint_of):
    """An agency's endpoint may name its path in Thai (Django's URL validator accepts it); the
    request line is ASCII, so the path and query go percent-encoded in UTF-8, as httpx sent
    them before, and the delivery is made (it was neither made nor failed: the encoding error
    escaped the delivery)."""
    import httpx

    e = endpoint_of()
    url = e.url.replace("/hook?x=1", "/hook/รับเรื่อง?หน่วยงาน=ปคบ&x=a b")
    assert delivery._post(url, b"{}", {}) == 200
    assert e.paths == [httpx.URL(url).raw_path.decode()]
    assert e.paths[0].startswith("/hook/%E0%B8%A3") and e.paths[0].isascii()


def test_a_url_no_request_can_be_made_of_fails_for_good(endpoint_of):
    """A webhook URL that cannot become a request (an invalid internationalised host name, a
    control character in the path) is a permanent failure of the delivery, stored as its error,
    never an exception that leaves the referral in flight."""
    from complaints.models import Agency

    e = endpoint_of()
    port = e.url.split(":")[2].split("/")[0]
    for url in (f"http://{'ก' * 70}.th:{port}/hook", f"http://127.0.0.1:{port}/ho\x01ok"):
        agency = Agency(code="x", webhook_url=url, webhook_secret="shared-secret-for-tests")
        with pytest.raises(PermanentDeliveryError):
            delivery.webhook_post(agency, delivery_id="d-1", body=b"{}")
    assert e.requests == []


def test_a_long_answer_is_not_read_to_its_end_and_its_connection_not_kept(endpoint_of):
    long_one = endpoint_of(answer=b"x" * (delivery.ANSWER_READ_MAX + 10))
    short = endpoint_of()
    assert delivery._post(long_one.url, b"{}", {}) == 200
    assert delivery._post(short.url, b"{}", {}) == 200
    assert [key[3] for key in delivery._CONNECTIONS] == [short.server.server_address[1]]  # only its port


def test_an_informational_answer_before_the_final_one_is_read_past(endpoint_of):
    """An agency's server that sends 103 Early Hints before its 200: http.client would take the
    103 for the answer (a delivery the agency accepted, recorded as failed); the POST goes once
    more at once through httpx, which reads past it, with the same webhook-id, and that endpoint's
    later POSTs go through httpx."""
    e = endpoint_of(early_hints=True)
    assert delivery._post(e.url, b"{}", {"webhook-id": "w-1"}) == 200
    assert delivery._post(e.url, b"{}", {"webhook-id": "w-2"}) == 200
    assert [r["webhook-id"] for r in e.requests] == ["w-1", "w-1", "w-2"]
    assert delivery._CONNECTIONS == {}  # no kept http.client connection for it
