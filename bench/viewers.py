"""The viewers benchmark of ``make bench`` (issue 22): many people open the start page at once.

A protocol-level client, no browser: one websocket session per viewer speaking Streamlit's own
protocol (``BackMsg.rerun_script`` out, ``ForwardMsg`` in until ``script_finished``), as
Streamlit's own test tooling does. Each viewer arrives within the first ``arrival_s`` seconds,
opens the start page (first load: connect and the first run), then reruns it after exponential
think times (mean ``think_s``) until ``duration_s`` have passed since the start; runs begun by
then are awaited. The same load goes against the one-chart floor app (``bench.app.FLOOR_APP``)
in the same run, so ratios compare like with like on a shared machine.

Per level and app: p50/p95 of every run (first loads included), first-load p95, runs per second,
server CPU per run (user+system of the server processes over the level, divided by the runs),
server RSS with every viewer connected and idle, and per idle session the RSS growth over the
warmed-up server divided by the viewers. A session fails when it cannot connect, a run ends
without ``script_finished``, takes longer than ``run_timeout_s``, or shows an exception.

    python -m bench.viewers                      # 10/25/100 viewers, writes bench/viewers.json
    python -m bench.viewers --quick              # 2 viewers, a few seconds (smoke test)
    python -m bench.viewers --url http://HOST:PORT --pid PID --viewers 5 --output F.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from harness.served import ServedStreamlit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "viewers.json"
LEVELS = (10, 25, 100)
SETUPS = ("floor", "floor_stock", "floor_elements", "app", "app_nginx")
# The floor app with as many elements as the start page sends per run (about 125 elements and
# blocks: sidebar, cards, four charts with their texts and downloads): what Streamlit alone costs
# for a page of that size.
FLOOR_ELEMENTS = """
for index in range(125):
    st.markdown(f"Text {index}")
"""
TARGETS = {"p95_s": 2.0, "first_load_p95_s": 3.0, "failed": 0, "cpu_per_run_ratio": 1.5,
           "idle_session_mb": 1.0, "rss_mb": 500}


@dataclass
class Tally:
    """What the viewers of one level saw."""

    runs: list[float] = field(default_factory=list)  # seconds per run, first loads included
    first_loads: list[float] = field(default_factory=list)  # connect + first run
    received_bytes: list[int] = field(default_factory=list)  # per run
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class RunFailed(RuntimeError):
    pass


def _tls_context() -> ssl.SSLContext:
    """One client context for every viewer, accepting the test certificate. Made once: a
    ``ssl.create_default_context()`` per viewer loads the system's CA store, 30 ms of the client's
    CPU each, which delayed every other viewer's messages in the client's one event loop (the
    nginx set-up looked slower than it was)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


_TLS = _tls_context()


def _stream_url(url: str) -> str:
    return url.replace("https://", "wss://").replace("http://", "ws://").rstrip("/") + "/_stcore/stream"


def _rerun_message(cached: set[str]) -> bytes:
    """What a browser sends to (re)run the start page: the default page, no query string, and the
    hashes of the large messages it already holds (the server then sends a reference instead)."""
    message = BackMsg()
    state = message.rerun_script
    state.query_string = ""
    state.page_script_hash = ""
    state.cached_message_hashes.extend(sorted(cached))
    return message.SerializeToString()


