"""Web application benchmark (section 7 of `make bench`, or alone: `python benchmarks/run.py
--only web`, or `python benchmarks/web.py [COUNTY.xlsx] [--quick]`).

Issue 16: the 300-school county of section 1 (build/bench/county-300.xlsx, seeded) in a fresh
SQLite store (a temporary folder), a county of that name and one bureau user per simulated
user. Reported:

(a) evaluation on upload: ``POST /counties/{id}/upload`` of the workbook, in process (starlette's
    TestClient, a fresh application each round so its evaluation cache is cold), against
    ``junheng.load`` + ``junheng.evaluate`` of the same file in the same process, alternating —
    the ratio is what the web adds (the upload's checks, the snapshot stored, its listeners);
(b) the dashboard once its evaluation is cached: ``GET /counties/{id}`` in process, median of
    ≥ 20 requests (target ≤ 300 ms), against building the page's ``summary()`` alone and the
    cached evaluation lookup, alternating;
(c) 50 simulated users for 60 s against a real server (``junheng serve`` in a child process on
    a free loopback port): each signs in through the /login form, then loops over the county
    page, a school page, the evaluation API and the HTML report until the end (a request under
    way at the end finishes and counts). Requests, p50/p95/p99 latency per kind and overall, as
    the client sees it; throughput; errors — an exception or any status other than the one
    expected (target 0, asserted).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

import junheng

COUNTY = Path(__file__).resolve().parent.parent / "build" / "bench" / "county-300.xlsx"
PASSWORD = "bench-password-0123"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TARGET_DASHBOARD_S = 0.300
USERS = 50
DURATION_S = 60.0
REQUEST_TIMEOUT_S = 120.0
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')

# A simulated user's loop: (kind, path, expected status); {county} and {school} filled in.
LOOP = (("county", "/counties/{county}", 200),
        ("school", "/counties/{county}/schools/{school}", 200),
        ("api", "/api/counties/{county}/evaluation", 200),
        ("report_html", "/counties/{county}/report.html", 200))


@dataclass
class World:
    folder: Path  # the store's folder (SQLite junheng.db)
    county_id: int
    county: str
    users: list[str]
    schools: list[str]  # school ids of the workbook, for the school pages
    workbook: Path


def make_world(workbook: Path, folder: Path, users: int) -> World:
    """A fresh store in ``folder``: the workbook's county (no snapshot yet: the upload makes it)
    and ``users`` bureau users of it, one per simulated user (the login limiter counts per
    address + user name, and only failures)."""
    from junheng.store import County, create_user, open_store

    schools = junheng.load(workbook).schools
    (name,) = set(schools["county"].to_list())
    store = open_store(folder=folder)
    try:
        with store.session() as s:
            county = County(name=name, region="基准市")
            s.add(county)
            s.flush()
            names = [f"bureau{i:02d}" for i in range(users)]
            for username in names:
                create_user(s, username, PASSWORD, "county", county_id=county.id)
            s.commit()
            county_id = county.id
    finally:
        store.close()
    return World(folder, county_id, name, names,
                 sorted(set(schools["school_id"].to_list())), workbook)


# --- in process: the upload and the dashboard ---------------------------------------------------
def _test_client():
    """starlette's TestClient, without its warning about the httpx it runs on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient


def _sign_in(client, username: str) -> str:
    """Sign ``client`` in through the real form; the session's CSRF token."""
    token = _CSRF.search(client.get("/login").text).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.status_code
    page = client.get("/password")
    assert page.status_code == 200, page.status_code
    return _CSRF.search(page.text).group(1)


