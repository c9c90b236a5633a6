"""Group types as data (集团类型, a profile's ``group_types:`` section): what the schools of each
type of group share, and what the rotation planner may do inside such a group.

The codes are the data contract's (``group_type`` in ``junheng.model.schema``: close 紧密型,
led 领办型, alliance 联盟型, merged 融合型, district 学区); a profile says what each means, and a
province's profile changes it by ``extends:`` like any other section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from junheng.model.schema import ENUMS

__all__ = ["SHARES", "GroupType", "build_group_types", "declared_group_types"]

# What a group's schools may share, in the profile's words (code → zh, en).
SHARES: dict[str, tuple[str, str]] = {
    "management": ("管理", "management"),
    "teachers": ("师资", "teachers"),
    "curriculum": ("课程", "curriculum"),
    "research": ("教研", "research"),
    "funding": ("经费", "funding"),
    "facilities": ("场馆设施", "facilities"),
}
_KEYS = ("name", "name_en", "shares", "rotation", "form")


@dataclass(frozen=True)
class GroupType:
    """One type of school group: its words, what its schools share, and whether (and in which
    recorded form) the rotation planner may move teachers within it.

    Examples
    --------
    >>> t = GroupType("alliance", "联盟型", "alliance", ("curriculum", "research"), False, None)
    >>> t.shares_words("zh"), t.rotation
    ('课程、教研', False)
    """

    code: str
    name: str
    name_en: str
    shares: tuple[str, ...]
    rotation: bool  # the rotation planner may move teachers between its schools
    form: str | None  # the rotation_form recorded for such a move (集团内交流, 学区内交流)

    def words(self, lang: str = "zh") -> str:
        """The type's name in ``lang``."""
        return self.name if lang == "zh" else self.name_en

    def shares_words(self, lang: str = "zh") -> str:
        """What its schools share, in ``lang``: 管理、师资、课程、教研."""
        i = 0 if lang == "zh" else 1
        return ("、" if lang == "zh" else ", ").join(SHARES[s][i] for s in self.shares)


def build_group_types(section: Any) -> tuple[dict[str, GroupType], list[str]]:
    """The ``group_types:`` section as ``GroupType``s by code, and every problem with it
    (bilingual, all at once).

    >>> types, problems = build_group_types({"close": {"name": "紧密型", "name_en": "close",
    ...     "shares": ["teachers"], "rotation": True, "form": "group_exchange"}})
    >>> types["close"].form, problems
    ('group_exchange', [])
    >>> build_group_types({"loose": {}})[1][0]
    'group_types.loose: 不是集团类型代码 / not a group type code (close, led, alliance, merged, district)'
    """
    codes = ENUMS["group_type"].codes
    forms = ENUMS["rotation_form"].codes
    if not isinstance(section, dict):
        return {}, [f"group_types: 应为 类型代码: 设置 映射 / must map type codes to settings, "
                    f"got {section!r}"]
    out: dict[str, GroupType] = {}
    problems: list[str] = []
    for code, spec in section.items():
        where = f"group_types.{code}"
        if code not in codes:
            problems.append(f"{where}: 不是集团类型代码 / not a group type code "
                            f"({', '.join(codes)})")
            continue
        if not isinstance(spec, dict):
            problems.append(f"{where}: 应为映射 / must be a mapping, got {spec!r}")
            continue
        before = len(problems)
        problems += [f"{where}.{k}: 未知设置 / unknown setting (known: {', '.join(_KEYS)})"
                     for k in spec if k not in _KEYS]
        for key in ("name", "name_en"):
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                problems.append(f"{where}.{key}: 应为文字 / must be text, got "
                                f"{spec.get(key)!r}")
        shares = spec.get("shares")
        if not isinstance(shares, list) or not all(s in SHARES for s in shares):
            problems.append(f"{where}.shares: 应为 {' / '.join(SHARES)} 的列表 / must be a list "
                            f"of {', '.join(SHARES)}, got {shares!r}")
        rotation = spec.get("rotation")
        if not isinstance(rotation, bool):
            problems.append(f"{where}.rotation: 应为 true 或 false / must be true or false, got "
                            f"{rotation!r}")
        form = spec.get("form")
        if form is not None and form not in forms:
            problems.append(f"{where}.form: 应为交流形式代码或 null / must be a rotation form code "
                            f"({', '.join(forms)}) or null, got {form!r}")
        if rotation is True and form is None:
            problems.append(f"{where}.form: 允许交流（rotation: true）时应给出交流形式 / a type "
                            "that allows rotation needs the form its moves are recorded in")
        if len(problems) == before:
            out[code] = GroupType(code, spec["name"], spec["name_en"], tuple(shares),
                                  rotation, form)
    return out, problems


def declared_group_types(standard: Any) -> dict[str, GroupType]:
    """The group types of ``standard`` by code: its ``group_types:`` section, or quality-2017's
    when it declares none (basic-2012). ``junheng.plan.groups.group_types`` is this."""
    if standard.group_types:
        return dict(standard.group_types)
    from junheng.standards._profile import load_standard

    return dict(load_standard("quality-2017").group_types)
