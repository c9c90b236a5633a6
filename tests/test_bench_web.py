"""The web benchmark's own machinery (benchmarks/web.py, section 7 of `make bench`) on a tiny
county with a few users for about 2 s: it measures real requests, and a refused request is
counted as an error, never as a success."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import junheng

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "web.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_web", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def world(bench, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench-web")
    workbook = junheng.write_sample(folder / "tiny.xlsx", schools=6, seed=3)
    return bench.make_world(workbook, folder / "db", users=3)


def test_percentile(bench):
    xs = [float(i) for i in range(1, 101)]
    assert (bench.percentile(xs, 50), bench.percentile(xs, 95), bench.percentile(xs, 100)) == (
        50.0, 95.0, 100.0)
    assert bench.percentile([7.0], 99) == 7.0


def test_upload_dashboard_and_users_on_loopback(bench, world):
    up = bench.upload(world, rounds=1)  # the upload makes the county's snapshot
    assert up["upload_s"] > 0 and up["load_evaluate_s"] > 0 and up["upload_ratio"] > 0
    dash = bench.dashboard(world, requests=3)
    assert 0 < dash["summary_s"] < dash["dashboard_s"] < dash["dashboard_first_s"] + 1

    normal = bench.default_plan(world)
    missing = f"/counties/{world.county_id}/no-such-page"

    def plan(i: int) -> list[tuple[str, str, int]]:
        # the last user also asks for a page that does not exist: a 404, so an error
        return normal(i) + ([("missing", missing, 200)] if i == len(world.users) - 1 else [])

    with bench.Server(world.folder) as server:
        result = bench.simulate(server.url, world.users, plan, duration=2.0)
    kinds = result["kinds"]
    assert result["users"] == 3 and result["requests"] > 3 * len(bench.LOOP)
    assert result["requests"] == sum(k["requests"] for k in kinds.values())
    for kind in ("login_form", "sign_in", "county", "school", "api", "report_html"):
        assert kinds[kind]["requests"] > 0 and kinds[kind]["errors"] == 0, kind
        assert 0 < kinds[kind]["p50_s"] <= kinds[kind]["p95_s"] <= kinds[kind]["p99_s"]
    assert kinds["sign_in"]["requests"] == 3  # each user signed in once, through the form
    # every request of the missing page was answered 404 and counted as an error, nothing else
    assert kinds["missing"]["requests"] > 0
    assert result["errors"] == kinds["missing"]["errors"] == kinds["missing"]["requests"]
    assert result["error_reasons"] == {"missing": {"404": kinds["missing"]["requests"]}}
    assert result["elapsed_s"] >= 2.0 and result["throughput_rps"] > 0


def test_a_server_that_is_gone_counts_errors(bench, world):
    """Nothing listening: every attempt is an error (the exception's name), none a success."""
    result = bench.simulate(f"http://127.0.0.1:{bench.free_port()}", world.users[:2],
                            bench.default_plan(world), duration=0.5)
    assert result["requests"] == result["errors"] == 2  # each user's /login, refused
    assert set(result["error_reasons"]) == {"login_form"}
    assert set(result["error_reasons"]["login_form"]) == {"ConnectError"}
