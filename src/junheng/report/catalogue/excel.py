"""Words of the excel report."""

TEXT: dict[str, tuple[str, str]] = {
    # 整改台账 (the first sheet)
    "xl_ledger_title": ("{county}　整改台账", "{county}: rectification ledger"),
    "xl_ledger_facts": ("评估标准：{standard}　　评估学年：{year}　　县域结论：{verdict}",
                        "Standard: {standard}    School year: {year}    Verdict: {verdict}"),
    "xl_unit": ("单位", "Unit"),
    "xl_wan_yuan": ("万元", "10,000 yuan"),
    "xl_excess": ("超出限值", "Over the limit by"),
    "xl_whole_school": ("全校", "Whole school"),
    "xl_section_none": ("{title}：无", "{title}: none"),
    "xl_open_checks": ("未达标或缺数据的检查", "Checks failed or lacking data"),
    "xl_item_state_incomplete": ("缺数据", "lacking data"),
    "xl_fill_in": ("黄色单元格（责任单位、完成时限、完成情况）由教育局填写；完成时限请填日期，如 {example}。",
                   "The yellow cells (responsible office, deadline, progress) are for the bureau "
                   "to fill in; the deadline is a date, e.g. {example}."),
    "xl_deadline_title": ("完成时限", "Deadline"),
    "xl_deadline_message": ("请填写日期，如 {example}", "Enter a date, e.g. {example}"),
    "xl_deadline_error": ("完成时限应为日期（年-月-日），如 {example}",
                          "The deadline must be a date (year-month-day), e.g. {example}"),
    "xl_footer": ("&C第 &P 页，共 &N 页", "&CPage &P of &N"),
    "xl_ledger_note": ("第一张表：全县需补足的总量、超过限值的差异系数、其他未达标指标和一票否决情形，其后是逐校整改任务"
                       "（按距达标由近到远排列），责任单位、完成时限和完成情况留空供教育局填写。",
                       "The first sheet: what the county must add, the CVs over their limit, "
                       "the other items failed and the veto conditions present, then each "
                       "school's tasks (nearest to passing first), with the responsible office, "
                       "deadline and progress left for the bureau to fill in."),
    # 缺口
    "xl_gaps_order": ("未达标学校按距达标由近到远排列（与「整改台账」的顺序相同）：排在前面的学校补足较少即可达到学校达标要求。",
                      "Failing school–stages are listed nearest to passing first (the order of "
                      "the rectification ledger): the ones at the top need the least to meet the "
                      "per-school rule."),
    "xl_shortfall_note": ("缺口：达到标准值需补足的数量，向上取整到整名教师、整间教室、整平方米、整元。",
                          "Shortfall: what it takes to reach the threshold, rounded up to a whole "
                          "teacher, room, m² or yuan."),
}