async def _one_run(socket, cached: set[str], timeout_s: float) -> int:
    """Send a rerun and read until ``script_finished``; the bytes received. Raises
    :class:`RunFailed` on an exception element or an unexpected end."""
    await socket.send(_rerun_message(cached))
    received = 0
    async with asyncio.timeout(timeout_s):
        while True:
            frame = await socket.recv()
            received += len(frame)
            message = ForwardMsg()
            message.ParseFromString(frame)
            kind = message.WhichOneof("type")
            if message.metadata.cacheable and message.hash:
                cached.add(message.hash)
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element" \
                    and message.delta.new_element.WhichOneof("type") == "exception":
                raise RunFailed(f"exception: {message.delta.new_element.exception.message[:200]}")
            if kind == "page_not_found":
                raise RunFailed("page not found")
            if kind == "script_finished":
                if message.script_finished in (ForwardMsg.FINISHED_EARLY_FOR_RERUN,
                                               ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    continue  # the page asked for a rerun (st.rerun): the run goes on
                if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RunFailed(f"script finished with status {message.script_finished}")
                return received


async def _viewer(url: str, tally: Tally, arrive_s: float, stop_at: float, think_s: float,
                  rng: random.Random, timeout_s: float, idle: asyncio.Event,
                  release: asyncio.Event) -> None:
    """One viewer: arrive, open the start page, rerun after exponential think times until
    ``stop_at``, then stay connected and idle until ``release``."""
    await asyncio.sleep(arrive_s)
    context = _TLS if url.startswith("https://") else None
    started = time.perf_counter()
    try:
        async with websockets.connect(_stream_url(url), subprotocols=["streamlit"], max_size=None,
                                      ssl=context, open_timeout=timeout_s, ping_interval=None,
                                      compression=None) as socket:
            cached: set[str] = set()
            tally.received_bytes.append(await _one_run(socket, cached, timeout_s))
            tally.first_loads.append(time.perf_counter() - started)
            tally.runs.append(tally.first_loads[-1])
            while True:
                think = rng.expovariate(1 / think_s)
                if time.perf_counter() + think >= stop_at:
                    break
                await asyncio.sleep(think)
                began = time.perf_counter()
                tally.received_bytes.append(await _one_run(socket, cached, timeout_s))
                tally.runs.append(time.perf_counter() - began)
            idle.set()
            await release.wait()
    except (OSError, TimeoutError, RunFailed, websockets.WebSocketException) as error:
        tally.failed += 1
        tally.errors.append(f"{type(error).__name__}: {error}"[:300])


def _cpu_seconds(pids: list[int]) -> float:
    """user + system seconds of the processes ``pids`` so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _rss_mb(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def _load() -> float:
    return os.getloadavg()[0]


async def _level(url: str, pids: list[int], viewers: int, duration_s: float, arrival_s: float,
                 think_s: float, timeout_s: float, seed: int) -> dict:
    """``viewers`` sessions against ``url``; the figures of :data:`TARGETS` for the level."""
    rng = random.Random(seed)
    tally = Tally()
    rss_before, cpu_before, load_before = _rss_mb(pids), _cpu_seconds(pids), _load()
    started = time.perf_counter()
    stop_at = started + duration_s
    release = asyncio.Event()
    idles = [asyncio.Event() for _ in range(viewers)]
    tasks = [asyncio.create_task(_viewer(url, tally, rng.uniform(0, arrival_s), stop_at, think_s,
                                         random.Random(rng.random()), timeout_s, idle, release))
             for idle in idles]
    # wait until every viewer is idle (or failed), with every session still connected
    while not all(idle.is_set() or task.done() for idle, task in zip(idles, tasks)):
        await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds(pids) - cpu_before
    await asyncio.sleep(1.0)  # the last answers leave the server's queues
    rss_idle = _rss_mb(pids)
    connected = sum(1 for idle in idles if idle.is_set())
    release.set()
    await asyncio.gather(*tasks)
    runs = len(tally.runs)
    return {
        "viewers": viewers, "runs": runs, "failed": tally.failed, "errors": tally.errors[:5],
        "p50_s": _round(statistics.median(tally.runs)) if runs else None,
        "p95_s": _percentile(tally.runs, 95),
        "first_load_p95_s": _percentile(tally.first_loads, 95),
        "runs_per_s": round(runs / elapsed, 2),
        "cpu_per_run_ms": round(1000 * cpu / runs, 1) if runs else None,
        "kb_per_run": round(statistics.mean(tally.received_bytes) / 1024, 1) if runs else None,
        "rss_mb": round(rss_idle, 1),
        "idle_session_mb": round((rss_idle - rss_before) / connected, 2) if connected else None,
        "load_1min": [round(load_before, 2), round(_load(), 2)], "seconds": round(elapsed, 1),
    }


def _round(value: float) -> float:
    return round(value, 3)


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return _round(values[0])
    return _round(statistics.quantiles(values, n=100, method="inclusive")[q - 1])


def run_level(url: str, pids: list[int], viewers: int, duration_s: float, arrival_s: float = 5.0,
              think_s: float = 10.0, timeout_s: float = 120.0, seed: int = 22) -> dict:
    """One load level against a running server (``pids``: its processes, for CPU and RSS)."""
    return asyncio.run(_level(url, pids, viewers, duration_s, arrival_s, think_s, timeout_s, seed))


# ---------------------------------------------------------------------------------------------
# the servers: the floor app, the app as `make run` serves it, the recommended set-up


class Setup:
    """Servers for one level: ``url`` to connect to, ``pids`` to measure; ``stop()`` ends them."""

    def __init__(self, url: str, servers: list[ServedStreamlit], nginx=None) -> None:
        self.url, self.servers, self.nginx = url, servers, nginx

    @property
    def pids(self) -> list[int]:
        return [served.process.pid for served in self.servers]

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for served in self.servers:
            served.stop()


# The settings of the project's .streamlit/config.toml that change the cost of a run. The floor
# app runs without that file (its folder is a temporary one): it gets them on the command line,
# so that the two compare like with like. ``floor_stock`` is the floor with Streamlit's defaults
# (only the file watcher off, as measured before the garbage collection setting).
SAME_SETTINGS = ("--server.fileWatcherType", "none", "--runner.postScriptGC", "false")
STOCK_SETTINGS = ("--server.fileWatcherType", "none")


def start(script: Path, db: Path, work: Path, processes: int = 1,
          settings: tuple[str, ...] = SAME_SETTINGS) -> Setup:
    """``script`` served against ``db`` with the command-line ``settings``: one process, or two
    behind the shipped nginx site. The script's own project is imported (``PYTHONPATH``): a
    baseline checkout runs its own code."""
    servers = []
    env = {"RECEPTION_DB": str(db), "RECEPTION_RAISE_ERRORS": "", "PYTHONPATH": str(script.parent)}
    try:
        for index in range(processes):
            served = ServedStreamlit(script, env, work / f"{script.stem}-{index}.log", settings)
            servers.append(served)
        for served in servers:
            served.wait_until_healthy(timeout=120)
        if processes == 1:
            return Setup(servers[0].url, servers)
        from harness.nginxsite import ServedNginx

        nginx = ServedNginx(work / f"nginx-{script.stem}", tuple(s.port for s in servers))
        setup = Setup(nginx.url, servers, nginx)
        nginx.wait_until_up()
        return setup
    except BaseException:
        for served in servers:
            served.stop()
        raise


def _warm_up(setup: Setup, sessions: int) -> None:
    """A session per process opens the start page once: the figures of a running server, not of
    its imports and first queries (a server that was just started is measured by bench/app.py)."""
    run_level(setup.url, setup.pids, sessions * 2, duration_s=0.5, arrival_s=0.1, think_s=60)


def measure(db: Path, work: Path, levels: tuple[int, ...] = LEVELS, duration_s: float = 60.0,
            setups: tuple[str, ...] = SETUPS, readers: int = 500,
            baseline: Path | None = None) -> dict:
    """Every level against each set-up named in ``setups``: ``floor`` (the one-chart app, one
    process, the app's settings), ``floor_stock`` (the same with Streamlit's defaults),
    ``floor_elements`` (the floor with 125 more elements, as many as the start page sends), ``app``
    (dashboard.py, one process as ``make run``), ``app_nginx`` (two processes behind the shipped
    nginx site: the recommended single-machine set-up), and ``baseline`` (the
    dashboard.py of the checkout ``baseline``, one process) where given."""
    from bench.app import FLOOR_APP
    from harness import nginxsite

    floor_script = work / "floor_app.py"
    floor_script.write_text(FLOOR_APP, encoding="utf-8")
    elements_script = work / "floor_elements.py"
    elements_script.write_text(FLOOR_APP + FLOOR_ELEMENTS, encoding="utf-8")
    plans = {"floor": (floor_script, 1, SAME_SETTINGS), "floor_stock": (floor_script, 1, STOCK_SETTINGS),
             "floor_elements": (elements_script, 1, SAME_SETTINGS),
             "app": (ROOT / "dashboard.py", 1, SAME_SETTINGS),
             "app_nginx": (ROOT / "dashboard.py", 2, SAME_SETTINGS)}
    if baseline is not None:  # another checkout (e.g. main before a change), one process
        plans["baseline"] = (baseline / "dashboard.py", 1, STOCK_SETTINGS)
        setups = ("baseline", *setups)
    if "app_nginx" in setups and nginxsite.unavailable():
        print(f"viewers: app_nginx skipped: {nginxsite.unavailable()}", file=sys.stderr)
        setups = tuple(s for s in setups if s != "app_nginx")
    out: dict = {"cpus": os.cpu_count(), "duration_s": duration_s, "targets": TARGETS, "levels": {}}
    for viewers in levels:
        row = {}
        for name in setups:
            script, processes, settings = plans[name]
            folder = work / f"{name}-{viewers}"
            folder.mkdir(parents=True, exist_ok=True)
            setup = start(script, db, folder, processes, settings)
            try:
                _warm_up(setup, processes)
                row[name] = run_level(setup.url, setup.pids, viewers, duration_s)
            finally:
                setup.stop()
        for name in setups:
            for floor, ratio in (("floor", "cpu_per_run_ratio"), ("floor_stock", "cpu_per_run_ratio_stock"),
                                 ("floor_elements", "cpu_per_run_ratio_elements")):
                if not name.startswith("floor") and floor in row and row[floor]["cpu_per_run_ms"] \
                        and row[name]["cpu_per_run_ms"]:
                    row[name][ratio] = round(row[name]["cpu_per_run_ms"] / row[floor]["cpu_per_run_ms"], 2)
        out["levels"][str(viewers)] = row
    if readers:
        out["lagebild"] = measure_readers(db, work, readers)
    return out


def print_table(result: dict) -> None:
    print(f"\nviewers ({result['duration_s']:.0f} s per level, {result['cpus']} cores)")
    print(f"{'viewers':>8} {'set-up':<15}{'p95 s':>8}{'first p95':>10}{'runs/s':>8}{'CPU/run':>9}"
          f"{'ratio':>7}{'stock':>7}{'elem.':>7}{'KB/run':>8}{'RSS MB':>8}{'MB/idle':>8}{'failed':>7}"
          f"{'load':>12}")
    for viewers, row in result["levels"].items():
        for name, figures in row.items():
            print(f"{viewers:>8} {name:<15}{figures['p95_s']!s:>8}{figures['first_load_p95_s']!s:>10}"
                  f"{figures['runs_per_s']:>8}{figures['cpu_per_run_ms']!s:>9}"
                  f"{figures.get('cpu_per_run_ratio', '')!s:>7}"
                  f"{figures.get('cpu_per_run_ratio_stock', '')!s:>7}"
                  f"{figures.get('cpu_per_run_ratio_elements', '')!s:>7}{figures['kb_per_run']!s:>8}"
                  f"{figures['rss_mb']:>8}{figures['idle_session_mb']!s:>8}{figures['failed']:>7}"
                  f"{str(figures['load_1min']):>12}")
    if "lagebild" in result:
        row = result["lagebild"]
        print(f"/lagebild: {row['readers']} readers within {row['arrival_s']} s: p50 {row['p50_s']} s, "
              f"p95 {row['p95_s']} s (target <= 1 s), max {row['max_s']} s, {row['failed']} failed, "
              f"{row['bytes']:,} bytes each, {row['cpu_per_reader_ms']} ms CPU per reader, "
              f"load {row['load_1min']}")


# ---------------------------------------------------------------------------------------------
# readers of the static overview /lagebild


async def _read(host: str, port: int, path: str, timeout_s: float) -> tuple[float, int, int]:
    """One reader: GET ``path`` (gzip accepted) on a fresh connection; seconds, status, bytes."""
    started = time.perf_counter()
    async with asyncio.timeout(timeout_s):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: gzip\r\n"
                     "Connection: close\r\n\r\n".encode("ascii"))
        await writer.drain()
        answer = await reader.read()
        writer.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return time.perf_counter() - started, status, len(answer)


async def _readers(url: str, readers: int, arrival_s: float, timeout_s: float, seed: int) -> dict:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    rng = random.Random(seed)

    async def one(delay: float):
        await asyncio.sleep(delay)
        try:
            return await _read(parts.hostname, parts.port, "/lagebild", timeout_s)
        except (OSError, TimeoutError) as error:
            return None, 0, str(error)

    started = time.perf_counter()
    answers = await asyncio.gather(*(one(rng.uniform(0, arrival_s)) for _ in range(readers)))
    elapsed = time.perf_counter() - started
    seconds = [a[0] for a in answers if a[0] is not None and a[1] == 200]
    return {"readers": readers, "arrival_s": arrival_s, "ok": len(seconds),
            "failed": readers - len(seconds), "p50_s": _percentile(seconds, 50),
            "p95_s": _percentile(seconds, 95), "max_s": _round(max(seconds)) if seconds else None,
            "bytes": int(statistics.median(a[2] for a in answers if isinstance(a[2], int))),
            "seconds": round(elapsed, 2), "load_1min": round(_load(), 2)}


def measure_readers(db: Path, work: Path, readers: int = 500, arrival_s: float = 1.0) -> dict:
    """``readers`` fetch ``/lagebild`` at once (within ``arrival_s``), against one app process
    whose page is built (the first request of a new data version builds it)."""
    import urllib.request

    folder = work / "readers"
    folder.mkdir(parents=True, exist_ok=True)
    setup = start(ROOT / "dashboard.py", db, folder)
    try:
        with urllib.request.urlopen(setup.url + "/lagebild", timeout=300) as answer:  # noqa: S310
            answer.read()
        cpu = _cpu_seconds(setup.pids)
        result = asyncio.run(_readers(setup.url, readers, arrival_s, 60.0, 22))
        result["cpu_per_reader_ms"] = round(1000 * (_cpu_seconds(setup.pids) - cpu) / readers, 2)
        result["rss_mb"] = round(_rss_mb(setup.pids), 1)
        return result
    finally:
        setup.stop()


def demo_database(work: Path) -> Path:
    """Thuringia's demo data, as ``make run`` serves it."""
    db = work / "reception.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": str(db)}
    subprocess.run([sys.executable, "-m", "etl", "init", "--demo"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.viewers")
    parser.add_argument("--quick", action="store_true", help="2 viewers, 4 s, app only (smoke test)")
    parser.add_argument("--viewers", type=int, nargs="*", help=f"levels (default {LEVELS})")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--setups", nargs="*",
                        help=f"of {', '.join(SETUPS)} (default: all; --quick: floor app)")
    parser.add_argument("--baseline", type=Path,
                        help="a checkout of an earlier version to measure in the same run")
    parser.add_argument("--readers", type=int, default=500, help="/lagebild readers (0: none)")
    parser.add_argument("--url", help="a running server instead of starting one")
    parser.add_argument("--pid", type=int, nargs="*", default=[],
                        help="with --url: the server's processes, for CPU and memory")
    parser.add_argument("--think", type=float, default=10.0, help="mean think time, seconds")
    parser.add_argument("--arrival", type=float, default=5.0, help="viewers arrive within, seconds")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    levels = tuple(args.viewers or ((2,) if args.quick else LEVELS))
    duration = 4.0 if args.quick else args.duration
    if args.url:
        result = {"url": args.url, "levels": {
            str(n): {"url": run_level(args.url, args.pid, n, duration, args.arrival, args.think)}
            for n in levels}}
        args.output.write_text(json.dumps(result, indent=2), encoding="utf-8")
        return 0
    setups = tuple(args.setups or (("floor", "app") if args.quick else SETUPS))
    with tempfile.TemporaryDirectory(prefix="bench-viewers-") as tmp:
        work = Path(tmp)
        result = measure(demo_database(work), work, levels, duration, setups,
                         20 if args.quick else args.readers, args.baseline)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
