"""Each school's page (学校达标情况表): the sheet a principal checks, signs and stamps.

Built once from an :class:`~junheng.evaluate.Evaluation` (never recomputing a verdict), as plain
dataclasses of headed rows, and rendered by any format (``report/_school_pages.py``: one
printable HTML file per school).

One page per **evaluated school**: the evaluation's units decide, so a profile that merges its
teaching points into their central school gives the central school one page with the merged
figures (and the teaching points' own problems, such as teachers without a certificate), and no
page to the teaching points.

A page holds:

- the header: county, school, 学校标识码, type, school year, pupils, the standard cited from the
  profile's name (《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）);
- per stage, the indicators of the per-school rule: what the school has, its value, the
  threshold, the value as a share of the threshold, met or not (是 / 否 / 否（低于85%）), then
  the rule's result in words, with the profile's numbers (at least ``min_indicators_met`` of
  them, each missed one at least ``floor_ratio`` of its threshold);
- the gaps the school must close to meet the rule, from the rectification list's tasks (the
  same amounts as the county's 整改清单), and the misses the rule allows it to keep;
- its problems in the other parts (music and art rooms, school size, class size, training,
  certificates, rotation), also from the rectification list;
- the notes on how its figures were obtained, and the signature block.

A shown figure never crosses a line the verdict says it did not cross: a value of 4.46 m² that
misses 4.5 m² reads 4.4, not 4.5, and a share of 99.96 % that misses reads 99.9 %, not 100 %.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import polars as pl

from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.report._format import Kind, number, unit_kind
from junheng.report.catalogue import TEXT, Lang, t
from junheng.report.views.rectification import ITEM_TASKS, SchoolTasks, Task, build_rectification
from junheng.standards import UNITS, Indicator, Standard

# A row's state, for a renderer's colours: met, missed (≥ floor), below (the floor), unknown.
State = str


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of one stage, as the page shows it."""

    key: str
    indicator: str  # 每百名学生拥有高于规定学历教师数
    amount: str  # what the school has: 21 名, 2,250 m², 112.5 万元
    unit: str  # 人/百生, m²/生, 元/生
    value: str  # 4.20
    threshold: str  # 4.20
    ratio: str  # 100%
    met: str  # 是 / 否 / 否（低于85%） / 缺数据
    state: State

    def cells(self) -> tuple[str, ...]:
        """Every column; a standard without a per-school rule shows the first four (its
        stage's ``headings``)."""
        return (self.indicator, self.amount, self.unit, self.value, self.threshold, self.ratio,
                self.met)


@dataclass(frozen=True)
class StageSection:
    """One stage of the school: its indicators and the rule's result."""

    stage: str  # primary / junior
    heading: str  # 小学（在校生 1,240 人）
    headings: tuple[str, ...]
    rows: tuple[IndicatorRow, ...]
    meets_rule: bool | None  # None: not evaluated (no pupils) or no per-school rule
    result: str  # 达标 6 项，未达标 1 项且不低于标准值的 85%：达到学校达标要求


@dataclass(frozen=True)
class Row:
    """A row of a list (gaps, problems): its cells, aligned with the section's headings."""

    cells: tuple[str, ...]
    key: str = ""  # indicator or item key
    amount: float = 0.0  # the task's amount (whole teachers, rooms, m², 元)
    kind: str = ""


@dataclass(frozen=True)
class ListSection:
    """A headed list of rows; ``empty`` is what the page says when there are none."""

    title: str
    headings: tuple[str, ...]
    rows: tuple[Row, ...]
    empty: str
    note: str = ""  # under the title
    after: tuple[str, ...] = ()  # sentences after the rows


@dataclass(frozen=True)
class SchoolPage:
    """The page of one evaluated school, in one language."""

    lang: Lang
    county: str
    school_id: str
    name: str
    title: str
    header: tuple[tuple[str, str], ...]  # (label, value): 县区, 学校名称, 学校标识码 …
    members: tuple[str, ...]  # teaching points merged into this school (their ids)
    result: str  # the result at the top, in words
    result_state: str  # pass / fail / unknown
    rule: str  # the per-school rule, in words (empty without one)
    stages: tuple[StageSection, ...]
    ratio_note: str
    gaps: ListSection | None  # None: the standard has no per-school rule
    breaches: ListSection | None  # None: the standard has none of the school-level items
    notes: tuple[str, ...]
    signatures: tuple[str, ...]  # the labels of the signature block, in order

    @property
    def meets_rule(self) -> bool | None:
        """Every evaluated stage meets the per-school rule (None: none evaluated)."""
        known = [s.meets_rule for s in self.stages if s.meets_rule is not None]
        return all(known) if known else None


