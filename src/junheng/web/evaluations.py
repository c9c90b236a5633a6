"""The evaluation behind the pages: a snapshot's workbook read and evaluated once (cached by
its SHA-256), the same library calls as ``junheng evaluate``, and the report files built by the
same writers as ``--report``."""

from __future__ import annotations

import tempfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Any

import junheng
from junheng.errors import InputError
from junheng.evaluate import Evaluation
from junheng.model.dataset import Dataset

CACHED = 16  # evaluations kept in memory (a few counties' latest snapshots)
CACHED_ARTIFACTS = 24  # report files and JSON texts kept (a few MB each)


def read_workbook(content: bytes, filename: str = "county.xlsx") -> Dataset:
    """Read and validate uploaded bytes with the reader's own limits (size, cells, xlsx bombs);
    raises ``InputError`` with every problem located."""
    # under the user's own file name, so that every problem names the file they chose
    name = Path(filename).name.strip() or "county.xlsx"
    with tempfile.TemporaryDirectory(prefix="junheng-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        return junheng.load(path)


MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # a county workbook is a few MB; the reader checks cells


def check_upload(content: bytes, filename: str) -> tuple[Dataset | None, list[dict] | None]:
    """An uploaded workbook read and validated: ``(dataset, None)``, or ``(None, problems)``
    with every problem located (where, value, expected — Chinese first) for the page."""
    mb = MAX_UPLOAD_BYTES // 2**20
    if len(content) > MAX_UPLOAD_BYTES:
        return None, [{"where": filename, "value": f"{len(content):,} 字节",
                       "expected": f"文件不超过 {mb} MB / at most {mb} MB"}]
    if Path(filename).suffix.lower() not in (".xlsx", ".xlsm"):
        return None, [{"where": filename, "value": Path(filename).suffix or "（无）",
                       "expected": "请上传 .xlsx 工作簿（用页面上可下载的填报模板）/ upload an "
                                   ".xlsx workbook (the template the page offers)"}]
    try:
        return read_workbook(content, filename), None
    except InputError as exc:
        return None, [{"where": p.location(), "value": "（空 empty）" if p.value is None
                       else p.value, "expected": f"{p.expected_zh} / {p.expected_en}"}
                      for p in exc.problems]


class EvaluationCache:
    """sha256 → (dataset, evaluation), and what is built from them (a report file, the JSON):
    each built once, even when many requests ask at the same moment, least recently used
    dropped first."""

    def __init__(self, size: int = CACHED, standard: str = "quality-2017",
                 artifacts: int = CACHED_ARTIFACTS) -> None:
        self.size, self.standard, self.artifacts = size, standard, artifacts
        self._items: OrderedDict[str, tuple[Dataset, Evaluation]] = OrderedDict()
        self._built: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = Lock()
        self._building: dict[Any, Lock] = {}

    def _once(self, items: OrderedDict, key: Any, size: int, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in items:
                items.move_to_end(key)
                return items[key]
            building = self._building.setdefault(key, Lock())
        with building:  # a second request for the same key waits for the first one's result
            with self._lock:
                if key in items:
                    return items[key]
            try:
                value = build()
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                items[key] = value
                while len(items) > size:
                    items.popitem(last=False)
            return value

    def get(self, sha256: str, content: bytes, filename: str,
            dataset: Dataset | None = None) -> tuple[Dataset, Evaluation]:
        """The snapshot's dataset and evaluation; ``dataset`` when the bytes were just read
        and validated (an upload), so they are not read twice."""
        def build() -> tuple[Dataset, Evaluation]:
            data = dataset if dataset is not None else read_workbook(content, filename)
            return data, junheng.evaluate(data, self.standard)

        return self._once(self._items, sha256, self.size, build)

    def artifact(self, sha256: str, name: str, build: Callable[[], Any]) -> Any:
        """Something built from one snapshot (a report file, the JSON), built once."""
        return self._once(self._built, (sha256, name), self.artifacts, build)


REPORTS = {  # download name → (writer, file name, media type)
    "xlsx": ("评估报告.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "html": ("评估报告.html", "text/html; charset=utf-8"),
    "docx": ("自评报告.docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def report_bytes(evaluation: Evaluation, county: str, kind: str) -> bytes:
    """One report file of the county, written by the report writers into a temporary folder."""
    from junheng.report import write_excel, write_html, write_word

    with tempfile.TemporaryDirectory(prefix="junheng-report-") as folder:
        path = Path(folder) / REPORTS[kind][0]
        if kind == "xlsx":
            write_excel(evaluation, path)
        elif kind == "html":
            write_html(evaluation, path)
        else:
            write_word(evaluation, county, path)
        return path.read_bytes()


def summary(evaluation: Evaluation, county: str) -> dict[str, Any]:
    """What the county page shows: the verdict, the four parts, the CVs, the 整改清单 first."""
    from junheng.report.catalogue import t
    from junheng.report.views import build_rectification

    c = evaluation.counties.filter(county=county).row(0, named=True)
    rect = build_rectification(evaluation, county, "zh")
    names = {i.key: i.name for i in evaluation.standard.indicators}
    cvs = [{"stage": t(r["stage"], "zh"), "indicator": names.get(r["indicator"], r["indicator"]),
            "cv": r["cv"], "limit": r["cv_limit"], "met": r["cv_met"]}
           for r in evaluation.stages.filter(county=county).sort(
               "stage", "indicator_order", descending=[True, False]).iter_rows(named=True)]
    parts = [{"part": t("resources", "zh"), "verdict": t(c["resources_verdict"], "zh"),
              "ok": c["resources_verdict"] == "pass",
              "detail": f"学校达标 {c['schools_meeting_rule']} / {c['schools_evaluated']}"}]
    parts += [{"part": t(r["part"], "zh"), "verdict": t(r["verdict"], "zh"),
               "ok": r["verdict"] == "pass", "detail": f"达标 {r['met']} / {r['items']} 项"}
              for r in evaluation.parts.filter(county=county).iter_rows(named=True)]
    schools = [{"school_id": r["school_id"], "name": r["name"], "stage": t(r["stage"], "zh"),
                "students": r["students"], "met": r["met_count"], "ok": r["meets_rule"]}
               for r in evaluation.schools.filter(county=county).sort(
                   "meets_rule", "met_count", "school_id").iter_rows(named=True)]
    return {"county": county, "year": evaluation.year, "verdict": t(c["verdict"], "zh"),
            "ok": c["verdict"] == "pass", "resources": t(c["resources_verdict"], "zh"),
            "meeting": c["schools_meeting_rule"], "evaluated": c["schools_evaluated"],
            "headline": rect.headline(), "needs": [n.text for n in rect.needs],
            "cvs_over": [o.text for o in rect.cvs], "open_items": [f"{i.number}. {i.name}"
                                                                for i in rect.items],
            "vetoes": list(rect.vetoes), "cvs": cvs, "parts": parts, "schools": schools}


def school_rows(evaluation: Evaluation, school_id: str) -> list[dict[str, Any]]:
    """One school's indicators, stage by stage."""
    from junheng.report.catalogue import t

    names = {i.key: i.name for i in evaluation.standard.indicators}
    return [{"stage": t(r["stage"], "zh"), "indicator": names.get(r["indicator"], r["indicator"]),
             "value": r["value"], "threshold": r["threshold"], "met": r["met"],
             "floor": r["floor_met"]}
            for r in evaluation.indicators.filter(school_id=school_id).sort(
                "stage", "indicator_order", descending=[True, False]).iter_rows(named=True)]