def upload(world: World, rounds: int) -> dict:
    """(a): the upload's server time (cold cache: a new application each round) against
    ``load`` + ``evaluate`` of the same file, alternating; ratios per pair."""
    TestClient = _test_client()
    from junheng.store import open_store
    from junheng.web import create_app

    content = world.workbook.read_bytes()
    store = open_store(folder=world.folder)
    up_t, lib_t = [], []
    try:
        junheng.evaluate(junheng.load(world.workbook))  # warm-up (imports, the standard)
        for _ in range(rounds):
            app = create_app(store)
            with TestClient(app, follow_redirects=False) as client:
                csrf = _sign_in(client, world.users[0])
                start = time.perf_counter()
                answer = client.post(f"/counties/{world.county_id}/upload",
                                     data={"csrf": csrf},
                                     files={"file": (world.workbook.name, content, XLSX)})
                up_t.append(time.perf_counter() - start)
            assert answer.status_code == 303, (answer.status_code, answer.text[:500])
            start = time.perf_counter()
            junheng.evaluate(junheng.load(world.workbook))
            lib_t.append(time.perf_counter() - start)
    finally:
        store.close()
    return {"upload_s": statistics.median(up_t), "load_evaluate_s": statistics.median(lib_t),
            "upload_ratio": statistics.median(u / e for u, e in zip(up_t, lib_t, strict=True)),
            "upload_mb": len(content) / 1e6, "upload_rounds": rounds}


def dashboard(world: World, requests: int) -> dict:
    """(b): ``GET /counties/{id}`` once cached (the first request evaluates and is timed on its
    own), against ``summary()`` alone and the cached evaluation lookup, alternating."""
    from junheng.store import open_store
    from junheng.web import create_app
    from junheng.web.evaluations import summary

    TestClient = _test_client()

    store = open_store(folder=world.folder)
    page_t, summary_t, lookup_t = [], [], []
    try:
        app = create_app(store)
        w = app.state.web
        with store.session() as s:
            snap = w.latest(s, world.county_id)
            assert snap is not None, "no snapshot: upload first"
            s.expunge(snap)
        path = f"/counties/{world.county_id}"
        with TestClient(app, follow_redirects=False) as client:
            _sign_in(client, world.users[0])
            start = time.perf_counter()
            first = client.get(path)
            first_s = time.perf_counter() - start
            assert first.status_code == 200, first.status_code
            html_kb = len(first.content) / 1e3
            for _ in range(requests):
                start = time.perf_counter()
                answer = client.get(path)
                page_t.append(time.perf_counter() - start)
                assert answer.status_code == 200, answer.status_code
                start = time.perf_counter()
                ev = w.evaluated(snap)
                lookup_t.append(time.perf_counter() - start)
                start = time.perf_counter()
                summary(ev, world.county)
                summary_t.append(time.perf_counter() - start)
    finally:
        store.close()
    return {"dashboard_s": statistics.median(page_t), "dashboard_first_s": first_s,
            "dashboard_p95_s": percentile(page_t, 95), "dashboard_requests": requests,
            "dashboard_target_s": TARGET_DASHBOARD_S, "dashboard_kb": html_kb,
            "summary_s": statistics.median(summary_t),
            "lookup_s": statistics.median(lookup_t),
            "dashboard_ratio_to_summary": statistics.median(
                p / m for p, m in zip(page_t, summary_t, strict=True))}


# --- on loopback: the server and the simulated users -------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``junheng serve --data FOLDER --port PORT`` in a child process, until ``stop()``."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = "import sys; from junheng.cli import main; sys.argv[0] = 'junheng'; main()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, "serve", "--data", str(folder), "--port",
             str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read().decode()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the server did not answer /healthz within 60 s")
            time.sleep(0.1)

    def cpu_s(self) -> float | None:
        """The server's CPU time so far (user + system; Linux's /proc, None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> str:
        """Stop the server; what it wrote on stderr (tracebacks of a 500, if any)."""
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err.decode(errors="replace")

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


Plan = Callable[[int], list[tuple[str, str, int]]]  # user number → its loop


def default_plan(world: World) -> Plan:
    """Each user's loop over the four pages, user ``i`` reading the i-th school (rotating)."""
    def plan(i: int) -> list[tuple[str, str, int]]:
        school = world.schools[i % len(world.schools)]
        return [(kind, path.format(county=world.county_id, school=school), status)
                for kind, path, status in LOOP]
    return plan


