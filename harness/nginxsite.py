"""The deployment's nginx site (deploy/nginx/aufnahme-monitor.conf) run on loopback ports.

The site file is used as it is, with only what belongs to one machine replaced: the listening
ports (a free loopback port for TLS and one for the plain-HTTP redirect), the two instances'
ports, and a self-signed certificate made for the run. A minimal ``nginx.conf`` around it keeps
pid, logs, the /lagebild cache and temporary files in the run's folder. Shared by tests/test_deploy.py and
tests/test_scale.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from harness.served import free_port

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "aufnahme-monitor.conf"
NGINX = Path(os.environ.get("NGINX", "/usr/sbin/nginx"))

WRAPPER = """daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
{user}
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format routes '$cookie_am_route $upstream_addr $status $request_uri';
    access_log {folder}/access.log routes;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {site};
}}
"""


def unavailable() -> str | None:
    if not NGINX.exists():
        return f"no nginx at {NGINX} (CI installs Debian's nginx)"
    if shutil.which("openssl") is None:
        return "no openssl to make a test certificate"
    if not Path("/etc/nginx/mime.types").exists():
        return "no /etc/nginx/mime.types"
    return None


def render(folder: Path, app_ports: tuple[int, int]) -> tuple[Path, int, int]:
    """Write the site and its wrapper into ``folder``; returns (nginx.conf, TLS port, HTTP port)."""
    folder.mkdir(parents=True, exist_ok=True)
    for part in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi", "cache"):
        (folder / part).mkdir(parents=True, exist_ok=True)
        os.chmod(folder / part, 0o777)
    cert, key = folder / "site.pem", folder / "site.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    tls, plain = free_port(), free_port()
    text = SITE.read_text(encoding="utf-8")
    replacements = [
        ("    listen 443 ssl http2;", f"    listen 127.0.0.1:{tls} ssl http2;"),
        ("    listen 80;", f"    listen 127.0.0.1:{plain};"),
        ("server 127.0.0.1:8501", f"server 127.0.0.1:{app_ports[0]}"),
        ("server 127.0.0.1:8502", f"server 127.0.0.1:{app_ports[1]}"),
        ("/etc/ssl/certs/aufnahme.example.de.pem", str(cert)),
        ("/etc/ssl/private/aufnahme.example.de.key", str(key)),
        ("/var/cache/nginx/aufnahme-monitor", str(folder / "cache")),
    ]
    for old, new in replacements:
        if old not in text:
            raise ValueError(f"the site file no longer has {old!r}")
        text = text.replace(old, new)
    text = "\n".join(line for line in text.splitlines() if "listen [::]" not in line)
    site = folder / "site.conf"
    site.write_text(text, encoding="utf-8")
    # as root, nginx's workers would run as nobody, who cannot enter pytest's 0700 temp folders
    # (the /lagebild cache lives there); a throwaway test server may keep root's rights
    user = "user root root;" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(WRAPPER.format(folder=folder, site=site, user=user), encoding="utf-8")
    return conf, tls, plain


def check(conf: Path) -> subprocess.CompletedProcess:
    """``nginx -t`` of the rendered configuration."""
    return subprocess.run([str(NGINX), "-t", "-c", str(conf), "-p", str(conf.parent)],
                          capture_output=True, text=True, timeout=30)


class ServedNginx:
    """nginx in the foreground with the rendered site; ``stop`` ends it by its pid."""

    def __init__(self, folder: Path, app_ports: tuple[int, int]) -> None:
        self.conf, self.tls_port, self.http_port = render(folder, app_ports)
        self.url = f"https://127.0.0.1:{self.tls_port}"
        self.log = open(folder / "nginx.out", "w+")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(NGINX), "-c", str(self.conf), "-p", str(folder)],
            stdout=self.log, stderr=subprocess.STDOUT)

    def wait_until_up(self, timeout: float = 20) -> None:
        import ssl

        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=5,
                                            context=context) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"nginx did not come up on {self.url}: {self.errors()}")

    def upstreams_of(self, route: str) -> list[str]:
        """The instance addresses (``127.0.0.1:PORT``) that served requests with this route
        cookie, in order (from the access log of the wrapper)."""
        log = self.conf.parent / "access.log"
        found = []
        for line in log.read_text(errors="replace").splitlines():
            parts = line.split(" ")
            if parts[0] == route:
                found.extend(a.strip(",") for a in parts[1:-2] if a.startswith("127."))
        return found

    def errors(self) -> str:
        log = self.conf.parent / "error.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
