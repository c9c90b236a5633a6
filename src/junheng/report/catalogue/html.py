"""Words of the html report."""

TEXT: dict[str, tuple[str, str]] = {
    "html_title": ("{where} · 评估结果", "{where}: evaluation"),
    "html_n_counties": ("{n} 个县区", "{n} counties"),
    "html_extends": ("（{id}，在 {parents} 基础上修改）", " ({id}, extending {parents})"),
    "html_standard_id": ("标准编号（--standard）", "Standard id (--standard)"),
    "html_glance": ("各部分结论", "Each part's verdict"),
    "html_headline_no_rule": ("{cvs} 项差异系数超过限值；{items} 项其他指标未达标或缺数据。",
                              "{cvs} over the limit; {items} failed or lacking data."),
    "html_places_units": ("{n} 个学校（学段）", "{units}"),
    "html_places_schools": ("{n} 所学校", "{schools}"),
    "html_nothing_computed": ("已计算的学校和指标均已达标，无需整改。",
                              "Every school and item computed meets the standard: nothing to "
                              "rectify."),
    "html_incomplete_why": ("县域结论暂不能为「达标」：{why}。", "The county cannot pass yet: {why}."),
    "html_col_state": ("情况", "State"),
    "html_col_checks": ("未达到的检查", "Checks not met"),
    "html_lacks_data": ("缺数据", "lacks data"),
    "html_items_missing": ("{n} 项指标缺少数据（点击查看）", "{items} lacking data (click to show)"),
    "html_whole_school": ("全校", "Whole school"),
    "html_to_fix": ("须补足 {n} 项指标即可达到学校达标要求", "{indicators} to fix to pass"),
    "html_items_only": ("仅有其他指标问题", "other items only"),
    "html_more_schools": ("其余 {n} 所学校的整改任务（{m} 项，点击展开）",
                          "Tasks of the other {schools} ({tasks}; click to show)"),
    "html_gap": ("缺{what} {amount}", "short of {amount} {what}"),
    "html_gap_of": ("缺{what} {amount}", "short of {amount} of {what}"),
    "html_zero": ("值为 0 或接近 0", "zero or near zero"),
    "html_line_threshold": ("标准值 {value}", "threshold {value}"),
    "html_line_floor": ("85%底线 {value}", "85 % floor {value}"),
    "html_line_limit": ("{stage}限值 {value}", "{stage} limit {value}"),
    "html_distribution_hint": ("每个指标一张图：每所学校一条，值最低的在上；竖线为标准值（实线）与 85% 底线（虚线）；"
                               "◆ 标出值为 0 或接近 0 的学校。",
                               "One chart per indicator, one bar per school, lowest at the top; "
                               "the vertical lines are the threshold (solid) and the 85 % floor "
                               "(dashed); ◆ marks a value of zero or near zero."),
    "html_heatmap_hint": ("每格为学校的值占标准值的百分比。绿色：达标；黄色：未达标但不低于85%；红色：低于85%。",
                          "Each cell is the school's value as a share of the threshold. "
                          "Green: met; amber: missed but at least 85 %; red: below 85 %."),
    "html_failing_order": ("学校顺序与整改清单相同（一所学校的各学段排在一起）。",
                           "Schools in the rectification list's order (a school's stages "
                           "together). "),
}
