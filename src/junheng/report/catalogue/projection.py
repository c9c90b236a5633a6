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
}
