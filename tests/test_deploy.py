"""deploy/: the nginx site in front of two stand-in instances (sticky cookie, failover, websocket
headers, gzip, upload limit, TLS redirect), and the systemd units checked by systemd-analyze.

The stand-ins are small HTTP servers that answer with their name and the headers they got, so
that what nginx does is seen exactly; tests/test_scale.py puts the same site in front of two real
app instances. The Dockerfile and compose file are not run: no Docker engine on this machine.
"""

from __future__ import annotations

import http.client
import json
import shutil
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness import nginxsite
from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"


class StandIn(BaseHTTPRequestHandler):
    def _answer(self, status: int = 200) -> None:
        self.server.paths.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            received += len(self.rfile.read(min(1 << 20, length - received)))
        if self.path.endswith(".js"):
            body, kind = b"function streamlit() { return 42; }\n" * 400, "application/javascript"
        else:
            body = json.dumps({"backend": self.server.name, "path": self.path, "received": received,
                               "headers": dict(self.headers)}).encode()
            kind = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self._answer()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path):
    reason = nginxsite.unavailable()
    if reason:
        pytest.skip(reason)
    servers = []
    for name in ("eins", "zwei"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        server.name, server.paths = name, []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    nginx = nginxsite.ServedNginx(tmp_path / "nginx", tuple(s.server_port for s in servers))
    try:
        nginx.wait_until_up()
        yield nginx, servers
    finally:
        nginx.stop()
        for server in servers:
            server.shutdown()
            server.server_close()


def request(nginx, path: str, headers: dict | None = None, method: str = "GET",
            body: bytes | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    con = http.client.HTTPSConnection("127.0.0.1", nginx.tls_port, context=context, timeout=30)
    con.request(method, path, body=body, headers=headers or {})
    answer = con.getresponse()
    data = answer.read()
    con.close()
    return answer, data


def route_cookie(answer: http.client.HTTPResponse) -> str:
    cookie = answer.getheader("Set-Cookie")
    assert cookie and cookie.startswith("am_route=") and "Secure" in cookie and "HttpOnly" in cookie
    return cookie.split(";", 1)[0]


def test_the_site_passes_nginx_t(tmp_path):
    reason = nginxsite.unavailable()
    if reason:
        pytest.skip(reason)
    conf, _, _ = nginxsite.render(tmp_path, (18501, 18502))
    result = nginxsite.check(conf)
    assert result.returncode == 0, result.stderr


def test_a_browser_stays_on_its_instance_by_cookie_and_moves_when_it_is_down(site):
    nginx, servers = site
    first, body = request(nginx, "/")
    cookie = route_cookie(first)
    pinned = json.loads(body)["backend"]
    for path in ("/", "/_stcore/host-config", "/_stcore/upload_file/abc"):
        answer, body = request(nginx, path, {"Cookie": cookie})
        assert json.loads(body)["backend"] == pinned
        assert json.loads(body)["headers"]["X-Forwarded-Proto"] == "https"
        assert answer.getheader("Set-Cookie") is None  # set once
    # many browsers spread over both instances
    seen = {json.loads(request(nginx, "/")[1])["backend"] for _ in range(24)}
    assert seen == {"eins", "zwei"}
    down = next(s for s in servers if s.name == pinned)
    down.shutdown()
    down.server_close()
    answer, body = request(nginx, "/", {"Cookie": cookie})
    assert answer.status == 200
    assert json.loads(body)["backend"] != pinned


def test_the_lagebild_is_answered_from_nginx_cache_so_readers_do_not_reach_python(site):
    nginx, servers = site
    answers = [request(nginx, "/lagebild", {"Accept-Encoding": "gzip"}) for _ in range(20)]
    assert all(answer.status == 200 for answer, _ in answers)
    assert len({body for _, body in answers}) == 1
    reached = sum(server.paths.count("/lagebild") for server in servers)
    assert reached == 1, reached  # 20 readers within the 2 s: one request reached an instance
    assert [answer.getheader("X-Cache-Status") for answer, _ in answers][-1] == "HIT"
    assert answers[-1][0].getheader("Strict-Transport-Security") == "max-age=31536000"
    # a historical view is another page, cached under its own key
    request(nginx, "/lagebild?stand=2026-12-01T10:00")
    assert sum(server.paths.count("/lagebild?stand=2026-12-01T10:00") for server in servers) == 1


def test_the_websocket_path_is_upgraded_and_forwarded(site):
    nginx, _ = site
    _, body = request(nginx, "/_stcore/stream", {"Upgrade": "websocket", "Connection": "Upgrade",
                                                 "Sec-WebSocket-Version": "13",
                                                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    headers = {k.lower(): v for k, v in json.loads(body)["headers"].items()}
    assert headers["upgrade"] == "websocket"
    assert headers["connection"].lower() == "upgrade"
    assert headers["x-forwarded-proto"] == "https"


def test_static_javascript_is_gzipped(site):
    nginx, _ = site
    answer, body = request(nginx, "/static/js/index.js", {"Accept-Encoding": "gzip"})
    assert answer.getheader("Content-Encoding") == "gzip"
    assert len(body) < 14400 / 10  # 400 equal lines compress well


def test_uploads_up_to_the_app_limit_pass_and_larger_are_refused(site):
    nginx, _ = site
    answer, body = request(nginx, "/_stcore/upload_file/x", method="POST",
                           body=b"x" * (49 * 1024 * 1024))
    assert answer.status == 200 and json.loads(body)["received"] == 49 * 1024 * 1024
    answer, _ = request(nginx, "/_stcore/upload_file/x", method="POST",
                        body=b"x" * (51 * 1024 * 1024))
    assert answer.status == 413


def test_plain_http_is_redirected_to_https(site):
    nginx, _ = site
    con = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    con.request("GET", "/kreis?ags=16051", headers={"Host": "aufnahme.example.de"})
    answer = con.getresponse()
    assert answer.status == 301
    assert answer.getheader("Location") == "https://aufnahme.example.de/kreis?ags=16051"
    con.close()


@pytest.mark.parametrize("unit", ["aufnahme-monitor@.service", "aufnahme-monitor-weekly.service",
                                  "aufnahme-monitor-weekly.timer",
                                  "aufnahme-monitor-remind.service",
                                  "aufnahme-monitor-remind.timer"])
def test_the_systemd_units_verify(unit, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("no systemd-analyze")
    for path in UNITS.glob("aufnahme-monitor*"):
        # the units name /opt/aufnahme-monitor/.venv; here the interpreter is elsewhere
        text = path.read_text(encoding="utf-8").replace("/opt/aufnahme-monitor/.venv/bin/python",
                                                        sys.executable)
        (tmp_path / path.name.replace("@.", "@8501.")).write_text(text, encoding="utf-8")
    name = unit.replace("@.", "@8501.")
    result = subprocess.run([analyze, "verify", "--man=no", str(tmp_path / name)],
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines()
                if str(tmp_path) in line or name in line]
    assert not problems, result.stderr
