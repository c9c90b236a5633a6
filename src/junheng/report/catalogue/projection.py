"""Words of the projection (junheng project)."""

TEXT: dict[str, tuple[str, str]] = {
    "proj_title": ("{county}：逐年预测（{band}）", "{county}: year by year ({band})"),
    "proj_band_low": ("低方案", "low"),
    "proj_band_central": ("中方案", "central"),
    "proj_band_high": ("高方案", "high"),
    "proj_year": ("学年", "School year"),
    "proj_primary": ("小学在校生", "Primary pupils"),
    "proj_junior": ("初中在校生", "Junior pupils"),
    "proj_classes": ("教学班", "Classes"),
    "proj_teachers": ("专任教师", "Full-time teachers"),
    "proj_meeting": ("学校（学段）达标", "Meeting the rule"),
    "proj_cvs_over": ("差异系数超限项", "CVs over the limit"),
    "proj_over_size": ("规模超标学校", "Schools too large"),
    "proj_resources": ("资源配置结论", "Resources"),
    "proj_spread": ("未提供年级学生表：各学段学生已平均分到各年级。", "No grades table: each stage's "
                    "pupils were spread evenly over its grades."),
    "proj_assumptions": ("假设：不补充教师；教师按法定退休年龄（2025年起渐进式延迟）在达到年龄的当月后离岗，"
                         "出生月份不详按7月计；校舍、场地、设备不变；班额按上限重新分班。",
                         "Assumed: no teacher is hired; teachers leave after the month they reach "
                         "the statutory age (the 2025 gradual increase), birth month July when "
                         "unknown; buildings, grounds and equipment unchanged; classes re-divided "
                         "to the size limit."),
    # The projection's files (junheng project -o): the workbook, the HTML and the JSON.
    "proj_file_title": ("{where} · 逐年预测", "{where}: year-by-year projection"),
    "proj_base_year": ("基准学年", "Base school year"),
    "proj_years_span": ("{first}–{last} 学年", "School years {first}–{last}"),
    "proj_band": ("方案", "Assumptions"),
    "proj_retired": ("当年退休", "Retired"),
    "proj_cvs_over_col": ("差异系数超限", "CVs over the limit"),
    "proj_units_over_class": ("班额超标学校（学段）", "School–stages over the class size"),
    "proj_sheet_summary": ("逐年汇总", "By year"),
    "proj_sheet_breaks": ("首次不达标", "First breaks"),
    "proj_sheet_schools": ("学校逐年", "Schools by year"),
    "proj_sheet_indicators": ("指标逐年", "Indicators by year"),
    "proj_sheet_cvs": ("差异系数逐年", "CVs by year"),
    "proj_sheet_sizes": ("规模与班额", "Size and classes"),
    "proj_kind_rule": ("学校达标要求", "Per-school rule"),
    "proj_kind_indicator": ("指标", "Indicator"),
    "proj_kind_cv": ("差异系数", "CV"),
    "proj_kind_school_size": ("学校规模", "School size"),
    "proj_kind_class_size": ("班额", "Class size"),
    "proj_col_kind": ("类型", "Kind"),
    "proj_col_what": ("项目", "What"),
    "proj_col_before": ("上一年", "Year before"),
    "proj_col_after": ("当年", "That year"),
    "proj_col_standard": ("标准或限值", "Threshold or limit"),
    "proj_col_left": ("退休教师", "Teachers retired"),
    "proj_col_pupils_before": ("上一年在校生", "Pupils the year before"),
    "proj_col_pupils_after": ("当年在校生", "Pupils that year"),
    "proj_col_reason": ("原因", "Why"),
    "proj_col_unit": ("学校（学段）", "School–stage"),
    "proj_col_average_class": ("平均班额", "Average class"),
    "proj_col_largest_class": ("最大班额", "Largest class"),
    "proj_unit_rule": ("项达标", "indicators met"),
    "proj_unit_pupils": ("人", "pupils"),
    "proj_unit_class": ("人/班", "pupils a class"),
    "proj_breaks_title": ("首次不达标：最先需要应对的问题", "First breaks: what to act on first"),
    "proj_breaks_none": ("预测期内，基准学年达标的学校、指标、差异系数和规模、班额都没有转为不达标。",
                         "Nothing met in the base year stops being met within the projection."),
    "proj_breaks_count": ("预测期内共 {n} 项由达标转为不达标，最早在 {year} 学年。",
                          "{n} thing(s) met in the base year stop being met, the first in "
                          "{year}."),
    "proj_breaks_note": ("首次不达标：基准学年达标、此后某一预测学年首次不达标的学校达标要求、单项指标、差异系数、"
                         "学校规模（政府保障第 4 项）和班额（第 5 项），每项只列第一次；原因为与上一学年相比的"
                         "变化（退休教师只计该指标所计的教师）。基准学年已不达标的，见评估报告的整改清单。",
                         "First breaks: the per-school rule, each indicator, each CV, school size "
                         "(government item 4) and class size (item 5) that are met in the base "
                         "year, at the first projected year they are not; each once. The reason "
                         "is what changed since the year before (retired teachers counted only "
                         "when the indicator counts them). What already fails in the base year "
                         "is in the evaluation report's rectification list."),
    "proj_class_note": ("预测学年没有最大班额：第 5 项按平均班额判断（基准学年按填报的最大班额），"
                        "预测学年的班额超标数因此可能比基准学年少，并非实际改善。",
                        "A projected year has no largest class: item 5 judges the average class "
                        "(the base year the largest class given), so fewer school–stages over "
                        "the class size in projected years is no real improvement."),
    "proj_chart_pupils": ("各学段在校生（逐年）", "Pupils by stage, year by year"),
    "proj_chart_cv": ("{stage}：各指标差异系数（虚线为限值 {limit}）",
                      "{stage}: each indicator's CV (dashed: the limit {limit})"),
    "proj_line_limit": ("限值 {value}", "limit {value}"),
    "proj_show_rows": ("全部 {n} 行（点击展开）", "all {n} rows (click to show)"),
    "proj_indicators_hint": ("每格为该学年的值；红色为未达到标准值。",
                             "Each cell is that year's value; red: below the threshold."),
    "proj_cvs_hint": ("每格为该学年的差异系数；红色为超过限值。",
                      "Each cell is that year's CV; red: over the limit."),
    "proj_sizes_none": ("预测期内没有学校超过规模或班额上限。",
                        "No school is over the size or class limit within the projection."),
    # The reasons of the first breaks, built from what changed since the year before.
    "proj_r_prefix": ("{year} 年 {school}", "{year}: {school}"),
    "proj_r_retired": ("{groups}退休", "loses {groups} to retirement"),
    "proj_r_group": ("{group} {n} 人", "{n} {group}"),
    "proj_r_pupils_up": ("在校生 {a} → {b} 人", "grows from {a} to {b} pupils"),
    "proj_r_pupils_down": ("在校生 {a} → {b} 人", "shrinks from {a} to {b} pupils"),
    "proj_r_per100": ("每百生 {v} < {t}", "{v} per 100 pupils < {t}"),
    "proj_r_per_pupil": ("生均 {v} {u} < {t} {u}", "{v} {u} per pupil < {t} {u}"),
    "proj_r_per_other": ("{v} {u} < {t}", "{v} {u} < {t}"),
    "proj_r_named": ("{name}{comparison}", "{name}: {comparison}"),
    "proj_r_below_floor": ("（不足标准值的 {floor}）", " (below {floor} of the threshold)"),
    "proj_r_rule": ("不再达到学校达标要求（达标指标 {counts} 项，须至少 {k} 项、未达标项不低于标准值的 {floor}）",
                    "no longer meets the per-school rule ({counts} of {n} indicators met; at "
                    "least {k} needed, each missed one at least {floor} of its threshold)"),
    "proj_r_cv": ("{year} 年 {county}{stage}「{indicator}」差异系数 {a} → {b}，超过限值 {limit}",
                  "{year}: {county}, {stage} CV of {indicator} {a} → {b}, over the limit "
                  "{limit}"),
    "proj_r_cv_retired": ("{school} {group} {n} 人退休", "{school} loses {n} {group} to "
                          "retirement"),
    "proj_r_fewer": ("{groups}净减少（退休多于新聘）", "has {groups} fewer (retirements net of "
                     "new teachers)"),
    "proj_r_cv_fewer": ("{school} {group} 净减少 {n} 人", "{school} has {n} {group} fewer"),
    "proj_r_cv_pupils": ("{school} 在校生 {a} → {b} 人", "{school} {a} → {b} pupils"),
    "proj_r_more_schools": ("等 {n} 所", "and {n} more"),
    "proj_r_size": ("在校生 {a} → {b} 人，超过 {limit} 人", "grows from {a} to {b} pupils, over "
                    "the limit of {limit}"),
    "proj_r_class_average": ("在校生 {a} → {b} 人、{c0} → {c1} 个班，平均班额 {avg} 人，超过 {limit} 人",
                             "{a} → {b} pupils in {c0} → {c1} classes: {avg} a class on "
                             "average, over {limit}"),
    "proj_r_class_largest": ("最大班额 {v} 人，超过 {limit} 人", "largest class {v}, over {limit}"),
}