async def _user(base: str, username: str, loop: list[tuple[str, str, int]], deadline: float,
                record: Callable[[str, float, str | None], None]) -> None:
    async with httpx.AsyncClient(base_url=base, follow_redirects=False,
                                 timeout=REQUEST_TIMEOUT_S) as client:
        async def call(kind: str, method: str, path: str, expect: int, **kw) -> httpx.Response | None:
            start = time.perf_counter()
            try:
                answer = await client.request(method, path, **kw)
            except httpx.HTTPError as exc:
                record(kind, time.perf_counter() - start, type(exc).__name__)
                return None
            error = None if answer.status_code == expect else str(answer.status_code)
            record(kind, time.perf_counter() - start, error)
            return answer

        form = await call("login_form", "GET", "/login", 200)
        token = _CSRF.search(form.text) if form is not None else None
        if token is None:
            return
        answer = await call("sign_in", "POST", "/login", 303, data={
            "username": username, "password": PASSWORD, "csrf": token.group(1)})
        if answer is None or answer.status_code != 303:
            return
        while time.perf_counter() < deadline:
            for kind, path, expect in loop:
                if time.perf_counter() >= deadline:
                    break
                await call(kind, "GET", path, expect)


def simulate(base: str, users: list[str], plan: Plan, duration: float) -> dict:
    """(c): ``len(users)`` users on ``base`` for ``duration`` seconds (the bounded loop); every
    request's latency as the client sees it, by kind, and the errors by kind and reason."""
    samples: dict[str, list[float]] = {}
    errors: dict[str, dict[str, int]] = {}

    def record(kind: str, seconds: float, error: str | None) -> None:
        samples.setdefault(kind, []).append(seconds)
        if error is not None:
            by = errors.setdefault(kind, {})
            by[error] = by.get(error, 0) + 1

    async def main() -> float:
        start = time.perf_counter()
        deadline = start + duration
        await asyncio.gather(*(_user(base, u, plan(i), deadline, record)
                               for i, u in enumerate(users)))
        return time.perf_counter() - start

    cpu = time.process_time()
    # a thread of its own: the caller's thread may already run an event loop (Playwright's)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        elapsed = pool.submit(asyncio.run, main()).result()
    cpu = time.process_time() - cpu  # the simulated users' own CPU: is the client the limit?
    every = [x for xs in samples.values() for x in xs]
    kinds = {kind: {"requests": len(xs), "p50_s": percentile(xs, 50),
                    "p95_s": percentile(xs, 95), "p99_s": percentile(xs, 99),
                    "errors": sum(errors.get(kind, {}).values())}
             for kind, xs in samples.items()}
    return {"users": len(users), "duration_s": duration, "elapsed_s": elapsed,
            "requests": len(every), "throughput_rps": len(every) / elapsed,
            "client_cores_busy": cpu / elapsed,
            "p50_s": percentile(every, 50), "p95_s": percentile(every, 95),
            "p99_s": percentile(every, 99),
            "errors": sum(sum(by.values()) for by in errors.values()),
            "error_reasons": errors, "kinds": kinds}


def percentile(xs: list[float], p: float) -> float:
    """The nearest-rank percentile (NaN for no samples)."""
    if not xs:
        return math.nan
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def load_test(world: World, users: int, duration: float, alone_s: float = 5.0) -> dict:
    """(c) with the real server: started, its cache warmed by one county page (timed), one user
    alone for ``alone_s`` seconds, then ``users`` users together for ``duration``; the server
    stopped, what it wrote on stderr kept when there were errors."""
    server = Server(world.folder)
    try:
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=120) as client:
            _sign_in(client, world.users[0])
            start = time.perf_counter()
            assert client.get(f"/counties/{world.county_id}").status_code == 200
            warm_s = time.perf_counter() - start
        # one user alone first: each kind's latency without contention, for the ratios
        alone = simulate(server.url, world.users[:1], default_plan(world), alone_s)
        cpu = server.cpu_s()
        result = simulate(server.url, world.users[:users], default_plan(world), duration)
        if cpu is not None:  # the server's CPU time per second of the run: ~1 = one core busy
            result["server_cores_busy"] = (server.cpu_s() - cpu) / result["elapsed_s"]
    finally:
        stderr = server.stop()
    result["first_page_s"] = warm_s  # the server's first county page: it evaluates
    result["errors"] += alone["errors"]
    for kind, k in result["kinds"].items():
        one = alone["kinds"].get(kind)
        k["alone_p50_s"] = one["p50_s"] if one else None
        k["ratio_to_alone"] = k["p50_s"] / one["p50_s"] if one else None
    result["alone"] = {"requests": alone["requests"], "p50_s": alone["p50_s"],
                       "throughput_rps": alone["throughput_rps"],
                       "errors": alone["error_reasons"]}
    if result["errors"]:
        result["server_stderr_tail"] = stderr[-4000:]
    return result


