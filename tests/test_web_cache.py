"""The web's evaluation cache: each snapshot's evaluation and each file built from it are
built once, even when many requests ask at the same moment; a failed build is not kept."""

from __future__ import annotations

import threading
import time

import pytest

import junheng
from junheng.web.evaluations import EvaluationCache


def test_many_requests_at_once_build_an_artifact_once():
    cache = EvaluationCache(artifacts=2)
    calls = []

    def build():
        calls.append(1)
        time.sleep(0.2)  # long enough for every thread to be waiting on the first build
        return b"report"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.artifact("a", "html", build)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [b"report"] * 8 and len(calls) == 1


def test_a_failed_build_is_not_kept_and_the_oldest_artifact_goes_first():
    cache = EvaluationCache(artifacts=2)

    def fail():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        cache.artifact("a", "html", fail)
    assert cache.artifact("a", "html", lambda: 1) == 1  # built again after the failure
    cache.artifact("b", "html", lambda: 2)
    cache.artifact("c", "html", lambda: 3)  # "a" is dropped: two kept
    assert cache.artifact("a", "html", lambda: 4) == 4
    assert cache.artifact("c", "html", lambda: 5) == 3


def test_an_uploaded_dataset_is_evaluated_without_reading_the_bytes_again(tmp_path):
    path = junheng.write_sample(tmp_path / "c.xlsx", schools=4, seed=2)
    dataset = junheng.load(path)
    cache = EvaluationCache()
    # bytes that are not a workbook: reading them would fail, so the dataset given is used
    got, evaluation = cache.get("x", b"not a workbook", "c.xlsx", dataset)
    assert got is dataset
    assert evaluation.counties.height == 1
    assert cache.get("x", b"", "c.xlsx")[1] is evaluation  # cached by its sha256
