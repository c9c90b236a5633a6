"""Planners run as background jobs: a small thread pool over the ``PlanRun`` table.

A run is queued by the page (``JobRunner.submit``), then a worker thread reads the snapshot's
dataset (the evaluation cache's, so a county's data is read once), runs the planner with the same
library calls as ``junheng plan`` — the planner's ``run`` and the report's writer, into a
temporary folder — and stores what the command line would have written: the plan's JSON
(``result_json``), the output folder zipped (``files``) and the figures plans are compared by
(``summary``). The planner's progress messages go into the row as they come, so a page can
show them. A failure stores a bilingual message for the user (``error``); a traceback goes to the
server's log only, and never a teacher row.

A run left queued or running by a previous process (the server stopped or crashed) is marked
failed when the next one starts (``recover``): its thread is gone.

Kinds (``KINDS``): every planner of ``junheng.plan.PLANNERS`` with a report writer (the
teacher rotation, 交流轮岗, and school groups, 集团化办学 — its files with the map page, see
``junheng.web.groups``), and the path-to-pass planner (``plan_pass``) as ``junheng plan
investment | recruitment | pass`` calls it: ``investment`` (the facility levers) and ``pass``
(rotation first — it is free —, then facilities and teachers) need the bureau's price table;
``recruitment`` takes one optionally (without it each teacher hired or appointed counts 1, the plan
with the fewest teachers). The price table a run was started with is kept with the run (its bytes
base64-encoded in ``params["prices_xlsx_b64"]``, with its sha256 and file name), so the run can
be reproduced; it is read again, with the library's reader, when the job starts.

A path-to-pass run ends:

- failed, when the county has no plan meeting every rule (``plan.infeasible``): nothing to
  compare or adopt; the message names the school–stages beyond the levers first (as
  ``recruitment`` always has);
- done, when a plan exists though some school–stages are beyond its levers (``unreachable``):
  the plan is still the least cost for every other one — what the command line prints and writes
  (措施无法解决) with its plan —, so the run is a plan that can be compared and adopted, its
  ``summary`` counting them and its page naming them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from threading import Lock
from typing import Any

import polars as pl
from sqlalchemy import select

from junheng.errors import InfeasiblePlan, InputError, NoPlanFound, PlanError, StandardError
from junheng.io import Pseudonyms
from junheng.store import PlanRun, Snapshot
from junheng.store.models import utcnow

log = logging.getLogger("junheng.web.jobs")

DEFAULT_TIME_LIMIT = 60.0  # seconds per county: a page waits for it, unlike the command line
MAX_TIME_LIMIT = 600.0
MAX_PROGRESS = 255  # PlanRun.progress
INTERRUPTED = "服务重启，任务中断 / interrupted by a restart"
UNFINISHED = ("queued", "running")
STATUS_WORDS = {"queued": ("排队中", "queued"), "running": ("运行中", "running"),
                "done": ("完成", "done"), "failed": ("失败", "failed")}
# kinds of setting a web form can offer (ids and per-gender ages stay in the profile)
FORM_KINDS = ("int", "number", "share", "choice", "bool")
OFF = {"off", "none", "null", "不限", "无"}


@dataclass(frozen=True)
class Kind:
    """A planner as the web application runs it.

    ``run(dataset, standard, rules, time_limit=, seed=, progress=)`` returns the plan;
    ``write(plan, folder)`` writes the command line's files (Chinese) and returns their paths;
    ``rules`` is the planner's declared rules class (its settings become the form's fields), or
    None when the web offers no settings for it; ``personal``: whether the plan's files name
    teachers (then only those who see teacher names download them).
    """

    name: str
    title: tuple[str, str]
    run: Callable[..., Any]
    write: Callable[[Any, Path], list[Path]]
    rules: type | None = None
    note: tuple[str, str] = ("", "")
    # the price table: "none" (not offered), "optional" (recruitment) or "required"
    prices: str = "none"
    personal: bool = True

    def settings(self) -> list[Any]:
        """The declared settings a form offers (those the command line offers, but ids)."""
        if self.rules is None:
            return []
        return [p for p in self.rules.params() if p.cli and p.kind in FORM_KINDS]


def _planner_kind(name: str) -> Kind | None:
    from junheng.plan import PLANNERS
    from junheng.report import PLAN_REPORTS

    planner = PLANNERS[name]
    if name not in PLAN_REPORTS:
        return None
    writer = PLAN_REPORTS[name][0]

    def run(dataset: Any, standard: Any, rules: Any, **kw: Any) -> Any:
        return planner.run(dataset, standard, rules, year=None, **kw)

    def write(plan: Any, folder: Path) -> list[Path]:
        return writer(plan, folder, "zh", False)

    return Kind(name, planner.title, run, write, planner.rules)


def _write_pass(plan: Any, folder: Path) -> list[Path]:
    """The command line's files: 达标路径方案.xlsx and pass-plan.json (first: the run's JSON);
    for ``pass``, the rotation planned first as ``junheng plan rotation`` writes it too."""
    from junheng.report import PLAN_REPORTS
    from junheng.report._pass import write_pass_plan

    paths = write_pass_plan(plan, folder, "zh")
    rotation = getattr(plan, "rotation", None)
    if rotation is not None:
        paths += PLAN_REPORTS["rotation"][0](rotation, folder.parent / "rotation", "zh", False)
    return [p for p in paths if p.suffix == ".json"] + [p for p in paths if p.suffix != ".json"]


def _pass_kind(name: str, title: tuple[str, str], prices: str,
               note: tuple[str, str]) -> Kind:
    """``junheng plan investment | recruitment | pass``: the same calls, in the same order."""

    def run(dataset: Any, standard: Any, rules: Any, *, time_limit: float, seed: int = 0,
            progress: Any = None, prices: Any = None, budget_wan: float | None = None,
            years: int = 1, hire_years: int = 1) -> Any:
        from junheng.plan.investment import planner as investment

        levers = {"investment": investment.INVESTMENT, "recruitment": investment.RECRUITMENT,
                  "pass": investment.INVESTMENT + investment.RECRUITMENT}[name]
        rotated = None
        if name == "pass":  # rotation is free: planned first, on its own rules (as the CLI)
            from junheng.plan.rotation import plan_rotation

            if progress is not None:
                progress("交流轮岗 planning rotation…")
            rotated = plan_rotation(dataset, standard, standard.rules("rotation"), year=None,
                                    time_limit=time_limit, seed=seed, progress=progress)
            dataset = rotated.dataset_after
        if progress is not None:
            progress("求解 solving…")
        plan = investment.plan_pass(dataset, standard, prices, levers=levers,
                                    hire_years=hire_years, budget_wan=budget_wan, years=years,
                                    time_limit=time_limit, seed=seed, progress=progress)
        if rotated is not None:
            moved = rotated.moves.height
            plan.warnings.insert(0, (f"已先安排交流轮岗 {moved} 人次（见 junheng plan rotation）",
                                     f"{moved} teacher moves planned first (junheng plan "
                                     "rotation)"))
            plan.rotation = rotated  # the files, the page's list and the summary's "before"
        return plan

    return Kind(name, title, run, _write_pass, None, note, prices)


def _kinds() -> dict[str, Kind]:
    from junheng.plan import PLANNERS

    kinds = {k.name: k for k in (_planner_kind(n) for n in PLANNERS) if k is not None}
    if "groups" in kinds:  # schools only; the command line's files and the map page
        from junheng.web.groups import write_groups

        kinds["groups"] = replace(kinds["groups"], write=write_groups, personal=False, note=(
            "哪所学校牵头哪些学校（1+X），覆盖多少学生；不改变评估数据，采用即确定本学年的集团划分"
            "（junheng plan groups）",
            "which school leads which (1+X) and the pupils covered; it changes no figure: "
            "adopting it sets the school year's grouping (junheng plan groups)"))
    kinds["recruitment"] = _pass_kind(
        "recruitment", ("教师补充方案", "recruitment plan"), "optional",
        ("不给单价表时，每聘用或任命一名教师计 1，即所需教师最少的方案；给单价表则为费用最低的方案"
         "（junheng plan recruitment）",
         "without a price table each teacher hired or appointed counts 1, the plan with the "
         "fewest teachers; with one, the least-cost plan (junheng plan recruitment)"))
    kinds["investment"] = _pass_kind(
        "investment", ("投入方案", "investment plan"), "required",
        ("按本局单价表，最低成本的校舍、场地、设备、专用教室投入（junheng plan investment）",
         "at the bureau's prices, the least-cost investment in buildings, grounds, equipment "
         "and rooms (junheng plan investment)"))
    kinds["pass"] = _pass_kind(
        "pass", ("达标路径方案", "path-to-pass plan"), "required",
        ("先安排交流轮岗（不花钱），再按单价表求教师补充与投入的最低成本达标路径（junheng plan pass）",
         "rotation first (it is free), then teachers and investment together at least cost, "
         "at the bureau's prices (junheng plan pass)"))
    return kinds


KINDS: dict[str, Kind] = _kinds()


# --- the figures plans are compared by --------------------------------------------------------
def summary(kind: str, plan: Any, seconds: float) -> dict[str, Any]:
    """What a plan changes, before → after, as plain data (``PlanRun.summary``).

    ``moves``: teachers moved (each half of an exchange counts; rotation, and the rotation a
    ``pass`` plan makes first); ``teachers``: teachers hired or appointed (path to pass);
    ``meeting``: school–stages meeting the per-school rule; ``cvs_over``: stage × indicator CVs
    over their limit; ``verdict`` / ``resources``: the county's verdict and the resource part's,
    before → after — "before" is always the data as it is (for ``pass``, before its rotation).

    A path-to-pass plan adds ``priced``, ``cost_wan`` (万元; None without a price table) and
    ``naive_cost_wan`` (every gap raised to its threshold by its cheapest lever; None when some
    gap has no priced lever), ``budget_wan`` / ``shortfall_wan``, ``years`` and, phased,
    ``by_year`` (per county and year: cost — 万元, or teachers when unpriced —, cost to date,
    school–stages meeting the rule, evaluated, resources verdict), and ``unreachable`` (the
    school–stages beyond its levers). Never the price table itself.

    A school-groups plan changes no figure (before == after) and adds its coverage
    (``junheng.web.groups.group_figures``): ``groups``, ``schools_in_groups`` / ``schools``,
    ``pupils_in_groups`` / ``pupils`` and ``pupils_share``, rural and failing schools covered,
    ``members_unmatched``, ``target``, ``target_met`` and ``pupils_short``."""
    rotation = getattr(plan, "rotation", None)
    b, a = (plan.before if rotation is None else rotation.before), plan.after

    def county(ev: Any) -> dict[str, Any]:
        return ev.counties.row(0, named=True)

    def over(ev: Any) -> int:
        return ev.stages.filter(pl.col("cv_met") == False).height  # noqa: E712 (null ≠ over)

    out: dict[str, Any] = {
        "kind": kind, "school_year": plan.year,
        "moves": None, "teachers": None, "actions": None,
        "meeting": [county(b)["schools_meeting_rule"], county(a)["schools_meeting_rule"]],
        "evaluated": county(a)["schools_evaluated"],
        "cvs_over": [over(b), over(a)],
        "verdict": [county(b)["verdict"], county(a)["verdict"]],
        "resources": [county(b)["resources_verdict"], county(a)["resources_verdict"]],
        "proven": bool(plan.proven) and (rotation is None or bool(rotation.proven)),
        "seconds": round(seconds, 2), "warnings": len(plan.warnings),
    }
    if hasattr(plan, "moves"):
        out["moves"] = plan.moves.height
    if rotation is not None:
        out["moves"] = rotation.moves.height
    if hasattr(plan, "coverage"):  # school groups: the coverage, nothing moved or bought
        from junheng.web.groups import group_figures

        out.update(group_figures(plan))
    if hasattr(plan, "actions"):
        out["actions"] = plan.actions.height
        teachers = plan.actions.filter(pl.col("kind").is_in(
            ["hire_qualified", "hire_pe_art", "appoint_backbone"]))
        out["teachers"] = int(teachers.get_column("amount").sum() or 0)
        out.update(_pass_figures(plan))
    return out


def _wan(yuan: float | None) -> float | None:
    return None if yuan is None else round(float(yuan) / 10_000, 6)


def _pass_figures(plan: Any) -> dict[str, Any]:
    priced = bool(plan.priced)
    per = 10_000 if priced else 1
    naive = list(plan.naive_cost_yuan.values())
    return {
        "priced": priced,
        "cost_wan": _wan(plan.cost_yuan) if priced else None,
        "naive_cost_wan": (_wan(sum(naive)) if priced and naive
                           and all(v != float("inf") for v in naive) else None),
        "budget_wan": _wan(plan.budget_yuan),
        "shortfall_wan": _wan(sum(plan.shortfall_yuan.values())) if plan.shortfall_yuan
        else None,
        "years": plan.years,
        "by_year": [{"county": r["county"], "year": r["phase"],
                     "cost": round(r["cost_yuan"] / per, 6),
                     "cumulative": round(r["cumulative_yuan"] / per, 6),
                     "meeting": r["schools_meeting_rule"], "evaluated": r["schools_evaluated"],
                     "resources": r["resources_verdict"]}
                    for r in plan.by_year.iter_rows(named=True)] if plan.years > 1 else None,
        "unreachable": 0 if plan.unreachable is None else plan.unreachable.height,
    }


# --- the price table --------------------------------------------------------------------------
MAX_PRICES_BYTES = 8 * 1024 * 1024  # a price table is a few kB
PRICES_LIMITS_CELLS = 1_000_000
MAX_BUDGET_WAN = 1e7  # 万元: 1000 亿元
MAX_YEARS = 20  # as the command line's --years
MAX_HIRE_YEARS = 40  # as --hire-years


def read_price_table(content: bytes, filename: str, dataset: Any) -> Any:
    """The bureau's price table (bytes of an .xlsx) read and checked by the library's reader
    against ``dataset`` (its schools and counties); raises ``InputError`` with every problem
    located. Read under the user's own file name, as the data is."""
    from junheng.io._limits import ReadLimits
    from junheng.plan.investment.prices import read_prices

    name = Path(filename).name.strip() or "单价表.xlsx"
    with tempfile.TemporaryDirectory(prefix="junheng-prices-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        return read_prices(path, dataset, limits=ReadLimits(max_cells=PRICES_LIMITS_CELLS))


def price_params(content: bytes, filename: str) -> dict[str, str]:
    """What a run keeps of its price table: its bytes (base64), sha256 and file name."""
    return {"prices_xlsx_b64": base64.b64encode(content).decode("ascii"),
            "prices_sha256": hashlib.sha256(content).hexdigest(),
            "prices_filename": Path(filename).name}


def public_params(params: dict[str, Any]) -> dict[str, Any]:
    """A run's settings as they may be shown, audited or compared: never the table's bytes."""
    return {k: v for k, v in params.items() if k != "prices_xlsx_b64"}


def pass_options(params: dict[str, Any], dataset: Any) -> dict[str, Any]:
    """``plan_pass``'s options from a run's stored settings, the price table read again."""
    out: dict[str, Any] = {"budget_wan": params.get("budget_wan"),
                           "years": int(params.get("years") or 1),
                           "hire_years": int(params.get("hire_years") or 1)}
    if params.get("prices_xlsx_b64"):
        content = base64.b64decode(params["prices_xlsx_b64"])
        if hashlib.sha256(content).hexdigest() != params.get("prices_sha256"):
            raise RuntimeError("the stored price table does not match its sha256")
        out["prices"] = read_price_table(content, params.get("prices_filename", ""), dataset)
    return out


# --- the form's settings ----------------------------------------------------------------------
def parse_settings(kind: Kind, form: dict[str, str]) -> dict[str, Any]:
    """The settings a form gave (``s_<name>``; blank keeps the profile's value), as the
    declaration expects them; a wrong value is left for the declaration's own check to name."""
    out: dict[str, Any] = {}
    for p in kind.settings():
        text = str(form.get(f"s_{p.name}", "")).strip()
        if not text:
            continue
        if p.nullable and text.lower() in OFF:
            out[p.name] = None
        elif p.kind == "bool":
            out[p.name] = {"true": True, "false": False}.get(text.lower(), text)
        elif p.kind in ("int", "number", "share"):
            try:
                number = float(text)
            except ValueError:
                out[p.name] = text
                continue
            out[p.name] = int(number) if p.kind == "int" and number == int(number) else number
        else:
            out[p.name] = text
    return out


def check_settings(kind: Kind, standard_ref: str, settings: dict[str, Any]) -> Any:
    """The rules with ``settings`` applied; raises ``StandardError`` naming each wrong one."""
    if kind.rules is None:
        return None
    from junheng.standards import load_standard

    return load_standard(standard_ref).rules(kind.name).replace(**settings)


# --- messages ---------------------------------------------------------------------------------
def failure_message(exc: BaseException) -> str:
    """What the user reads when a run fails: Chinese, then English, never a traceback."""
    if isinstance(exc, InputError):
        lines = ["数据有误，无法制定方案 / the data is invalid: no plan was made"]
        lines += [f"{p.location()}: {p.expected_zh} / {p.expected_en}"
                  for p in exc.problems[:10]]
        if len(exc.problems) > 10:
            lines.append(f"… 另有 {len(exc.problems) - 10} 处 / {len(exc.problems) - 10} more")
        return "\n".join(lines)
    if isinstance(exc, StandardError):
        return "\n".join(["设置有误 / invalid setting", *exc.problems])
    if isinstance(exc, PlanError):
        head = ("未在时限内找到方案（不代表不存在）/ no plan found within the time limit (not a "
                "proof that none exists)" if isinstance(exc, NoPlanFound)
                else "无法制定符合全部规则的方案 / no plan meets every rule")
        return "\n".join([head, *(f"{zh}\n{en}" for zh, en in exc.messages)])
    return ("方案运行出错，请联系系统管理员查看服务器日志 / the plan failed: ask the administrator "
            "to read the server's log")


def _no_plan(plan: Any) -> None:
    """A path-to-pass plan that found no plan for its county is a failed run (nothing to
    compare or adopt): its reasons, the school–stages beyond the levers first, are the
    message."""
    if not getattr(plan, "infeasible", None):
        return
    beyond = plan.unreachable if plan.unreachable is not None else pl.DataFrame()
    messages = [(f"{r['school_id']}（{r['stage']}）：{r['why_zh']}",
                 f"{r['school_id']} ({r['stage']}): {r['why_en']}")
                for r in beyond.iter_rows(named=True)]
    raise InfeasiblePlan("levers", [*plan.warnings, *messages])


# --- the runner -------------------------------------------------------------------------------
class JobRunner:
    """A thread pool running ``PlanRun`` rows (``w.extensions["plans"]``)."""

    def __init__(self, w: Any, workers: int = 1) -> None:
        self.w = w
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="junheng-plan")
        self._futures: dict[int, Future] = {}
        self._pseudonyms: dict[int, Pseudonyms] = {}
        self._lock = Lock()

    def recover(self) -> int:
        """Mark runs left queued or running by a previous process failed; how many."""
        with self.w.store.session() as s:
            stale = list(s.scalars(select(PlanRun).where(PlanRun.status.in_(UNFINISHED))))
            for run in stale:
                run.status, run.error, run.finished_at = "failed", INTERRUPTED, utcnow()
                run.progress = INTERRUPTED
            s.commit()
        return len(stale)

    def submit(self, run_id: int) -> None:
        """Queue a run already stored with ``status="queued"``."""
        with self._lock:
            self._futures[run_id] = self.pool.submit(self._run, run_id)

    def wait(self, run_id: int, timeout: float | None = None) -> str:
        """Wait for a run submitted by this runner to end; its status (for tests and tools)."""
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            future.result(timeout)
        with self.w.store.session() as s:
            run = s.get(PlanRun, run_id)
            return run.status if run is not None else "missing"

    def pseudonyms(self, run_id: int) -> Pseudonyms:
        """One run's pseudonyms for those who see no teacher names: stable while this server
        runs (the same teacher, the same pseudonym on every page load), under a key that is
        never stored, so unlinkable across runs and restarts (as ``--pseudonymise``)."""
        with self._lock:
            return self._pseudonyms.setdefault(run_id, Pseudonyms())

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    # --- one job ------------------------------------------------------------------------------
    def _set(self, run_id: int, **values: Any) -> None:
        with self.w.store.session() as s:
            run = s.get(PlanRun, run_id)
            if run is None:
                return
            for key, value in values.items():
                setattr(run, key, value)
            s.commit()

    def _say(self, run_id: int) -> Callable[[str], None]:
        def say(text: str) -> None:
            self._set(run_id, progress=str(text)[:MAX_PROGRESS])
        return say

    def _run(self, run_id: int) -> None:
        started = time.perf_counter()
        try:
            with self.w.store.session() as s:
                run = s.get(PlanRun, run_id)
                if run is None or run.status != "queued":
                    return
                snap = run.snapshot_id
                params = json.loads(run.params or "{}")
                kind_name = run.kind
                run.status, run.started_at = "running", utcnow()
                run.progress = "读取数据 reading the data…"
                s.commit()
                snapshot = s.get(Snapshot, snap)
                sha, content, filename = snapshot.sha256, snapshot.content, snapshot.filename
            self._execute(run_id, kind_name, params, sha, content, filename, started)
        except Exception as exc:  # the user reads a message; the log keeps the traceback
            if not isinstance(exc, InputError | StandardError | PlanError):
                # the frames (code lines), not the message: it may quote a teacher's row
                log.error("plan run %s failed: %s\n%s", run_id, type(exc).__name__,
                          "".join(traceback.format_tb(exc.__traceback__)))
            try:
                self._set(run_id, status="failed", error=failure_message(exc),
                          progress="失败 failed", finished_at=utcnow())
            except Exception:  # the database itself failed: nothing more to tell
                log.exception("plan run %s: could not store its failure", run_id)

    def _kept(self, run_id: int, keep: str, dataset: Any) -> Any:
        """The groups a groups run keeps: the data's, or an earlier groups plan's of the same
        county (its files read from the store)."""
        from junheng.web.groups import keep_plan_id, kept_groups

        files = None
        plan = keep_plan_id(keep)
        if plan is not None:
            with self.w.store.session() as s:
                run, kept = s.get(PlanRun, run_id), s.get(PlanRun, plan)
                if (kept is not None and run is not None and kept.county_id == run.county_id
                        and kept.kind == "groups" and kept.status == "done"):
                    files = kept.files
        return kept_groups(keep, dataset, files)

    def _grouped(self, run_id: int, params: dict, dataset: Any) -> Any:
        """A rotation within groups: the dataset with the groups the form found (the data's,
        or an adopted groups plan's, ``params["groups_from"]``) as its 集团 table — a page
        has no ``--groups`` file."""
        from junheng.web.rotation_groups import NEED_GROUPS, groups_source, with_groups

        with self.w.store.session() as s:
            run = s.get(PlanRun, run_id)
            source = params.get("groups_from") or groups_source(s, run.county_id, dataset)
            if source is None:  # a run stored before the form checked it
                zh, en = NEED_GROUPS.split(" / ", 1)
                raise InfeasiblePlan("groups", [(zh, en)])
            return with_groups(s, run.county_id, source, dataset)

    def _execute(self, run_id: int, kind_name: str, params: dict, sha: str, content: bytes,
                 filename: str, started: float) -> None:
        from junheng.standards import load_standard

        kind = KINDS[kind_name]
        say = self._say(run_id)
        dataset = self.w.cache.get(sha, content, filename)[0]
        standard = load_standard(self.w.standard)
        rules = None if kind.rules is None else standard.rules(kind.name).replace(
            **params.get("settings", {}))
        extra = pass_options(params, dataset) if kind.prices != "none" else {}
        if kind.name == "groups" and params.get("keep"):  # today's groups, extended
            extra["keep"] = self._kept(run_id, params["keep"], dataset)
        if kind.name == "rotation" and rules is not None and rules.scope == "group":
            dataset = self._grouped(run_id, params, dataset)
        plan = kind.run(dataset, standard, rules, time_limit=float(params["time_limit"]),
                        seed=int(params.get("seed", 0)), progress=say, **extra)
        _no_plan(plan)
        say("写出方案 writing the plan…")
        with tempfile.TemporaryDirectory(prefix="junheng-plan-") as folder:
            paths = [Path(p) for p in kind.write(plan, Path(folder) / "plan")]
            result_json = next((p.read_text(encoding="utf-8") for p in paths
                                if p.suffix == ".json"), None)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
                for p in paths:
                    z.write(p, p.name)
        figures = summary(kind_name, plan, time.perf_counter() - started)
        self._set(run_id, status="done", progress="完成 done", result_json=result_json,
                  files=buffer.getvalue(), finished_at=utcnow(),
                  summary=json.dumps(figures, ensure_ascii=False))
