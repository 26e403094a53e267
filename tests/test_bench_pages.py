"""The pages benchmark's reading of ``hey``'s per-request CSV and its percentiles,
against figures worked out by hand."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def pages() -> ModuleType:
    """bench/pages.py, imported as a module."""
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_pages", BENCH / "pages.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


HEY_CSV = (
    "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n"
    "0.0100,0.0003,0.0000,0.0001,0.0090,0.0001,200,0.0000\n"
    "0.0300,0.0001,0.0000,0.0001,0.0290,0.0001,200,0.0010\n"
    "0.0200,0.0001,0.0000,0.0001,0.0190,0.0001,503,0.0500\n"
    "0.0400,0.0001,0.0000,0.0001,0.0390,0.0001,200,0.0600\n"
    "0.0000,0.0000,0.0000,0.0000,0.0000,0.0000,0,0.0900\n"
)


def test_hey_csv_keeps_the_answers_that_succeeded(pages: ModuleType) -> None:
    """Status 200 rows give latencies; a 503 and a request with no answer (status 0) are
    failures; the wall time ends at the latest answer's start plus its latency."""
    failures: list[str] = []
    times, wall = pages.parse_hey_csv(HEY_CSV, failures)
    assert times == [0.01, 0.03, 0.04]
    assert failures == ["503", "0"]
    assert wall == pytest.approx(0.1)  # 0.06 + 0.04 beats 0.09 + 0


def test_percentiles_and_rate(pages: ModuleType) -> None:
    """Of 1..20 ms, the exclusive method puts p50 at 10.5 ms and p95 at 19.95 ms
    (0.95 x 21 = 19.95, between the 19th and 20th); 20 answers in 0.5 s are 40 a second."""
    timings = pages.Timings()
    timings.add([i / 1000 for i in range(1, 11)], 0.2)
    timings.add([i / 1000 for i in range(11, 21)], 0.3)
    assert timings.percentile(50) == pytest.approx(10.5)
    assert timings.percentile(95) == pytest.approx(19.95)
    assert timings.per_second() == pytest.approx(40.0)
    assert pages.Timings().per_second() != pages.Timings().per_second()  # nan: no rounds


def _python(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code])


async def test_a_server_still_busy_at_the_idle_limit_is_said_to_be(pages: ModuleType) -> None:
    # Timings of a server still starting measure its start, not the pages: the bench
    # must say so rather than print them as if it had gone idle.
    busy = _python("while True: pass")
    quiet = _python("import time; time.sleep(60)")
    try:
        assert await pages._idle(busy, limit=3) is None
        waited = await pages._idle(quiet, limit=30)
        assert waited is not None and waited < 10
    finally:
        for process in (busy, quiet):
            process.kill()
            process.wait(10)