def standard_citation(standard: Standard, lang: Lang) -> str:
    """The standard as an official text is cited, from the profile's name.

    >>> from junheng.standards import load_standard
    >>> standard_citation(load_standard("quality-2017"), "zh")
    '《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）'
    """
    if lang != "zh":
        return standard.name_en
    name = standard.name.strip()
    if name.startswith("《"):
        return name
    match = re.fullmatch(r"(.+?)（([^（）]+)）", name)
    return f"《{match[1]}》（{match[2]}）" if match else f"《{name}》"


def build_school_pages(evaluation: Evaluation, lang: Lang = "zh",
                       gaps: pl.DataFrame | None = None) -> list[SchoolPage]:
    """One page per evaluated school of every county, in the evaluation's order.

    ``gaps`` is ``gap_table(evaluation)`` when the caller already has it.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=12, seed=1)
    >>> pages = build_school_pages(junheng.evaluate(junheng.load(path)))
    >>> len(pages), pages[0].header[0][0], pages[0].stages[0].headings[-1]
    (12, '县区', '达标')
    """
    if gaps is None:
        from junheng.report._tables import gap_table

        gaps = gap_table(evaluation)
    pages: list[SchoolPage] = []
    for county in evaluation.counties.get_column("county").to_list():
        pages += _county_pages(evaluation, county, lang, gaps)
    return pages


def _county_pages(ev: Evaluation, county: str, lang: Lang,
                  gaps: pl.DataFrame) -> list[SchoolPage]:
    rect = build_rectification(ev, county, lang, gaps)
    units = ev.units.filter(pl.col("county") == county)
    schools = ev.schools.filter(pl.col("county") == county)
    indicators = {k[0]: frame for k, frame in ev.indicators.filter(
        pl.col("county") == county).partition_by("school_id", as_dict=True).items()}
    members: dict[str, list[str]] = {}
    for u in units.iter_rows(named=True):
        found = members.setdefault(u["school_id"], [])
        found += [m for m in (u["members"] or []) if m != u["school_id"] and m not in found]
    # A teaching point's own tasks (its teachers' training, certificates) go to the page of
    # the school it was evaluated with.
    owner = {m: sid for sid, ms in members.items() for m in ms}
    tasks: dict[str, list[tuple[SchoolTasks, Task]]] = {}
    for st in rect.schools:
        for task in st.tasks:
            tasks.setdefault(owner.get(st.school_id, st.school_id), []).append((st, task))
    # The notes on how a school's figures were obtained name it by its id in brackets.
    notes: dict[str, list[str]] = {}
    for n in ev.notes:
        if n.county == county:
            for found in dict.fromkeys(re.findall(r"（([^（）]+)）", n.zh)):
                notes.setdefault(found, []).append(n.zh if lang == "zh" else n.en)
    pages = []
    for (school_id,), rows in schools.partition_by("school_id", as_dict=True,
                                                    maintain_order=True).items():
        ids = [school_id, *members.get(school_id, [])]
        own_notes = tuple(dict.fromkeys(n for i in ids for n in notes.get(i, [])))
        pages.append(_page(ev, county, lang, rows.sort(pl.col("stage").replace_strict(
            STAGE_ORDER)), indicators.get(school_id), members.get(school_id, []),
            tasks.get(school_id, []), own_notes))
    return pages


