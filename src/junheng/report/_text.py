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
    "warnings_first": ("数据提示（请先核对，它们可能影响下面的结论）", "Warnings (check them first: they may "
                       "change the result below)"),
    "more_like_it": ("    ……同一列另有 {n} 行类似提示（JSON 中有全部）",
                     "    … {n} more rows like it in this column (all in the JSON)"),
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
    # Reports (Excel, HTML, Word)
    "report_title": ("评估结果", "evaluation"),
    "sheet_summary": ("汇总", "Summary"),
    "sheet_schools": ("学校指标", "Schools"),
    "sheet_gaps": ("缺口", "Gaps"),
    "sheet_cv_detail": ("差异系数明细", "CV detail"),
    "sheet_items": ("其他指标", "Other items"),
    "sheet_breaches": ("问题学校", "Problem schools"),
    "sheet_charts": ("图表", "Charts"),
    "sheet_chart_data": ("图表数据", "Chart data"),
    "sheet_notes": ("说明", "Notes"),
    "schools_meeting_rule": ("学校达标数", "School–stages meeting the rule"),
    "schools_evaluated": ("参评学校数", "School–stages evaluated"),
    "vetoes_present_col": ("发生的一票否决情形", "Veto conditions present"),
    "cv_table_title": ("差异系数（按学段）", "Coefficients of variation, by stage"),
    "school_id": ("学校标识码", "School id"),
    "value_unit": ("单位", "Unit"),
    "threshold": ("标准值", "Threshold"),
    "ratio": ("达标率", "Ratio"),
    "floor_met_col": ("不低于85%", "≥ 85 %"),
    "floor_col": ("85%底线", "85 % floor"),
    "shortfall": ("缺口", "Shortfall"),
    "shortfall_unit": ("缺口单位", "Shortfall unit"),
    "meets_rule_col": ("学校达标", "School meets rule"),
    "to_fix_col": ("需补足项数", "Indicators to fix"),
    "distance_col": ("差距", "Distance"),
    "must_fix_col": ("必须补足", "Must fix"),
    "gap_col": ("缺口说明", "Gap"),
    "gaps_explained": ("需补足项数：达到学校达标要求至少要补足的指标数（低于85%的全部补足，其余未达标项最多保留"
                       "1项且保留最接近标准的一项）；差距：这些指标与标准值的相对差距之和。按距达标由近到远排序。",
                       "Indicators to fix: the fewest indicators to bring to their threshold for "
                       "the per-school rule (every one below 85 %, and all other misses but the "
                       "one closest to its threshold); distance: the sum of their relative gaps. "
                       "Nearest to passing first."),
    "weight_col": ("学生数权重 Pi/P", "Weight Pi/P"),
    "deviation_col": ("偏差 Xi−X̄", "Deviation Xi−X̄"),
    "contribution_col": ("方差贡献", "Variance contribution"),
    "share_col": ("贡献占比", "Share"),
    "cv_detail_explained": ("方差贡献 = (Pi/P)·(Xi−X̄)²，各校贡献之和为 S²，差异系数 CV = S / X̄；贡献占比大的学校是拉大差异的学校。",
                            "Contribution = (Pi/P)·(Xi−X̄)²; the contributions sum to S², and "
                            "CV = S / X̄. Schools with a large share drive the CV."),
    "check_col": ("检查内容", "Check"),
    "check_met_col": ("本检查达标", "Check met"),
    "item_met_col": ("本项达标", "Item met"),
    "op_col": ("比较", "Op"),
    "detail_col": ("说明", "Detail"),
    "charts_title": ("各指标分布：每所学校的值与标准值、85%底线",
                     "Each indicator's distribution: every school against the threshold and the "
                     "85 % floor"),
    "cv_method": ("按学生数加权的差异系数（总体形式，Σ Pi/P），见《县域义务教育优质均衡发展督导评估办法》",
                  "coefficient of variation weighted by enrolment (population form, Σ Pi/P)"),
    "rule_method": ("{n} 项指标中至少 {k} 项达到标准值，且未达标项不低于标准值的 {floor:.0%}",
                    "at least {k} of {n} indicators at their threshold, and each missed one at "
                    "least {floor:.0%} of it"),
    "colours": ("颜色", "Colours"),
    "colours_explained": ("绿色：达标；黄色：未达标但不低于85%；红色：低于85%（或未达标）",
                          "green: met; amber: missed but at least 85 %; red: below 85 % (or "
                          "failed)"),
    "cv_chart_title": ("各指标差异系数与限值", "CV of each indicator against its limit"),
    "distribution_title": ("各指标：每所学校的值、标准值与85%底线",
                           "Each indicator: every school against the threshold and the 85 % "
                           "floor"),
    "heatmap_title": ("学校 × 指标达标情况", "Schools × indicators"),
    "map_title": ("学校分布（按经纬度）", "Schools by longitude and latitude"),
    "map_meets": ("学校达标", "meets the rule"),
    "map_fails": ("学校未达标", "fails the rule"),
    "map_unknown": ("未评估", "not evaluated"),
    "longitude": ("经度", "Longitude"),
    "latitude": ("纬度", "Latitude"),
    "map_hint": ("点的大小表示在校生数；无底图（离线可用）。", "Marker size shows pupils; no map tiles, so "
                 "the report works offline."),
    "no_failing": ("所有学校（学段）均达到学校达标要求。", "Every school–stage meets the per-school rule."),
    "details": ("详情（{n} 条）", "details ({n})"),
    "state_met": ("达标", "met"),
    "state_missed": ("未达标（不低于85%）", "missed (≥ 85 %)"),
    "state_below": ("低于85%", "below 85 %"),
    "word_title": ("{county}义务教育优质均衡发展自评报告（草稿）",
                   "{county}: self-assessment on quality-balanced compulsory education (draft)"),
    "word_subtitle": ("依据《{standard}》 · 评估学年 {year} · 由 junheng {version} 根据填报数据生成，请核对后修改",
                      "Against {standard} · school year {year} · drafted by junheng {version} "
                      "from the submitted data; check and edit before use"),
    "word_basic": ("基本情况", "Basic situation"),
    "word_basic_text": ("{year} 学年，{county}共有义务教育学校 {schools} 所（{types}），在校生 {pupils:,} 人，"
                        "教学班 {classes:,} 个，专任教师 {teachers:,} 人。",
                        "In {year}, {county} has {schools} compulsory schools ({types}), "
                        "{pupils:,} pupils in {classes:,} classes, and {teachers:,} full-time "
                        "teachers."),
    "word_units": ("学校（学段）数", "School–stages"),
    "word_classes": ("班级数", "Classes"),
    "word_teachers": ("专任教师", "Full-time teachers"),
    "word_location": ("城乡分类", "Location"),
    "word_schools": ("学校数", "Schools"),
    "word_rule": ("学校达标情况", "The per-school rule"),
    "word_rule_text": ("每所学校（学段）{rule}。全县 {n} 个学校（学段）中，{m} 个达到要求。",
                       "Each school–stage must have {rule}. {m} of the county's {n} "
                       "school–stages do."),
    "word_cv": ("校际差异系数", "Coefficients of variation between schools"),
    "word_cv_text": ("差异系数按学生数加权计算（{limits}），各项指标如下表。",
                     "The CVs are weighted by enrolment ({limits}); each indicator below."),
    "word_cv_limits": ("{stage}不高于 {limit:.2f}", "{stage} ≤ {limit:.2f}"),
    "word_cv_composite": ("综合差异系数：{limits}", "composite CV: {limits}"),
    "word_schools_table": ("各校指标", "Each school's indicators"),
    "word_units_note": ("注：加粗红字为未达到标准值的指标。单位——{units}。",
                        "Bold red: below the threshold. Units — {units}."),
    "word_part_text": ("共 {n} 项指标，达标 {met} 项，未达标 {failed} 项，缺数据 {missing} 项。",
                       "{n} items: {met} met, {failed} failed, {missing} lacking data."),
    "word_veto": ("一票否决情形", "Veto condition"),
    "word_situation": ("情况", "Situation"),
    "word_not_declared": ("未申报", "not declared"),
    "word_occurred": ("发生", "occurred"),
    "word_none": ("无", "none"),
    "word_problems": ("存在的问题", "Problems"),
    "word_problems_resources": ("资源配置：{n} 个学校（学段）未达到学校达标要求",
                                "Resource allocation: {n} school–stage(s) fail the per-school "
                                "rule"),
    "word_problems_cv": ("差异系数超过限值", "CVs over the limit"),
    "word_cv_over": ("{stage}「{indicator}」差异系数 {cv}，超过限值 {limit}。",
                     "{stage}, {indicator}: CV {cv} over the limit {limit}."),
    "word_lacks_data": ("缺少数据", "lacks data"),
    "word_no_problems": ("未发现未达标的学校和指标。", "No failing school or item was found."),
    "word_measures": ("下一步整改措施", "Measures"),
    "word_measures_intro": ("针对上述问题，拟采取以下措施（请填写具体措施、责任单位和完成时限）：",
                            "To address the problems above (to be written by the bureau: each "
                            "measure, who is responsible, and by when):"),
    "word_m_teachers": ("补齐师资短板", "Teachers"),
    "word_m_conditions": ("改善办学条件", "School buildings and equipment"),
    "word_m_rotation": ("深化教师交流轮岗", "Teacher rotation"),
    "word_m_funding": ("强化经费保障", "Funding"),
    "word_m_quality": ("提升教育质量", "Education quality"),
    "word_placeholder": ("【请填写：具体措施、责任单位、完成时限】", "[To write: measures, responsible unit, "
                         "deadline]"),
    "writing": ("写出{what}…", "writing {what}…"),
    "counties_overview": ("各县区结论", "Counties at a glance"),
    "html_charts_left_out": ("县区数超过 {n} 个，本报告只列各县区结论与未达标学校，不绘制图表；"
                             "可按县区分别生成报告。",
                             "More than {n} counties: this report lists each county's verdicts "
                             "and failing schools without charts; write a report per county "
                             "for them."),
    "sep": ("　", "   "),
    "colon": ("：", ": "),
    "charts_left_out": ("县区数超过 {n} 个，未绘制图表", "more than {n} counties: charts left out"),
}

