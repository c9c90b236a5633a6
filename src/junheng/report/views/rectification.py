"""The rectification list (整改清单): what a county must do to pass, and how much of it there is.

Built once from an :class:`~junheng.evaluate.Evaluation` (never recomputing a verdict) and
rendered by every report — the first screen of the HTML, the first sheet of the workbook (a
ready 整改台账), the 存在问题 and 整改措施 sections of the Word draft, and the terminal.

**County totals** (``Rectification.needs``), in the units a bureau budgets:

- for each indicator of the per-school rule, the amount to add at the failing school–stages
  so that each meets the rule (``to_pass``: the indicators in ``gap_table``'s smallest set,
  ``must_fix``) and, for comparison, the amount to bring every school–stage to every threshold
  (``every_threshold``). An indicator missed only where the rule allows it (nothing to add to
  pass) is in ``beyond``, with ``to_pass`` 0 and its every-threshold amount. Each school's shortfall is rounded up to a whole teacher, room, m² or
  元 before it is added: a school cannot hire 0.3 of a teacher;
- music and art rooms to add (item 3), classes to add for the class-size limit (item 5),
  pupils over the school-size limit (item 4), teachers to train or certify (items 9, 12) and
  more teachers to rotate (item 11), from the schools behind each failed item (a breach's
  ``shortfall``). An item whose county-level check is met adds no school tasks (the rotation
  share may be met county-wide while one school sends fewer).

The shortfalls are independent: one backbone PE teacher closes two gaps, and a new building
closes several. The totals are therefore an upper bound of what the county must add, and each
is what it must add if nothing else changes; the path-to-pass planner finds the least.

**The CVs over their limit** (``cvs``) with the excess ``cv − limit``; **the other parts'
items** that fail or lack data (``items``); **veto conditions** present (``vetoes``).

**By school** (``schools``): each school's tasks — the must-fix indicator gaps, then the item
breaches — with empty 责任单位 and 完成时限 for the bureau. Schools failing the per-school rule
come first, **nearest to passing first** (fewest indicators to fix, then the smallest relative
distance: ``gap_table``'s order), so the top of the list is where the least work turns a
failing school into a passing one; the schools with only item tasks follow, most tasks first.
Every report lists failing schools in this order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.report._format import Kind, number, unit_kind, whole_up
from junheng.report._tables import gap_table
from junheng.report.catalogue import Lang, plural, t
from junheng.standards import Indicator

# The items whose breaches are school tasks, the kind of their shortfall, and their order in
# the county totals (after the indicators).
ITEM_TASKS: dict[str, Kind] = {"music_art_rooms": "rooms", "class_size": "classes",
                               "school_size": "pupils", "training_hours": "teachers",
                               "certified": "teachers", "rotation": "teachers"}


@dataclass(frozen=True)
class Need:
    """One line of the county totals: ``to_pass`` of ``kind`` at ``places`` school(–stage)s."""

    key: str  # indicator or item key
    label: str  # what is added: 体育艺术教师, 音乐、美术专用教室
    kind: Kind
    to_pass: float
    places: int  # school–stages (indicators, class size) or schools (other items)
    every_threshold: float | None = None  # indicators only: every school at every threshold
    text: str = ""  # the line as a report writes it


@dataclass(frozen=True)
class CvOver:
    stage: str  # primary / junior
    indicator: str  # its name (or the composite CV's)
    cv: float
    limit: float
    text: str  # 小学「生均体育运动场馆面积」差异系数 0.532，超过限值 0.50（高 0.032）


@dataclass(frozen=True)
class OpenItem:
    part: str  # government / quality / recognition
    number: int
    name: str
    state: str  # fail / incomplete
    checks: tuple[str, ...]  # each check not met (or unknown): 名称 93.5%（标准 ≥ 95%）
    detail: str


@dataclass(frozen=True)
class Task:
    """One line of the ledger (整改台账)."""

    key: str  # indicator or item key
    problem: str  # the problem, as the standard names it
    current: str  # 现状
    standard: str  # 标准
    task: str  # 整改任务: what to add, with its amount and unit
    amount: float
    kind: Kind
    stage: str | None = None


@dataclass(frozen=True)
class SchoolTasks:
    school_id: str
    name: str
    fails_rule: bool  # fails the per-school rule (at some stage)
    to_fix: int  # indicators to bring to threshold (0: item tasks only)
    distance: float
    tasks: tuple[Task, ...]


@dataclass(frozen=True)
class Rectification:
    """The 整改清单 of one county, in one language (see the module docstring)."""

    county: str
    lang: Lang
    verdict: str
    failing_units: int  # school–stages failing the per-school rule
    evaluated_units: int
    needs: tuple[Need, ...]
    cvs: tuple[CvOver, ...]
    items: tuple[OpenItem, ...]
    vetoes: tuple[str, ...]
    schools: tuple[SchoolTasks, ...] = field(default=())
    # Indicators missed only where the rule allows it (nothing to add to pass): their amount
    # to bring every school–stage to the threshold, ``to_pass`` 0.
    beyond: tuple[Need, ...] = field(default=())
    has_school_rule: bool = True  # False: the standard judges no school (basic-2012)

    @property
    def empty(self) -> bool:
        """Nothing to rectify."""
        return not (self.needs or self.cvs or self.items or self.vetoes or self.schools)

    def headline(self) -> str:
        """One sentence: how much there is to do.

        >>> Rectification("A", "zh", "fail", 3, 10, (), (), (), ()).headline()
        '3 个学校（学段）未达到学校达标要求；0 项差异系数超过限值；0 项其他指标未达标或缺数据。'
        """
        if not self.has_school_rule:
            return t("rect_headline_no_rule", self.lang, cvs=len(self.cvs) if self.lang == "zh"
                     else plural(len(self.cvs), "CV", "CVs"),
                     items=len(self.items) if self.lang == "zh"
                     else plural(len(self.items), "other item", "other items"))
        if self.lang == "zh":
            return t("rect_headline", "zh", units=self.failing_units, cvs=len(self.cvs),
                     items=len(self.items))
        return t("rect_headline", "en", units=plural(self.failing_units, "school–stage",
                                                     "school–stages"),
                 fail="fails" if self.failing_units == 1 else "fail",
                 cvs=plural(len(self.cvs), "CV", "CVs"), items=plural(len(self.items), "other "
                                                                     "item", "other items"))


def singular_en(phrase: str) -> str:
    """The singular of a plural English noun phrase from the profile.

    >>> singular_en("teachers above the statutory qualification")
    'teacher above the statutory qualification'
    >>> singular_en("multimedia classrooms"), singular_en("PE/art teachers")
    ('multimedia classroom', 'PE/art teacher')
    """
    words = phrase.split(" ")
    for i, word in enumerate(words):
        if word in ("teachers", "classrooms", "rooms", "computers", "books"):
            words[i] = word[:-1]
            break
    return " ".join(words)


def add_phrase(indicator: Indicator, amount: float, lang: Lang) -> str:
    """What to add for one indicator: 补充体育艺术教师 3 名 / add 3 PE/art teachers.

    >>> from junheng.standards import load_standard
    >>> ind = load_standard("quality-2017").indicator("equipment_value_per_student")
    >>> add_phrase(ind, 154_800, "zh"), add_phrase(ind, 154_800, "en")
    ('增加教学仪器设备 15.48 万元', 'add 154,800 yuan of teaching equipment')
    """
    kind = unit_kind(indicator.unit)
    figure = number(amount, kind, lang, unit=kind not in ("teachers", "rooms") or lang == "zh")
    if lang == "zh":
        verb = "补充" if indicator.unit == "teachers" else "增加"
        return f"{verb}{indicator.short} {figure}"
    if kind in ("teachers", "rooms"):
        noun = singular_en(indicator.short_en) if whole_up(amount) == 1 else indicator.short_en
        return f"add {figure} {noun}"
    return f"add {figure} of {indicator.short_en}"


def build_rectification(evaluation: Evaluation, county: str, lang: Lang = "zh",
                        gaps: pl.DataFrame | None = None) -> Rectification:
    """The 整改清单 of ``county`` (see the module docstring).

    ``gaps`` is ``gap_table(evaluation)`` when the caller already has it.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=30, seed=3)
    >>> rect = build_rectification(junheng.evaluate(junheng.load(path)), "示例县")
    >>> rect.needs[0].label, rect.needs[0].kind
    ('高于规定学历教师', 'teachers')
    """
    std = evaluation.standard
    gaps = gap_table(evaluation) if gaps is None else gaps
    gaps = gaps.filter(pl.col("county") == county)
    ind_by_key = {ind.key: ind for ind in std.indicators}
    row = evaluation.counties.filter(pl.col("county") == county).row(0, named=True)

    needs: list[Need] = []
    beyond: list[Need] = []
    missed_all = evaluation.indicators.filter((pl.col("county") == county)
                                              & pl.col("met").not_())
    for ind in std.indicators:
        if ind.thresholds is None:
            continue
        must = gaps.filter(pl.col("must_fix") & (pl.col("indicator") == ind.key))
        every = missed_all.filter(pl.col("indicator") == ind.key).get_column("shortfall")
        to_pass = sum(whole_up(v) for v in must.get_column("shortfall"))
        kind = unit_kind(ind.unit)
        label = ind.short if lang == "zh" else ind.short_en
        if not to_pass:
            every_total = sum(whole_up(v) for v in every)
            if every_total:
                beyond.append(Need(ind.key, label, kind, 0, every.len(), every_total, t(
                    "rect_beyond", lang, what=_amount_text(label, kind, every_total, lang),
                    n=every.len(), s="" if every.len() == 1 else "s")))
            continue
        needs.append(Need(ind.key, label, kind, to_pass, must.height,
                          sum(whole_up(v) for v in every),
                          _need_text(label, kind, to_pass, must.height, lang, ind)))

    items = evaluation.items.filter(pl.col("county") == county)
    checks = evaluation.checks.filter(pl.col("county") == county)
    first_check = {r["item"]: r for r in checks.unique("item", keep="first",
                                                       maintain_order=True).iter_rows(named=True)}
    breaches = evaluation.breaches.filter(pl.col("county") == county)
    item_spec = {i.key: i for p in std.parts for i in p.items}
    tasks_by_school: dict[str, list[Task]] = {}
    names: dict[str, str] = {}
    for key, kind in ITEM_TASKS.items():
        head = first_check.get(key)
        if key not in item_spec or head is None or head["met"] is not False:
            continue
        rows = breaches.filter(pl.col("item") == key)
        total = sum(whole_up(v) for v in rows.get_column("shortfall").fill_null(0.0))
        label = t(f"rect_{key}", lang)
        if rows.height:
            needs.append(Need(key, label, kind, total, rows.height,
                              text=_item_need_text(key, kind, total, rows.height, lang)))
        for b in rows.iter_rows(named=True):
            names[b["school_id"]] = b["name"] or b["school_id"]
            amount = whole_up(b["shortfall"] or 0.0)
            tasks_by_school.setdefault(b["school_id"], []).append(Task(
                key, t(f"rect_problem_{key}", lang),
                b["detail_zh" if lang == "zh" else "detail_en"],
                _standard_text(key, b["limit"], item_spec[key].params, lang),
                _item_task(key, kind, amount, lang), amount, kind, b["stage"]))

    cvs = _cvs_over(evaluation, county, lang)
    open_items = []
    for r in items.filter(pl.col("met").is_null() | pl.col("met").not_()).sort(
            pl.col("part").replace_strict({p.key: i for i, p in enumerate(std.parts)},
                                          return_dtype=pl.Int32), "number").iter_rows(named=True):
        spec = item_spec[r["item"]]
        open_checks = checks.filter((pl.col("item") == r["item"])
                                    & (pl.col("met").is_null() | pl.col("met").not_()))
        open_items.append(OpenItem(
            r["part"], r["number"], spec.name if lang == "zh" else spec.name_en,
            "fail" if r["met"] is False else "incomplete",
            tuple(_check_text(c, lang) for c in open_checks.iter_rows(named=True)),
            r["detail_zh" if lang == "zh" else "detail_en"] or ""))
    veto_names = {v.key: (v.name if lang == "zh" else v.name_en) for v in std.vetoes}
    vetoes = tuple(veto_names.get(v["veto"], v["veto"]) for v in evaluation.vetoes.filter(
        (pl.col("county") == county) & pl.col("present").fill_null(False)).iter_rows(named=True))

    schools = _schools(gaps, ind_by_key, tasks_by_school, names, lang)
    failing = (row["schools_evaluated"] or 0) - (row["schools_meeting_rule"] or 0) \
        if std.has_school_rule else 0
    return Rectification(county, lang, row["verdict"], failing, row["schools_evaluated"] or 0,
                         tuple(needs), tuple(cvs), tuple(open_items), vetoes, tuple(schools),
                         tuple(beyond), std.has_school_rule)


def _schools(gaps: pl.DataFrame, indicators: dict[str, Indicator],
             item_tasks: dict[str, list[Task]], names: dict[str, str],
             lang: Lang) -> list[SchoolTasks]:
    out: list[SchoolTasks] = []
    seen: set[str] = set()
    # gap_table's order (nearest to passing first) per school–stage; a school's stages meet
    # in one entry, placed by the whole school's indicators to fix and distance (a nine-year
    # school with two failing stages is as far from passing as both together).
    by_school: dict[str, list[dict]] = {}
    for r in gaps.filter(pl.col("must_fix")).iter_rows(named=True):
        by_school.setdefault(r["school_id"], []).append(r)
    for school_id, rows in by_school.items():
        tasks = []
        for r in rows:
            ind = indicators[r["indicator"]]
            amount = whole_up(r["shortfall"])
            tasks.append(Task(
                ind.key, ind.name if lang == "zh" else ind.name_en,
                _value_text(r["value"], ind, lang), _value_text(r["threshold"], ind, lang),
                add_phrase(ind, amount, lang), amount, unit_kind(ind.unit), r["stage"]))
        tasks += item_tasks.get(school_id, [])
        stages = {(r["stage"], r["to_fix"], r["distance"]) for r in rows}
        out.append(SchoolTasks(school_id, rows[0]["name"] or school_id, True,
                               sum(s[1] for s in stages), sum(s[2] for s in stages),
                               tuple(tasks)))
        seen.add(school_id)
    out.sort(key=lambda s: (s.to_fix, s.distance))  # stable: ties keep gap_table's order
    rest = [(sid, tasks) for sid, tasks in item_tasks.items() if sid not in seen]
    rest.sort(key=lambda st: (-len(st[1]), st[0]))
    out += [SchoolTasks(sid, names[sid], False, 0, 0.0, tuple(tasks)) for sid, tasks in rest]
    return out


def _cvs_over(evaluation: Evaluation, county: str, lang: Lang) -> list[CvOver]:
    std = evaluation.standard
    stages = evaluation.stages.filter(pl.col("county") == county).sort(
        pl.col("stage").replace_strict(STAGE_ORDER), "indicator_order")
    names = {ind.key: (ind.name if lang == "zh" else ind.name_en) for ind in std.indicators}
    out = []
    for r in stages.filter(pl.col("cv_met").not_()).iter_rows(named=True):
        out.append(_cv_over(r["stage"], names[r["indicator"]], r["cv"], r["cv_limit"], lang))
    if std.cv_composite_limits is not None:
        for r in stages.unique("stage", keep="first", maintain_order=True).iter_rows(named=True):
            if r.get("cv_composite_met") is False:
                out.append(_cv_over(r["stage"], t("composite", lang), r["cv_composite"],
                                    r["cv_composite_limit"], lang))
    return out


def _cv_over(stage: str, name: str, cv: float | None, limit: float, lang: Lang) -> CvOver:
    if cv is None or not math.isfinite(cv):
        text = t("rect_cv_undefined", lang, stage=t(stage, lang), indicator=name)
        return CvOver(stage, name, math.nan, limit, text)
    return CvOver(stage, name, cv, limit, t(
        "rect_cv_over", lang, stage=t(stage, lang), indicator=name, cv=number(cv, "cv"),
        limit=number(limit, "limit"), excess=number(cv - limit, "cv")))


def _amount_text(label: str, kind: Kind, amount: float, lang: Lang) -> str:
    """体育艺术教师 3 名 / 3 PE/art teachers / 1,500 m² of sports ground area."""
    if lang == "zh":
        return f"{label} {number(amount, kind, lang)}"
    if kind in ("teachers", "rooms"):
        return (f"{number(amount, kind, lang, unit=False)} "
                f"{singular_en(label) if amount == 1 else label}")
    return f"{number(amount, kind, lang)} of {label}"


def _need_text(label: str, kind: Kind, amount: float, places: int, lang: Lang,
               indicator: Indicator) -> str:
    return t("rect_need", lang, what=_amount_text(label, kind, amount, lang), n=places,
             s="" if places == 1 else "s")


def _item_need_text(key: str, kind: Kind, amount: float, places: int, lang: Lang) -> str:
    if key == "class_size" and amount == 0:  # every over-size class fits by re-dividing
        return t("rect_need_class_size_redivide", lang, n=places, s="" if places == 1 else "s")
    return t(f"rect_need_{key}", lang, amount=number(amount, kind, lang), n=places,
             s="" if places == 1 else "s", count=number(amount, "count"),
             s2="" if amount == 1 else "s")


def _item_task(key: str, kind: Kind, amount: float, lang: Lang) -> str:
    if key == "class_size" and amount == 0:
        return t("rect_task_class_size_redivide", lang)
    return t(f"rect_task_{key}", lang, amount=number(amount, kind, lang),
             count=number(amount, "count"), s2="" if amount == 1 else "s")


def _standard_text(key: str, limit: float | None, params: dict, lang: Lang) -> str:
    """The school's part of the item, from the profile's parameters (never a literal)."""
    if key == "training_hours":
        return t("rect_standard_training_hours", lang, hours=f"{params['hours_5y']:g}")
    if key == "certified":
        return t("rect_standard_certified", lang, share=number(params["share"], "rate"))
    if key == "rotation":
        return t("rect_standard_rotation", lang, share=number(params["share"], "rate"))
    kind: Kind = {"music_art_rooms": "rooms", "class_size": "pupils",
                  "school_size": "pupils"}[key]
    return t(f"rect_standard_{key}", lang, limit=number(limit, kind, lang))


def _value_text(value: float | None, indicator: Indicator, lang: Lang) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    kind: Kind = "money_per_pupil" if indicator.unit == "yuan" else "value"
    return f"{number(value, kind, lang, unit=False)} {indicator.value_unit(lang)}"


def _check_text(check: dict, lang: Lang) -> str:
    from junheng.report._text import check_value

    value = check_value(check["value"], check["percent"], check["op"], lang,
                        against=check["threshold"], key=check["check"])
    threshold = check_value(check["threshold"], check["percent"], check["op"], lang,
                            key=check["check"])
    label = check["label"] if lang == "zh" else check["label_en"]
    return t("rect_check", lang, label=label, value=value, op=check["op"], threshold=threshold)