def _page(ev: Evaluation, county: str, lang: Lang, stage_rows: pl.DataFrame,
          indicators: pl.DataFrame | None, members: list[str],
          tasks: list[tuple[SchoolTasks, Task]], notes: tuple[str, ...]) -> SchoolPage:
    std = ev.standard
    first = stage_rows.row(0, named=True)
    school_id, name = first["school_id"], first["name"] or first["school_id"]
    pupils = int(stage_rows.get_column("students").sum() or 0)
    header = [(t("sp_county", lang), county), (t("sp_school", lang), name),
              (t("sp_school_id", lang), school_id),
              (t("sp_school_type", lang), _school_type(first["school_type"], lang)),
              (t("sp_school_year", lang), t("sp_year", lang, start=ev.year, end=ev.year + 1)
               + ("" if ev.projected_from is None else t(
                   "projected_from", lang, base=ev.projected_from, next=ev.projected_from + 1))),
              (t("sp_pupils", lang), number(pupils, "pupils", lang)),
              (t("sp_standard", lang), standard_citation(std, lang))]
    if members:
        header.append((t("sp_members", lang), t("sp_name_sep", lang).join(members)))

    by_stage = {} if indicators is None else {
        k[0]: f.sort("indicator_order")
        for k, f in indicators.partition_by("stage", as_dict=True).items()}
    stages = tuple(_stage(std, lang, r, by_stage.get(r["stage"]))
                   for r in stage_rows.iter_rows(named=True))
    many = len(stages) > 1
    shown = {(s.stage, row.key): row for s in stages for row in s.rows}
    ind_tasks = [(st, task) for st, task in tasks if task.key not in ITEM_TASKS]
    item_tasks = [(st, task) for st, task in tasks if task.key in ITEM_TASKS]
    gaps = _gaps(std, lang, stages, shown, ind_tasks, many) if std.has_school_rule else None
    breaches = _breaches(lang, item_tasks, school_id) if any(
        i.key in ITEM_TASKS for p in std.parts for i in p.items) else None
    result, state = _result(lang, stages, None if breaches is None else len(breaches.rows),
                            std.has_school_rule)
    rule = ""
    if std.has_school_rule:
        rule = t("sp_rule", lang, n=_graded(std), k=std.min_indicators_met,
                 floor=number(std.floor_ratio or 0.0, "rate"))
    per_100 = any(i.per_students != 1 for i in std.indicators)
    return SchoolPage(
        lang, county, school_id, name, t("sp_title", lang), tuple(header), tuple(members),
        result, state, rule, stages,
        t("sp_ratio_note" if std.has_school_rule else "sp_value_note", lang,
          per=t("sp_per_100", lang) if per_100 else ""),
        gaps, breaches, notes,
        (t("sp_sign_principal", lang), t("sp_sign_seal", lang), t("sp_sign_date", lang),
         t("sp_sign_review", lang), t("sp_sign_reviewer", lang), t("sp_sign_bureau", lang)))


def _school_type(code: str | None, lang: Lang) -> str:
    if code is None:
        return "—"
    key = f"sp_type_{code}"
    return t(key, lang) if key in TEXT else code


def _graded(std: Standard) -> int:
    return sum(ind.thresholds is not None for ind in std.indicators)


# -- one stage ----------------------------------------------------------------------------------

def _stage(std: Standard, lang: Lang, unit: dict, rows: pl.DataFrame | None) -> StageSection:
    stage = unit["stage"]
    heading = t("sp_stage_heading", lang, stage=t(stage, lang),
                pupils=number(unit["students"] or 0, "pupils", lang))
    columns = ["sp_col_indicator", "sp_col_amount", "sp_col_unit", "sp_col_value"]
    if std.has_school_rule:  # without one, the indicators have no thresholds
        columns += ["sp_col_threshold", "sp_col_ratio", "sp_col_met"]
    headings = tuple(t(k, lang) for k in columns)
    ind_by_key = {i.key: i for i in std.indicators}
    floor = std.floor_ratio
    if not (unit["students"] or 0) > 0:  # no values to show: the stage is not evaluated
        return StageSection(stage, heading, headings, (), None, t("sp_no_pupils", lang))
    out = [_indicator_row(ind_by_key[r["indicator"]], r, floor, lang)
           for r in ([] if rows is None else rows.iter_rows(named=True))]
    if not std.has_school_rule:
        result = t("sp_no_rule", lang)
    else:
        result = _rule_result(std, lang, unit, rows)
    return StageSection(stage, heading, headings, tuple(out), unit["meets_rule"], result)


