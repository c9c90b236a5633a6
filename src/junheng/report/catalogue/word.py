"""Words of the Word self-assessment draft (自评报告), Chinese first and English second.

Counts reach these sentences already written by ``junheng.report._format.number`` (``3 名`` /
``3 teachers``, ``1 teacher``), so no sentence here spells a plural itself.
"""

TEXT: dict[str, tuple[str, str]] = {
    # Title and opening
    "doc_title": ("{county}义务教育{kind}发展自评报告",
                  "{county}: self-assessment report on {kind} compulsory education"),
    "doc_kind_quality": ("优质均衡", "quality-balanced"),
    "doc_kind_basic": ("基本均衡", "basic-balanced"),
    "doc_year": ("{start}—{end}学年", "the {start}–{end} school year"),
    "doc_intro": ("根据{standard}要求，{county}对照评估标准，对全县义务教育学校{year}的{parts}"
                  "情况进行了全面自查。现将自评情况报告如下。",
                  "Under {standard}, {county} has reviewed its compulsory schools for {year}: "
                  "{parts}. The results follow."),
    "doc_comment": ("由 junheng {version} 根据填报数据生成的草稿，请核对、修改后使用。",
                    "Drafted by junheng {version} from the submitted data; check and edit "
                    "before use."),
    # Section headings
    "doc_h_basic": ("基本情况", "Basic situation"),
    "doc_h_practice": ("主要做法与成效", "Main measures and results"),
    "doc_h_results": ("评估结果", "Evaluation results"),
    "doc_h_problems": ("存在问题", "Problems"),
    "doc_h_measures": ("整改措施", "Rectification measures"),
    # 一、基本情况
    "doc_basic_schools": ("{year}，全县共有义务教育学校 {schools}{points}。",
                          "In {year}, the county has {schools}{points}."),
    "doc_basic_points": ("、教学点 {points} 个", " and {points}"),
    "doc_basic_types": ("学校中，{types}", "They are {types}"),
    "doc_basic_locations": ("；按城乡分，{locations}", "; by location, {locations}"),
    "doc_basic_pupils": ("全县在校生 {pupils}（{stages}），教学班 {classes}，专任教师 {teachers}。",
                         "The county has {pupils} ({stages}) in {classes}, and {teachers}."),
    "doc_stage_pupils": ("{stage} {pupils}", "{stage} {pupils}"),
    "doc_t_stages": ("各学段学校、学生和教师", "Schools, pupils and teachers by stage"),
    "doc_col_units": ("学校（学段）数", "School–stages"),
    "doc_col_pupils": ("在校生（人）", "Pupils"),
    "doc_col_classes": ("教学班（个）", "Classes"),
    "doc_col_teachers": ("专任教师（名）", "Full-time teachers"),
    "doc_total": ("合计", "Total"),
    "doc_type_primary": ("小学", "primary school"),
    "doc_type_primary_many": ("小学", "primary schools"),
    "doc_type_junior": ("初级中学", "junior secondary school"),
    "doc_type_junior_many": ("初级中学", "junior secondary schools"),
    "doc_type_nine_year": ("九年一贯制学校", "nine-year school"),
    "doc_type_nine_year_many": ("九年一贯制学校", "nine-year schools"),
    "doc_type_twelve_year": ("十二年一贯制学校", "twelve-year school"),
    "doc_type_twelve_year_many": ("十二年一贯制学校", "twelve-year schools"),
    "doc_type_complete_secondary": ("完全中学", "complete secondary school"),
    "doc_type_complete_secondary_many": ("完全中学", "complete secondary schools"),
    "doc_teaching_point": ("教学点", "teaching point"),
    "doc_teaching_point_many": ("教学点", "teaching points"),
    "doc_loc_urban": ("城区", "urban"),
    "doc_loc_town": ("镇区", "town"),
    "doc_loc_rural": ("乡村", "rural"),
    "doc_loc_count": ("{location}学校 {n}", "{n} {location}"),
    # 二、主要做法与成效
    "doc_p_conditions": ("改善办学条件", "School buildings and equipment"),
    "doc_p_teachers": ("加强教师队伍建设", "Teachers"),
    "doc_p_rotation": ("推进教师交流轮岗", "Teacher rotation"),
    "doc_p_parts": ("落实政府保障责任，提高教育质量", "Government guarantee and education quality"),
    "doc_p_values": ("全县{values}。", "{values}."),
    "doc_p_stage_values": ("{stage}{values}", "county average of {stage} schools: {values}"),
    "doc_p_rooms": ("全县学校共有音乐专用教室 {music}、美术专用教室 {art}、网络多媒体教室 {multimedia}。",
                    "The schools have {music}, {art} and {multimedia}."),
    "doc_p_staff": ("全县专任教师 {teachers}{groups}。", "The county has {teachers}{groups}."),
    "doc_p_staff_groups": ("，其中{groups}", ", including {groups}"),
    "doc_p_training": ("教师五年培训完成率 {value}", "{value} of teachers completed their training"),
    "doc_p_certified": ("专任教师持证上岗率 {value}",
                        "{value} of full-time teachers hold a teaching certificate"),
    "doc_p_rotation_counts": ("{year}全县交流轮岗教师 {rotated}（其中骨干教师 {backbone}），占符合交流条件教师"
                              "（{eligible}）的 {share}；骨干教师占交流轮岗教师的 {backbone_share}。",
                              "In {year}, {rotated} rotated ({backbone} of them backbone "
                              "teachers), {share} of the {eligible} eligible; backbone teachers "
                              "are {backbone_share} of those rotated."),
    "doc_p_rotation_shares": ("全县交流轮岗教师占符合交流条件教师的 {share}，骨干教师占交流轮岗教师的 "
                              "{backbone_share}。",
                              "Rotated teachers are {share} of the eligible; backbone teachers "
                              "are {backbone_share} of those rotated."),
    "doc_p_part": ("{part} {n} 项指标中 {met} 项达标{good}。",
                   "{part}: {met} of {n} met{good}."),
    "doc_p_part_all": ("{part} {n} 项指标全部达标{good}。", "{part}: every item met ({n}){good}."),
    "doc_p_good": ("，其中{checks}", ", among them {checks}"),
    "doc_p_part_one": ("{checks}，达到要求。", "{checks}: met."),
    "doc_fill_practice": ("【请补充：本方面的主要做法、典型经验和成效】",
                          "[To write: what the county did here, and what it achieved]"),
    # 三、评估结果
    "doc_r_rule": ("按照每所学校（学段）{rule}的要求，全县 {n} 个学校（学段）中 {m} 个达到要求、{k} 个未达到，"
                   "资源配置结论为“{verdict}”。",
                   "Each school–stage must have {rule}: {m} of the county's {n} meet it and "
                   "{k} do not. Resource allocation: {verdict}."),
    "doc_r_no_rule": ("资源配置结论为“{verdict}”。", "Resource allocation: {verdict}."),
    "doc_r_cv": ("校际差异系数按学生数加权计算（{limits}），{summary}各项指标见表{table}。",
                 "The CVs between schools are weighted by enrolment ({limits}); {summary} Table "
                 "{table} gives each indicator."),
    "doc_r_cv_within": ("均在限值以内。", "all are within their limits."),
    "doc_r_cv_over": ("{n} 项超过限值。", "{n} over the limit."),
    "doc_cv_limit": ("{stage}不高于 {limit}", "{stage} ≤ {limit}"),
    "doc_cv_composite": ("综合差异系数：{limits}", "composite CV: {limits}"),
    "doc_t_cv": ("各项指标校际差异系数", "Coefficients of variation between schools"),
    "doc_r_part": ("{part}：{n} 项指标中达标 {met} 项、未达标 {failed} 项{missing}，结论为“{verdict}”。",
                   "{part}: {met} of {n} met, {failed} failed{missing}; verdict: {verdict}."),
    "doc_r_missing": ("、缺少数据 {n} 项", ", {n} lacking data"),
    "doc_r_vetoes_none": ("经自查，未发生{names}等一票否决情形。",
                          "None of the veto conditions occurred ({names})."),
    "doc_r_vetoes_present": ("发生一票否决情形：{names}。", "Veto conditions present: {names}."),
    "doc_r_vetoes_unknown": ("以下一票否决情形尚未申报：{names}。", "Veto conditions not declared: "
                             "{names}."),
    "doc_fill_vetoes": ("【请核实并申报】", "[To check and declare]"),
    "doc_r_pass": ("综上，{county}达到{standard}的要求。", "{county} therefore meets {standard}."),
    "doc_r_fail": ("综上，{county}尚未达到{standard}的要求，存在的问题和整改措施如下。",
                   "{county} therefore does not yet meet {standard}; the problems and the "
                   "measures follow."),
    "doc_r_incomplete": ("综上，部分指标缺少数据，{county}暂不能得出是否达到{standard}要求的结论，"
                         "需补齐数据后重新评估。",
                         "Some figures are missing, so whether {county} meets {standard} "
                         "cannot be decided yet; complete the data and evaluate again."),
    "doc_table": ("表{n}　{title}", "Table {n}. {title}"),
    # 四、存在问题
    "doc_q_resources": ("资源配置方面", "Resource allocation"),
    "doc_q_rule": ("全县 {n} 个学校（学段）中，{k} 个未达到学校达标要求。按各校达到要求必须补足的指标计算：",
                   "{k} of the county's {n} school–stages fail the per-school rule. Counting "
                   "what each must add to meet it:"),
    "doc_q_teachers": ("师资配置需补充{needs}。", "Teachers to add: {needs}."),
    "doc_q_conditions": ("办学条件需增加{needs}。", "Buildings and equipment to add: {needs}."),
    "doc_q_cvs": ("校际差异方面，{cvs}。", "Differences between schools: {cvs}."),
    "doc_q_annex": ("各校存在的问题及整改任务见附件{n}。", "Annex {n} lists each school's problems "
                    "and tasks."),
    "doc_q_part": ("{part}方面", "{part}"),
    "doc_q_item": ("第 {number} 项“{name}”{state}：{checks}", "Item {number}, “{name}”, {state}: "
                   "{checks}"),
    "doc_q_state_fail": ("未达标", "not met"),
    "doc_q_state_incomplete": ("缺少数据", "lacking data"),
    "doc_q_missing": ("第 {numbers} 项缺少数据：{details}", "Items {numbers} lack data: {details}"),
    "doc_q_missing_one": ("第 {numbers} 项缺少数据：{details}", "Item {numbers} lacks data: {details}"),
    "doc_q_total": ("全县合计：{text}", "county total: {text}"),
    "doc_q_vetoes": ("一票否决方面", "Veto conditions"),
    "doc_q_none": ("经自查，未发现未达标的学校和指标。", "No failing school or item was found."),
    "doc_check": ("{label} {value}（标准 {op} {threshold}）", "{label}: {value} (standard {op} "
                  "{threshold})"),
    # 五、整改措施
    "doc_m_intro": ("针对上述问题，{county}将逐校制定整改方案，明确责任单位和完成时限，确保整改到位。",
                    "{county} will draw up a plan for each school, with the office responsible "
                    "and a deadline for each task."),
    "doc_m_teachers": ("补齐师资短板", "Teachers"),
    "doc_m_conditions": ("改善办学条件", "Buildings and equipment"),
    "doc_m_balance": ("缩小校际差距", "Narrowing the gaps between schools"),
    "doc_m_part": ("{part}", "{part}"),
    "doc_m_data": ("补齐评估数据", "Completing the data"),
    "doc_m_vetoes": ("整改一票否决情形", "Veto conditions"),
    "doc_m_add": ("补充{what} {amount}", "add {amount}"),
    "doc_m_build": ("增加{what} {amount}", "add {amount}"),
    "doc_m_music_art_rooms": ("增加音乐、美术专用教室 {amount}", "add {amount}"),
    "doc_m_class_size": ("增设教学班 {amount}，化解大班额", "add {amount} to end over-size classes"),
    "doc_m_class_size_redivide": ("调整分班，化解大班额", "re-divide over-size classes"),
    "doc_m_school_size": ("通过改扩建、新建学校分流超规模学校学生 {amount}",
                          "move {amount} out of over-size schools by extending or building "
                          "schools"),
    "doc_m_training_hours": ("组织培训学时不足的 {amount}教师补足培训学时",
                             "train {amount} to the required hours"),
    "doc_m_certified": ("推动 {amount}无教师资格证的专任教师取得资格证或调整岗位",
                        "have {amount} without a certificate certified, or change their posts"),
    "doc_m_rotation": ("加大教师交流轮岗力度，{checks}", "rotate more teachers and {checks}"),
    "doc_m_balance_text": ("优先向薄弱学校配置教师和办学资源，使{indicators}的校际差异系数降到限值以内",
                           "give the weaker schools teachers and resources first, so that the "
                           "CVs of {indicators} fall within their limits"),
    "doc_m_data_text": ("补充填报{parts}缺少的数据（所需数据见第四部分）",
                        "supply the missing data of {parts} (section 4 says which)"),
    "doc_m_data_part": ("{part}第 {numbers} 项", "{part} item{s} {numbers}"),
    "doc_m_vetoes_text": ("对{names}立即整改", "end at once: {names}"),
    "doc_m_annex": ("各校整改任务见附件{n}，请逐项填写责任单位和完成时限。",
                    "Annex {n} lists each school's tasks; fill in the office responsible and the "
                    "deadline of each."),
    "doc_fill_teachers": ("【请填写：补充方式（公开招聘、县域内调配等）、责任单位和完成时限】",
                          "[To write: how (hiring, transfers …), who is responsible, and by "
                          "when]"),
    "doc_fill_conditions": ("【请填写：建设项目、资金安排、责任单位和完成时限】",
                            "[To write: the building projects, the funding, who is responsible, "
                            "and by when]"),
    "doc_fill_measures": ("【请填写：具体措施、责任单位和完成时限】",
                          "[To write: the measures, who is responsible, and by when]"),
    # Annexes and signature
    "doc_annexes": ("附件：", "Annexes: "),
    "doc_annex_item": ("{n}．{title}", "{n}. {title}"),
    "doc_annex_label": ("附件{n}", "Annex {n}"),
    "doc_annex_tasks": ("各校整改任务表", "Each school's rectification tasks"),
    "doc_annex_items": ("评估指标自评表", "Self-assessment of each item"),
    "doc_annex_schools": ("各校资源配置指标", "Each school's resource indicators"),
    "doc_annex_schools_note": ("注：加粗红字为未达到标准值的指标。单位——{units}。",
                               "Bold red: below the threshold. Units: {units}."),
    "doc_problem_indicator": ("{problem}：现状 {current}，标准 {standard}",
                              "{problem}: now {current}, standard {standard}"),
    "doc_problem_item": ("{problem}：{current}（标准：{standard}）",
                         "{problem}: {current} (standard: {standard})"),
    "doc_col_no": ("序号", "No."),
    "doc_col_item": ("指标", "Item"),
    "doc_col_source": ("来源", "Source"),
    "doc_col_now": ("现状", "Now"),
    "doc_col_standard": ("标准", "Standard"),
    "doc_col_met": ("是否达标", "Met"),
    "doc_col_meets_rule": ("学校达标", "Meets the rule"),
    "doc_signer": ("【请填写：落款单位】", "[Issuing office]"),
    "doc_date": ("{year}年{month}月{day}日", "{day} {month_name} {year}"),
}
