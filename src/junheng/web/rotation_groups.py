"""Rotation within school groups (交流轮岗按集团, ``scope: group``, issue 17) in the web
application: where the groups come from, since a page has no ``--groups FILE``.

The groups are the data version's own 集团 table, else those of the school-groups plan the
bureau adopted for the school year the rotation is planned for (the 集团 sheet of its workbook,
read again by the library's reader against this data — as ``junheng.web.groups`` reads a plan
it keeps). With neither, the form says so before any run starts. The choice is resolved when
the form is posted and kept with the run (``params["groups_from"]``: ``"data"`` or
``"plan:N"``), so the run reads the same groups however later plans are adopted.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from junheng._english import mend_plurals
from junheng.errors import InputError
from junheng.model.calendar import planning_year
from junheng.store import PlanRun
from junheng.web.groups import KEEP_DATA, keep_plan_id, kept_groups

__all__ = ["NEED_GROUPS", "groups_source", "rotation_groups_choice", "source_words",
           "with_groups"]

NEED_GROUPS = ("按集团内交流需要集团：请先采用一个集团化办学方案，或在县域数据中加入「集团」表 / "
               "rotation within groups needs groups: adopt a school-groups plan first, or add a "
               "集团 table to the county data")


def groups_source(s: Session, county_id: int, dataset: Any) -> str | None:
    """Where a rotation within groups takes its groups: ``"data"`` (the data's own 集团
    table, when it has a row), else ``"plan:N"`` (the groups plan adopted for the school year
    the rotation plans, ``planning_year``), else None.

    >>> from types import SimpleNamespace
    >>> import polars as pl
    >>> groups_source(None, 1, SimpleNamespace(groups=pl.DataFrame({"group_id": ["G1"]})))
    'data'
    """
    if dataset.groups is not None and dataset.groups.height > 0:
        return KEEP_DATA
    year = planning_year(dataset)
    adopted = s.scalars(select(PlanRun).where(
        PlanRun.county_id == county_id, PlanRun.kind == "groups", PlanRun.adopted,
        PlanRun.status == "done").order_by(PlanRun.id.desc()))
    for run in adopted:  # one adopted grouping per school year: the one for this year
        if run.summary and json.loads(run.summary).get("school_year") == year:
            return f"plan:{run.id}"
    return None


def with_groups(s: Session, county_id: int, source: str, dataset: Any) -> Any:
    """The dataset with the groups ``source`` names as its own 集团 table (``Dataset.groups``,
    which the rotation planner reads with ``scope: group``). Raises ``InputError`` with every
    problem located when the plan's groups do not fit this data (a school it no longer has)."""
    if source == KEEP_DATA:
        return dataset
    files = None
    plan_id = keep_plan_id(source)
    if plan_id is not None:
        run = s.get(PlanRun, plan_id)
        if run is not None and run.county_id == county_id and run.kind == "groups":
            files = run.files
    return replace(dataset, groups=kept_groups(source, dataset, files))


def rotation_groups_choice(s: Session, county_id: int, dataset: Any
                           ) -> tuple[str | None, tuple[str, list[str]] | None]:
    """The form's check before a rotation within groups starts: the groups' source
    (``groups_source``), read against the data; or None and the message and located problems
    saying why not (no groups at all: ``NEED_GROUPS``)."""
    source = groups_source(s, county_id, dataset)
    if source is None:
        return None, (NEED_GROUPS, [])
    try:
        with_groups(s, county_id, source, dataset)
    except InputError as exc:
        n = len(exc.problems)
        return None, (
            f"{source_words(source).split(' the ')[0]}有 {n} 处问题，未开始 / "
            + mend_plurals(f"the groups have {n} problem(s): nothing was started"),
            [f"{p.location()}" + ("" if p.value is None else f" · 值 value {p.value}")
             + f"：{p.expected_zh} / {p.expected_en}" for p in exc.problems])
    return source, None


def source_words(source: str | None) -> str:
    """A run's groups in words, for its settings line.

    >>> source_words("plan:7")
    '已采用的集团化办学方案 7 的集团 the groups of adopted plan 7'
    """
    plan = keep_plan_id(source or "")
    if plan is not None:
        return f"已采用的集团化办学方案 {plan} 的集团 the groups of adopted plan {plan}"
    return "本版数据中的集团表 the data's groups table" if source == KEEP_DATA else "—"