UNIT_WORDS = {"teachers": ("名", "teachers"), "rooms": ("间", "rooms"), "m2": ("m²", "m²"),
              "yuan": ("元", "yuan"), "computers": ("台", "computers"), "books": ("册", "books")}


def check_value(value: float | None, percent: bool, op: str | None, lang: Lang) -> str:
    """A check's value or threshold for display: 是/否 for yes/no items, 97.3% for shares."""
    if value is None:
        return "?"
    if not math.isfinite(value):
        return "—"
    if op == "=":
        return t("yes", lang) if value == 1.0 else t("no", lang)
    if percent:  # 97.3%, 100%
        return f"{value * 100:.1f}".removesuffix(".0") + "%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"


def t(key: str, lang: Lang, **kwargs: object) -> str:
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text


def amount(value: float, unit: str) -> str:
    """Shortfalls for display: whole teachers/rooms; area and money rounded up."""
    if not math.isfinite(value):
        return "—"
    whole = math.ceil(value - 1e-9)
    return f"{whole:,}" if unit == "yuan" else str(whole)


def gap_phrase(indicator: Indicator, shortfall: float, lang: Lang,
               floor_met: bool | None = True) -> str:
    """'缺骨干教师 2 名' / 'short of 2 backbone teachers', with '（低于85%）' / ' (below 85 %)'
    when the value is under the floor (``floor_met`` False)."""
    zh_unit, en_unit = UNIT_WORDS[indicator.unit]
    value = amount(shortfall, indicator.unit)
    nb = "\u00a0"  # keeps a number with its unit in HTML (the terminal does not wrap gaps)
    if lang == "zh":
        phrase = f"缺{indicator.short}{nb}{value}{nb}{zh_unit}"
    elif indicator.unit in ("teachers", "rooms"):
        phrase = f"short of {value}{nb}{indicator.short_en}"
    else:
        phrase = f"short of {value}{nb}{en_unit} of {indicator.short_en}"
    if floor_met is False:
        below = t("below_floor", lang)
        phrase += f"（{below}）" if lang == "zh" else f" ({below})"
    return phrase


def yes_no(value: bool | None, lang: Lang, unknown: str | None = None) -> str | None:
    """是 / 否 (yes / no); ``unknown`` for a null."""
    return unknown if value is None else t("yes" if value else "no", lang)