def _indicator_row(ind: Indicator, r: dict, floor: float | None, lang: Lang) -> IndicatorRow:
    name = ind.name if lang == "zh" else ind.name_en
    kind = _value_kind(ind)
    amount = _amount(ind, r["numerator"], lang)
    threshold = r["threshold"]
    if threshold is None:  # enters the CVs only (basic-2012)
        return IndicatorRow(ind.key, name, amount, ind.value_unit(lang),
                            _shown(r["value"], kind, lang), "—", "—", "—", "unknown")
    met, floor_met = r["met"], r["floor_met"]
    value = _shown(r["value"], kind, lang, below=(threshold,) if met is False else ())
    lines = ((1.0,) if met is False else ()) + (
        (floor,) if floor_met is False and floor is not None else ())
    ratio = _shown(r["ratio"], "rate", lang, below=lines)
    floor_text = number(floor or 0.0, "rate")
    if met is None:
        mark, state = t("sp_unknown", lang), "unknown"
    elif met:
        mark, state = t("sp_yes", lang), "met"
    elif floor_met is False:
        mark, state = t("sp_no_below", lang, floor=floor_text), "below"
    else:
        mark, state = t("sp_no", lang), "missed"
    return IndicatorRow(ind.key, name, amount, ind.value_unit(lang), value,
                        number(threshold, kind, lang, unit=False), ratio, mark, state)


def _rule_result(std: Standard, lang: Lang, unit: dict, rows: pl.DataFrame | None) -> str:
    """The rule's result in words, from the evaluation's verdict and the profile's numbers."""
    graded = rows.filter(pl.col("threshold").is_not_null()) if rows is not None else None
    n = _graded(std)
    met = int(unit["met_count"] or 0)
    missed = below = unknown = 0
    if graded is not None:
        missed = graded.filter(pl.col("met").not_()).height
        below = graded.filter(pl.col("met").not_() & pl.col("floor_met").not_()).height
        unknown = graded.filter(pl.col("met").is_null()).height
    floor = number(std.floor_ratio or 0.0, "rate")
    k = std.min_indicators_met or n
    if missed == 0 and unknown == 0:
        counts = t("sp_all_met", lang, n=n)
    else:
        counts = t("sp_counts", lang, met=met, missed=missed, n=n)
        if missed and below == 0:
            counts += t("sp_above_floor_one" if missed == 1 else "sp_above_floor_many", lang,
                        floor=floor)
        elif below == missed == 1:
            counts += t("sp_below_floor_one", lang, floor=floor)
        elif below:
            counts += t("sp_below_floor", lang, below=below, floor=floor)
        if unknown:
            counts += t("sp_unknown_count", lang, n=unknown)
    if unit["meets_rule"]:
        verdict = t("sp_meets", lang)
    else:
        why = []
        if met < k:
            why.append(t("sp_fails_count", lang, k=k))
        if below and why:  # (a miss below the floor alone is said by the counts)
            why.append(t("sp_fails_floor", lang, floor=floor))
        verdict = t("sp_fails", lang)
        if why:
            verdict = t("sp_fails_why", lang, why=t("sp_fails_and", lang).join(why),
                        verdict=verdict)
    sentence = f"{counts}：{verdict}。" if lang == "zh" else f"{counts}: {verdict}."
    return sentence[0].upper() + sentence[1:]


# -- figures ------------------------------------------------------------------------------------

def _value_kind(ind: Indicator) -> Kind:
    """How an indicator's value is written: m² per pupil one decimal at most, 元 per pupil
    whole, the per-100-pupil counts two decimals."""
    return {"m2": "area", "yuan": "money_per_pupil"}.get(ind.unit, "value")  # type: ignore


def _digits(value: float, kind: Kind) -> int:
    # The decimals number() writes for this kind (see _format.py).
    if kind == "area":
        return 1
    if kind == "money_per_pupil":
        return 0
    if kind == "rate":
        return 3  # of the share: 97.3%
    return 0 if abs(value) >= 100 else 2


def _shown(value: float | None, kind: Kind, lang: Lang, below: tuple[float, ...] = ()) -> str:
    """``value`` as the page writes it; rounded down when rounding would reach a line it is
    below (a threshold it misses), so the page never shows a miss as a pass."""
    if value is None or not math.isfinite(value):
        return "—"
    digits = _digits(value, kind)
    step = Decimal(1).scaleb(-digits)
    rounded = Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP)
    if any(value < line and rounded >= Decimal(repr(line)) for line in below):
        value = float(Decimal(repr(value)).quantize(step, rounding=ROUND_FLOOR))
    return number(value, kind, lang, unit=False)


def _amount(ind: Indicator, value: float | None, lang: Lang) -> str:
    """What the school has: 21 名, 2,250 m², 112.5 万元."""
    kind = unit_kind(ind.unit)
    if kind == "count":  # computers, books (basic-2012)
        text = number(value, "count", lang)
        zh, en = UNITS.get(ind.unit, ("", ""))
        return f"{text} {zh if lang == 'zh' else en}".rstrip() if value is not None else text
    return number(value, kind, lang)  # 21 名 / 21 teachers, 1 teacher


