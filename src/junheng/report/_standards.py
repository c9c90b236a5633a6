"""``junheng standards``: the profiles available, and one profile as readable tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from junheng.model.schema import COUNTY, ENUMS
from junheng.report._text import UNIT_WORDS, Lang, t
from junheng.standards import Standard, available_standards, load_standard
from junheng.standards._parts import Condition
from junheng.standards.params import Rules
from junheng.standards.plan_rules import planner_rules


def print_standards(console: Console, lang: Lang = "zh") -> None:
    """One row per packaged profile: name, title, what it extends, what it covers."""
    table = Table(title="可用的评估标准 / available standards", title_justify="left")
    table.add_column("名称 name")
    table.add_column("标准 title", overflow="fold")
    table.add_column("继承 extends")
    table.add_column("内容 covers", overflow="fold")
    for name in available_standards():
        std = load_standard(name)
        items = sum(len(p.items) for p in std.parts)
        covers = (f"资源配置 {len(std.indicators)} 项" if lang == "zh"
                  else f"resources {len(std.indicators)}")
        if std.parts:
            covers += (f"，其他部分 {items} 项，一票否决 {len(std.vetoes)} 项" if lang == "zh"
                       else f", other parts {items}, vetoes {len(std.vetoes)}")
        table.add_row(name, escape(std.name if lang == "zh" else std.name_en),
                      " → ".join(std.chain[1:]) or "—", covers)
    console.print(table)
    console.print("junheng standards 名称 显示详情 / junheng standards NAME shows one; "
                  "--standard 路径.yaml 使用自己的标准 / --standard PATH.yaml uses your own "
                  "(docs/standards.md)")


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 10_000 else f"{value:,.0f}"


def _condition(cond: Condition, lang: Lang) -> str:
    column = COUNTY.column(cond.column)
    label = column.zh if lang == "zh" else cond.column
    if cond.op == "is":
        return f"{label} = {t('yes' if cond.value else 'no', lang)}"
    if cond.op == "at_least_column":
        other = COUNTY.column(str(cond.value))
        return f"{label} ≥ {other.zh if lang == 'zh' else other.name}"
    value = float(cond.value)  # type: ignore[arg-type]
    shown = f"{value:.0%}" if column.kind == "ratio" and value * 100 == round(value * 100) \
        else f"{value:.1%}" if column.kind == "ratio" else _number(value)
    return f"{label} {cond.symbol} {shown}"


def _params(rule: str, p: dict[str, Any], lang: Lang) -> str:
    zh = lang == "zh"
    if rule == "music_art_rooms":
        text = (f"每 {p['classes_per_room']} 个班音乐、美术教室各 1 间；音乐 ≥ "
                f"{p['min_area_m2']['music']:g} m²、美术 ≥ {p['min_area_m2']['art']:g} m²" if zh
                else f"1 music and 1 art room per {p['classes_per_room']} classes; music ≥ "
                f"{p['min_area_m2']['music']:g} m², art ≥ {p['min_area_m2']['art']:g} m²")
        older = p["older_building_area_m2"]
        if older:
            text += (f"（老旧校舍 {older['music']:g} / {older['art']:g} m²）" if zh else
                     f" (older buildings {older['music']:g} / {older['art']:g} m²)")
        return text
    if rule == "school_size":
        return (f"≤ {p['max_students']} 人；九年/十二年一贯制 ≤ {p['max_students_multi_stage']} 人"
                if zh else f"≤ {p['max_students']} pupils; nine/twelve-year ≤ "
                f"{p['max_students_multi_stage']}")
    if rule == "class_size":
        m = p["max_class"]
        return (f"小学 ≤ {m['primary']} 人，初中 ≤ {m['junior']} 人" if zh
                else f"primary ≤ {m['primary']}, junior ≤ {m['junior']}")
    if rule == "training_hours":
        return (f"从教满 {p['service_years']} 年：近五年 ≥ {p['hours_5y']:g} 学时；不满：每年 ≥ "
                f"{p['hours_per_year']:g} 学时；完成率 100%" if zh else
                f"{p['service_years']}+ years of service: ≥ {p['hours_5y']:g} hours in 5 years; "
                f"others ≥ {p['hours_per_year']:g} a year; 100 % complete")
    if rule == "rotation":
        return (f"到本校满 {p['tenure_years']} 年者符合条件；交流 ≥ {p['share']:.0%}，骨干 ≥ "
                f"{p['backbone_share']:.0%}" if zh else
                f"eligible after {p['tenure_years']} years at a school; rotated ≥ "
                f"{p['share']:.0%}, backbone ≥ {p['backbone_share']:.0%}")
    if rule == "certified":
        return f"持证率 ≥ {p['share']:.0%}" if zh else f"certified ≥ {p['share']:.0%}"
    return str(p)


def print_standard(ref: str, console: Console, lang: Lang = "zh") -> Standard:
    """Show one profile: thresholds, rules, every item of the other parts, vetoes, options."""
    std = load_standard(ref)
    zh = lang == "zh"
    console.print(f"[bold]{escape(std.name if zh else std.name_en)}[/]  ({' → '.join(std.chain)})")

    table = Table(title=t("resources", lang), title_justify="left")
    table.add_column(t("indicator", lang), overflow="fold")
    table.add_column(t("primary", lang), justify="right")
    table.add_column(t("junior", lang), justify="right")
    table.add_column("单位" if zh else "Unit")
    table.add_column("计算" if zh else "From")
    for ind in std.indicators:
        unit = UNIT_WORDS[ind.unit][0 if zh else 1]
        per = "" if ind.per_students == 1 else f" / {ind.per_students:g}"
        source = (f"{'教师' if zh else 'teachers'}: {ind.numerator[1]}"
                  if ind.numerator[0] == "teachers" else ind.numerator[1])
        thresholds = ind.thresholds or {}
        table.add_row(escape(ind.name if zh else ind.name_en),
                      _number(thresholds["primary"]) if thresholds else "—",
                      _number(thresholds["junior"]) if thresholds else "—",
                      f"{unit}{per}", source)
    console.print(table)
    if std.has_school_rule:
        console.print((f"学校达标：至少 {std.min_indicators_met} 项达标，且未达标项不低于标准值的 "
                       f"{std.floor_ratio:.0%}") if zh else
                      f"Per-school rule: ≥ {std.min_indicators_met} met, others ≥ "
                      f"{std.floor_ratio:.0%} of the threshold")
    if std.cv_limits:
        console.print((f"差异系数（逐项）：小学 ≤ {std.cv_limits['primary']:.2f}，初中 ≤ "
                       f"{std.cv_limits['junior']:.2f}") if zh else
                      f"CV of each indicator: primary ≤ {std.cv_limits['primary']:.2f}, "
                      f"junior ≤ {std.cv_limits['junior']:.2f}")
    if std.cv_composite_limits:
        c = std.cv_composite_limits
        console.print((f"综合差异系数（{len(std.indicators)} 项平均）：小学 ≤ {c['primary']:.2f}，"
                       f"初中 ≤ {c['junior']:.2f}") if zh else
                      f"Composite CV (mean of {len(std.indicators)}): primary ≤ "
                      f"{c['primary']:.2f}, junior ≤ {c['junior']:.2f}")

    for part in std.parts:
        table = Table(title=part.name if zh else part.name_en, title_justify="left",
                      show_lines=True)
        table.add_column(t("item_no", lang), justify="right")
        table.add_column(t("item", lang), overflow="fold", max_width=48)
        table.add_column(t("item_source", lang))
        table.add_column("标准" if zh else "Standard", overflow="fold")
        for item in part.items:
            rule = [_params(item.compute, item.params, lang)] if item.compute else []
            conditions = [_condition(c, lang) for c in item.conditions]
            if item.compute and conditions:
                conditions = [("无花名册数据时按申报：" if zh else "declared when the rosters "
                               "lack the data: ") + "；".join(conditions)]
            table.add_row(str(item.number), escape(item.name if zh else item.name_en),
                          t("computed" if item.compute else "declared", lang),
                          escape("\n".join(rule + conditions)))
        console.print(table)
    if std.vetoes:
        console.print(f"[bold]{t('vetoes', lang)}[/]" + ("（任一发生即不通过）：" if zh else
                                                          " (any one fails the county): ")
                      + ("、" if zh else "; ").join(v.name if zh else v.name_en
                                                   for v in std.vetoes))
    if std.unmodelled_parts:
        console.print(("未纳入计算的部分：" if zh else "Parts not modelled: ")
                      + "、".join(std.unmodelled_parts))

    options = Table(title="口径选项" if zh else "Options", title_justify="left")
    options.add_column("选项" if zh else "Option")
    options.add_column("取值" if zh else "Value", overflow="fold")
    options.add_row("只计专任教师" if zh else "full-time teachers only",
                    t("yes" if std.full_time_only else "no", lang))
    for group, spec in std.teacher_groups.items():
        parts = []
        for column, by_stage in spec.items():
            enum = ENUMS.get(column)
            for stage, codes in by_stage.items():
                labels = [enum.label(c) if enum and zh else c for c in codes]
                parts.append(f"{t(stage, lang)} {column}: {'、'.join(labels)}")
        options.add_row(f"{'教师组' if zh else 'teacher group'} {group}", "\n".join(parts))
    w = std.split_weights
    options.add_row("设施拆分权重（小学:初中）" if zh else "split weights (primary : junior)",
                    f"{w['primary']:g} : {w['junior']:g}")
    options.add_row("排除小规模教学点" if zh else "leave out teaching points below",
                    "—" if std.exclude_teaching_points_below is None
                    else f"< {std.exclude_teaching_points_below}")
    options.add_row("教学点并入中心校" if zh else "merge teaching points into parent",
                    t("yes" if std.merge_teaching_points_into_parent else "no", lang))
    console.print(options)
    for planner in planner_rules():
        _print_rules(std.rules(planner), console, lang)
    _print_group_types(std, console, lang)
    return std


def _print_group_types(std: Standard, console: Console, lang: Lang) -> None:
    """The profile's group types (group_types:): what each type's schools share, and whether
    the rotation planner may move teachers within it (in which recorded form)."""
    from junheng.standards.group_types import declared_group_types

    zh = lang == "zh"
    own = bool(std.group_types)
    title = "集团类型（group_types:）" if zh else "Group types (group_types:)"
    if not own:
        title += "（本标准未定义，按 quality-2017）" if zh else " (none in this standard: "             "quality-2017's)"
    table = Table(title=title, title_justify="left")
    table.add_column("代码" if zh else "Code")
    table.add_column("类型" if zh else "Type")
    table.add_column("共享" if zh else "Shares", overflow="fold")
    table.add_column("集团内交流" if zh else "Rotation within", overflow="fold")
    forms = ENUMS["rotation_form"].labels
    for code, kind in declared_group_types(std).items():
        if kind.rotation:
            form = forms[kind.form] if zh else kind.form  # type: ignore[index]
            rotation = f"{t('yes', lang)}（{form}）" if zh else f"yes ({form})"
        else:
            rotation = t("no", lang)
        table.add_row(code, escape(kind.words(lang)), kind.shares_words(lang), rotation)
    console.print(table)


def _print_rules(rules: Rules, console: Console, lang: Lang) -> None:
    """A planner's section of the profile: each declared setting, what it means, its value,
    and the command-line option that overrides it."""
    zh = lang == "zh"
    zh_title, en_title = rules.TITLE
    table = Table(title=f"{zh_title}设置（{rules.SECTION}:）" if zh
                  else f"Settings of the {en_title} ({rules.SECTION}:)", title_justify="left")
    table.add_column("设置" if zh else "Setting")
    table.add_column("含义" if zh else "Meaning", overflow="fold")
    table.add_column("取值" if zh else "Value", overflow="fold")
    for p in rules.params():
        key = p.name + (f"\n{p.option}" if p.cli else "")
        table.add_row(key, escape(p.zh if zh else p.en),
                      escape(p.show(getattr(rules, p.name), lang)))
    console.print(table)
