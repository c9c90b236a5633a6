"""User-facing words, Chinese first and English second, and the gap phrases."""

from __future__ import annotations

import math
from typing import Literal

from junheng.standards import Indicator

Lang = Literal["zh", "en"]

TEXT: dict[str, tuple[str, str]] = {
    "standard": ("评估标准", "Standard"),
    "county": ("县区", "County"),
    "verdict": ("结论", "Verdict"),
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "incomplete": ("待完整评估", "incomplete"),
    "fail_why": ("原因：{units} 个学校（学段）未达到学校达标要求；{cvs} 项差异系数超过限值",
                 "why: {units} school–stage(s) fail the per-school rule; {cvs} CV(s) exceed "
                 "the limit"),
    "incomplete_why": ("县域结论暂不能为「达标」：{why}", "the county cannot be 'pass' yet: {why}"),
    "why_missing": ("{part} 有 {n} 项缺少数据", "{part}: {n} item(s) lack data"),
    "why_vetoes": ("{n} 项一票否决情形未申报", "{n} veto condition(s) not declared"),
    "why_unmodelled": ("本标准的「{parts}」未纳入计算", "this standard's {parts} not modelled"),
    "part": ("评估内容", "Part"),
    "items_met": ("达标/指标数", "Met / items"),
    "items_missing": ("缺数据", "Missing"),
    "vetoes": ("一票否决", "Veto conditions"),
    "vetoes_none": ("无（{n} 项均已申报为否）", "none ({n} declared absent)"),
    "vetoes_present": ("发生：{names}", "present: {names}"),
    "vetoes_unknown": ("未申报 {n} 项：{names}", "{n} not declared: {names}"),
    "school_year": ("评估学年", "School year"),
    "items_failing": ("{part}：未达标及缺数据的指标", "{part}: items failed or lacking data"),
    "all_items_met": ("{part}：{n} 项指标全部达标", "{part}: all {n} items met"),
    "item_no": ("序号", "No."),
    "item": ("指标", "Item"),
    "item_source": ("来源", "Source"),
    "computed": ("计算", "computed"),
    "declared": ("申报", "declared"),
    "missing": ("缺失", "missing"),
    "more_breaches": ("……另有 {n} 所", "… {n} more"),
    "composite": ("综合差异系数", "Composite CV"),
    "government": ("政府保障程度", "Government guarantee"),
    "quality": ("教育质量", "Education quality"),
    "recognition": ("社会认可度", "Social recognition"),
    "resources": ("资源配置", "Resource allocation"),
    "primary": ("小学", "Primary"),
    "junior": ("初中", "Junior secondary"),
    "indicator": ("指标", "Indicator"),
    "county_value": ("县域值", "County value"),
    "cv": ("差异系数", "CV"),
    "limit": ("限值", "Limit"),
    "met": ("达标", "Met"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "undefined": ("无法计算", "undefined"),
    "schools_meeting": ("学校达标（至少 {k} 项达标且未达标项不低于 {floor:.0%}）：{m} / {n} 所",
                        "School–stages meeting the rule (≥ {k} met, others ≥ {floor:.0%}): "
                        "{m} of {n}"),
    "failing": ("未达标学校及缺口", "School–stages failing the rule, and what they lack"),
    "school": ("学校", "School"),
    "stage": ("学段", "Stage"),
    "students": ("在校生", "Pupils"),
    "met_count": ("达标项", "Met"),
    "gaps": ("缺口（达到标准值所需）", "Gap (to reach each threshold)"),
    "below_floor": ("低于85%", "below 85 %"),
    "no_pupils": ("无在校生，不参与评估：", "No pupils, not evaluated: "),
    "notes": ("说明", "Notes"),
    "warnings": ("数据提示", "Warnings"),
    "more_schools": ("……另有 {n} 所未达标学校，完整清单见 --json 输出",
                     "… {n} more failing school–stages; see the --json output for all"),
    "problems": ("输入数据有 {n} 个问题，未进行评估，也未写出任何文件：",
                 "The input has {n} problem(s); nothing was evaluated or written:"),
    "more_problems": ("……另有 {n} 个问题未显示（加 --all-errors 显示全部）",
                      "… {n} more not shown (add --all-errors to see all)"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "expected": ("问题 / Problem", "Problem / 问题"),
    "table": ("表", "Table"),
    "json_written": ("已写出 JSON：{path}", "JSON written: {path}"),
}

UNIT_WORDS = {"teachers": ("名", "teachers"), "rooms": ("间", "rooms"), "m2": ("m²", "m²"),
              "yuan": ("元", "yuan"), "computers": ("台", "computers"), "books": ("册", "books")}


def t(key: str, lang: Lang, **kwargs: object) -> str:
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text


def amount(value: float, unit: str) -> str:
    """Shortfalls for display: whole teachers/rooms; area and money rounded up."""
    whole = math.ceil(value - 1e-9)
    return f"{whole:,}" if unit == "yuan" else str(whole)


def gap_phrase(indicator: Indicator, shortfall: float, lang: Lang) -> str:
    """'缺骨干教师 2 名' / 'short of 2 backbone teachers'."""
    zh_unit, en_unit = UNIT_WORDS[indicator.unit]
    value = amount(shortfall, indicator.unit)
    nb = "\u00a0"  # no-break spaces keep a number with its unit when a table cell wraps
    if lang == "zh":
        return f"缺{indicator.short}{nb}{value}{nb}{zh_unit}"
    if indicator.unit in ("teachers", "rooms"):
        return f"short of {value}{nb}{indicator.short_en}"
    return f"short of {value}{nb}{en_unit} of {indicator.short_en}"
