"""The same resource-allocation rules written plainly with pandas: the baseline.

This is how the arithmetic is usually scripted: read each sheet (``pandas.read_excel`` with
openpyxl, its long-time default, or with calamine, the Rust reader fastexcel is built on), map
the Chinese headers, coerce types, count teachers per school and stage, compute the indicators, the
student-weighted CV, and the per-school rule. It validates types but reports only what pandas
can coerce. Not part of the package; used by ``benchmarks/run.py`` and checked against junheng's
numbers there.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

THRESHOLDS = {
    "qualified_teachers_per100": (4.2, 5.3, 100, "qualified"),
    "backbone_teachers_per100": (1.0, 1.0, 100, "backbone"),
    "pe_art_teachers_per100": (0.9, 0.9, 100, "pe_art"),
    "teaching_area_per_student": (4.5, 5.8, 1, "teaching_area_m2"),
    "sports_area_per_student": (7.5, 10.2, 1, "sports_area_m2"),
    "equipment_value_per_student": (2000, 2500, 1, "equipment_value_yuan"),
    "multimedia_rooms_per100": (2.3, 2.4, 100, "multimedia_rooms"),
}
CV_LIMITS = {"primary": 0.50, "junior": 0.45}
HEADERS = {
    "学校标识码": "school_id", "学校名称": "name", "县区": "county", "办学类型": "school_type",
    "城乡分类": "location", "学段": "stage", "在校生数": "students", "班级数": "classes",
    "教学及辅助用房面积": "teaching_area_m2", "体育运动场馆面积": "sports_area_m2",
    "教学仪器设备值": "equipment_value_yuan", "网络多媒体教室数": "multimedia_rooms",
    "教师编号": "teacher_id", "任教学段": "stage", "任教学科": "subject", "专任教师": "full_time",
    "最高学历": "education", "骨干教师级别": "backbone",
}
UNIT = re.compile(r"\s*[（(][^（）()]*[）)]$")
STAGE = {"小学": "primary", "初中": "junior"}
QUALIFIED = {"primary": {"专科", "本科", "硕士", "博士"}, "junior": {"本科", "硕士", "博士"}}


def read(path: str, engine: str = "openpyxl") -> dict[str, pd.DataFrame]:
    sheets = pd.read_excel(path, sheet_name=["学校", "学段", "教师"], engine=engine,
                           dtype=str, skiprows=[1])
    # The template's headers carry their unit (在校生数（人）); the name is what comes before it.
    return {name: df.rename(columns=lambda h: HEADERS.get(UNIT.sub("", h), h))
            for name, df in sheets.items()}


def evaluate(path: str, engine: str = "openpyxl") -> pd.DataFrame:
    sheets = read(path, engine)
    schools, stages, teachers = sheets["学校"], sheets["学段"], sheets["教师"]
    stages["stage"] = stages["stage"].map(STAGE)
    for col in ("students", "classes", "teaching_area_m2", "sports_area_m2",
                "equipment_value_yuan", "multimedia_rooms"):
        stages[col] = pd.to_numeric(stages[col], errors="raise")
        schools[col] = pd.to_numeric(schools.get(col), errors="coerce")
    # Split school totals between stages by weighted pupils (1 : 1.1).
    stages = stages.merge(schools, on="school_id", suffixes=("", "_total"))
    weight = stages["stage"].map({"primary": 1.0, "junior": 1.1}) * stages["students"]
    share = weight / weight.groupby(stages["school_id"]).transform("sum")
    for col in ("teaching_area_m2", "sports_area_m2", "equipment_value_yuan", "multimedia_rooms"):
        stages[col] = stages[col].fillna(stages[f"{col}_total"] * share)
    teachers["stage"] = teachers["stage"].map(STAGE)
    teachers = teachers[teachers["full_time"] == "是"].copy()
    teachers["qualified"] = [e in QUALIFIED[s] for e, s in zip(teachers["education"],
                                                                teachers["stage"], strict=True)]
    teachers["backbone"] = teachers["backbone"].isin(["县级", "市级", "省级", "国家级"])
    teachers["pe_art"] = teachers["subject"].isin(["体育", "音乐", "美术"])
    counts = teachers.groupby(["school_id", "stage"])[["qualified", "backbone", "pe_art"]].sum()
    units = stages.merge(counts.reset_index(), on=["school_id", "stage"], how="left").fillna(
        {"qualified": 0, "backbone": 0, "pe_art": 0})
    rows = []
    for key, (primary, junior, per, column) in THRESHOLDS.items():
        threshold = np.where(units["stage"] == "primary", primary, junior)
        value = units[column] * per / units["students"]
        rows.append(pd.DataFrame({"county": units["county"], "school_id": units["school_id"],
                                  "stage": units["stage"], "students": units["students"],
                                  "indicator": key, "value": value, "threshold": threshold}))
    long = pd.concat(rows, ignore_index=True)
    long = long[long["students"] > 0]
    long["met"] = long["value"] >= long["threshold"] * (1 - 1e-9)
    long["floor"] = long["value"] >= 0.85 * long["threshold"] * (1 - 1e-9)
    rule = long.groupby(["county", "school_id", "stage"]).agg(met=("met", "sum"),
                                                              floor=("floor", "all"))
    rule["meets_rule"] = (rule["met"] >= 6) & rule["floor"]

    def cv(group: pd.DataFrame) -> float:
        p = group["students"] / group["students"].sum()
        mean = (p * group["value"]).sum()
        return float(np.sqrt((p * (group["value"] - mean) ** 2).sum()) / mean)

    cvs = long.groupby(["county", "stage", "indicator"])[["students", "value"]].apply(cv)
    out = cvs.rename("cv").reset_index()
    out["cv_met"] = out["cv"] <= out["stage"].map(CV_LIMITS)
    out.attrs["schools_meeting_rule"] = int(rule["meets_rule"].sum())
    return out