# -- gaps and problems --------------------------------------------------------------------------

def _gaps(std: Standard, lang: Lang, stages: tuple[StageSection, ...],
          shown: dict[tuple[str, str], IndicatorRow], tasks: list[tuple[SchoolTasks, Task]],
          many: bool) -> ListSection:
    names = [t("sp_col_indicator", lang), t("sp_col_value", lang), t("sp_col_threshold", lang),
             t("sp_col_task", lang)]
    headings = ((t("sp_col_stage", lang),) if many else ()) + tuple(names)
    ind_by_key = {i.key: i for i in std.indicators}
    rows = []
    must: set[tuple[str | None, str]] = set()
    for _, task in tasks:
        must.add((task.stage, task.key))
        row = shown.get((task.stage or "", task.key))
        unit = ind_by_key[task.key].value_unit(lang)
        value = f"{row.value} {unit}" if row else task.current
        threshold = f"{row.threshold} {unit}" if row else task.standard
        cells = (row.indicator if row else task.problem, value, threshold, task.task)
        stage = (t(task.stage, lang),) if many and task.stage else ("",) if many else ()
        rows.append(Row(stage + cells, task.key, task.amount, task.kind))
    # The misses the rule lets a school–stage keep (at least the floor, beyond the must-fix).
    kept = []
    for s in stages:
        if s.meets_rule is None:
            continue
        for r in s.rows:
            if r.state == "missed" and (s.stage, r.key) not in must:
                label = f"「{r.indicator}」" if lang == "zh" else f"“{r.indicator}”"
                kept.append(f"{t(s.stage, lang)}{label}" if many and lang == "zh" else
                            f"{t(s.stage, lang)}, {label}" if many else label)
    floor = number(std.floor_ratio or 0.0, "rate")
    after = (t("sp_may_stay", lang, names=t("sp_name_sep", lang).join(kept), floor=floor),) \
        if kept else ()
    note = ""
    if std.has_school_rule:
        note = t("sp_gaps_note", lang, floor=floor,
                 keep=_graded(std) - (std.min_indicators_met or _graded(std)))
    return ListSection(t("sp_gaps", lang), headings, tuple(rows), t("sp_gaps_none", lang), note,
                       after)


def _breaches(lang: Lang, tasks: list[tuple[SchoolTasks, Task]], school_id: str) -> ListSection:
    headings = tuple(t(k, lang) for k in ("sp_col_problem", "sp_col_current", "sp_col_standard",
                                          "sp_col_rectify"))
    rows = []
    for st, task in tasks:
        problem = task.problem
        if task.stage:
            problem = f"{t(task.stage, lang)}{'' if lang == 'zh' else ': '}{problem}"
        current = task.current
        if st.school_id != school_id:  # a merged teaching point's own problem
            current = t("sp_at_member", lang, name=st.name, id=st.school_id) + current
        rows.append(Row((problem, current, task.standard, task.task), task.key, task.amount,
                        task.kind))
    return ListSection(t("sp_breaches", lang), headings, tuple(rows), t("sp_breaches_none", lang))


def _result(lang: Lang, stages: tuple[StageSection, ...], problems: int | None,
            has_rule: bool) -> tuple[str, str]:
    """The result at the top: the rule's verdict (per stage when they differ), then how many
    other problems there are (``problems`` None: the standard has no school-level items)."""
    sep = "；" if lang == "zh" else "; "
    known = [s for s in stages if s.meets_rule is not None]
    if not has_rule:
        text, state = t("sp_result_no_rule", lang), "unknown"
    elif not known:
        text, state = t("sp_result_unknown", lang), "unknown"
    elif len({s.meets_rule for s in known}) == 1:
        ok = bool(known[0].meets_rule)
        text = t("sp_result_meets" if ok else "sp_result_fails", lang)
        state = "pass" if ok else "fail"
    else:  # a nine-year school whose stages differ
        text = sep.join(t("sp_result_stages", lang, stages=t(s.stage, lang),
                          verdict=t("sp_meets" if s.meets_rule else "sp_fails", lang))
                        for s in known)
        state = "fail"
    if problems is not None:
        text += sep + (t("sp_result_problems", lang, n=problems, s="" if problems == 1 else "s")
                       if problems else t("sp_result_no_problems", lang))
    return text, state