def run(path: Path = COUNTY, quick: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="junheng-bench-web-") as folder:
        world = make_world(path, Path(folder) / "db", USERS)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        up = upload(world, 3 if quick else 7)
        dash = dashboard(world, 20 if quick else 40)
        load = load_test(world, USERS, 10.0 if quick else DURATION_S, 3.0 if quick else 10.0)
    return {"file": str(path), "sha256": sha[:12], "schools": len(world.schools), **up, **dash,
            "load": load}


def report(r: dict) -> None:
    ms = 1000
    print(f"  upload of the {r['schools']}-school workbook ({r['upload_mb']:.1f} MB) "
          f"{r['upload_s']:.2f} s | load + evaluate {r['load_evaluate_s']:.2f} s | ratio "
          f"{r['upload_ratio']:.2f}× (what the web adds)")
    met = "met" if r["dashboard_s"] <= r["dashboard_target_s"] else "MISSED"
    print(f"  dashboard cached {r['dashboard_s'] * ms:.0f} ms (p95 {r['dashboard_p95_s'] * ms:.0f}"
          f" ms, {r['dashboard_kb']:.0f} kB; target ≤ {r['dashboard_target_s'] * ms:.0f} ms: "
          f"{met}) | summary() alone {r['summary_s'] * ms:.0f} ms | ratio "
          f"{r['dashboard_ratio_to_summary']:.2f}× (cached lookup {r['lookup_s'] * ms:.2f} ms; "
          f"first request, evaluating, {r['dashboard_first_s']:.2f} s)")
    ld = r["load"]
    print(f"  {ld['users']} users × {ld['duration_s']:.0f} s on loopback (junheng serve): "
          f"{ld['requests']} requests, {ld['throughput_rps']:.1f}/s, p50 "
          f"{ld['p50_s'] * ms:.0f} ms, p95 {ld['p95_s'] * ms:.0f} ms, p99 "
          f"{ld['p99_s'] * ms:.0f} ms, errors {ld['errors']} (target 0)")
    busy = ld.get("server_cores_busy")
    print(f"    CPU cores busy: server {'?' if busy is None else f'{busy:.2f}'} (one process), "
          f"simulated users {ld['client_cores_busy']:.2f}")
    one = ld["alone"]
    print(f"    one user alone: {one['throughput_rps']:.1f} requests/s, p50 "
          f"{one['p50_s'] * ms:.0f} ms; by kind (the ratio: p50 under load / p50 alone):")
    for kind, k in ld["kinds"].items():
        alone = ("—" if k["alone_p50_s"] is None else
                 f"{k['alone_p50_s'] * ms:4.0f} ms, {k['ratio_to_alone']:5.1f}×")
        print(f"    {kind:11s} {k['requests']:6d} requests  p50 {k['p50_s'] * ms:6.0f} ms  p95 "
              f"{k['p95_s'] * ms:6.0f} ms  p99 {k['p99_s'] * ms:6.0f} ms  errors "
              f"{k['errors']}  | alone {alone}")
    assert ld["errors"] == 0, (f"{ld['errors']} errors under load: {ld['error_reasons']}\n"
                               f"{ld.get('server_stderr_tail', '')}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--quick"]
    report(run(Path(args[0]) if args else COUNTY, quick="--quick" in sys.argv))
