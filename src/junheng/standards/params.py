"""Declared settings: one small vocabulary for every value a profile or a user gives.

A setting is declared once, as a ``Param`` (kind, range or choices, default, what it means in
Chinese and English); a planner's rules are a frozen dataclass of such settings (``Rules``).
From that one declaration come the checks (every problem at once, bilingual), the command-line
options (``junheng plan KIND --share …``), the rows ``junheng standards`` shows, and later the
web forms. Nothing checks a setting by hand elsewhere. scikit-learn's ``_param_validation`` is
the model.

Examples
--------
>>> p = Param("share", "交流比例", "share rotated", "share", 0.1)
>>> p.problem(0.15) is None
True
>>> p.problem(1.5)
'share: 应在 0–1 之间 / must be within 0–1, got 1.5'
>>> p.show(0.15, "zh")
'15%'

A choice is given by its code or by its Chinese word (``--type 紧密型`` is ``--type close``):

>>> kind = Param("group_type", "集团类型", "group type", "choice", "led",
...              choices=("close", "led"), labels={"close": "紧密型", "led": "领办型"})
>>> kind.coerce(" 紧密型 "), kind.problem("紧密型") is None, kind.problem("松散型")
('close', True, "group_type: 应为 紧密型 / 领办型 之一（或代码 close / led） / must be one of close, led, got '松散型'")
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from junheng.errors import StandardError

# int/number: a whole number / any finite number within [low, high]; share: a number in 0–1;
# bool; choice: one of ``choices``; choices: a list of them; ids: a list of text ids;
# ages: {male: age, female: age}; file: the path of an input file (``of`` names its table:
# ``groups``), read by the planner and protected from being overwritten like the input.
Kind = Literal["int", "number", "share", "bool", "choice", "choices", "ids", "ages", "file"]


@dataclass(frozen=True)
class Param:
    """One setting: what it is, what it may be, and what it means."""

    name: str
    zh: str  # what it means, in Chinese
    en: str  # and in English
    kind: Kind
    default: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # low < value (else low ≤ value)
    choices: tuple[str, ...] = ()
    labels: Mapping[str, str] | None = None  # Chinese words for the choices
    nullable: bool = False  # null switches the setting off
    unit: tuple[str, str] = ("", "")
    cli: bool = True  # offered as a command-line option
    flag: str | None = None  # the option's name; default --name-with-dashes
    of: str = ""  # ids: what they name (school, teacher), to find their column in a file
    required: bool = False  # null in the profile means "not given": each run must give it

    @property
    def option(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    def label(self, lang: str = "zh") -> str:
        """What the setting means as a form shows it: words, without a parenthesis that
        names the profile's codes ("（标准的 group_types: 中的代码）").

        >>> Param("t", "集团类型（标准的 group_types: 中的代码）", "type (a code of x:)",
        ...       "choice").label()
        '集团类型'
        """
        text = self.zh if lang == "zh" else self.en
        return re.sub(r"\s*[（(][^）)]*[A-Za-z_]+:[^）)]*[）)]", "", text)

    def normalise(self, value: Any) -> Any:
        """A choice given by its Chinese word (or with stray spaces) as its code; anything
        else unchanged. The one place choices are read, for the profile, the command line and
        the web form alike."""
        if self.kind == "choice" and isinstance(value, str):
            return self._code(value)
        if self.kind == "choices" and isinstance(value, list | tuple):
            return type(value)(self._code(v) if isinstance(v, str) else v for v in value)
        return value

    def _code(self, text: str) -> str:
        text = text.strip()
        if text in self.choices:
            return text
        words = {w: c for c, w in (self.labels or {}).items() if c in self.choices}
        return words.get(text, text)

    def expected(self, form: bool = False) -> tuple[str, str]:
        """What a valid value is, in Chinese and English; ``form``: as a form's help says it
        (off switches the setting off, not the profile's null)."""
        off = ("", "") if not self.nullable or self.required else (OFF_FORM if form else OFF)
        if self.kind in ("int", "number", "share"):
            low, high = (0.0, 1.0) if self.kind == "share" else (self.low, self.high)
            if self.kind == "share" and self.low is not None:
                low = self.low
            word = ("整数", "a whole number") if self.kind == "int" else ("数", "a number")
            if low is not None and high is not None:
                left = "(" if self.low_open else "["
                zh = f"应在 {_num(low)}–{_num(high)} 之间" if not self.low_open else \
                    f"应在 {left}{_num(low)}, {_num(high)}] 之间"
                en = f"must be within {_num(low)}–{_num(high)}" if not self.low_open else \
                    f"must be within {left}{_num(low)}, {_num(high)}]"
                if self.kind == "int":
                    zh, en = f"{zh}的整数", f"{en}, a whole number"
            elif low is not None:
                sign = ">" if self.low_open else "≥"
                zh, en = f"应为 {sign} {_num(low)} 的{word[0]}", f"must be {word[1]} {sign} {_num(low)}"
            else:
                zh, en = f"应为{word[0]}", f"must be {word[1]}"
            return zh + off[0], en + off[1]
        if self.kind == "bool":
            return "应为 true 或 false", "must be true or false"
        if self.kind in ("choice", "choices"):
            labels = self.labels or {}
            named = all(c in labels for c in self.choices)
            zh = " / ".join(labels[c] if named else c for c in self.choices)
            codes = f"（或代码 {' / '.join(self.choices)}）" if named else ""
            en = ", ".join(self.choices)
            if self.kind == "choice":
                return f"应为 {zh} 之一{codes}{off[0]}", f"must be one of {en}{off[1]}"
            return f"应为 {zh} 的列表{codes}", f"must be a list of {en}"
        if self.kind == "ids":
            return "应为编号列表", "must be a list of ids"
        if self.kind == "file":
            return "应为文件路径" + off[0], "must be a file's path" + off[1]
        return ("应为 {male: 年龄, female: 年龄}（16–70 岁）" + off[0],
                "must be {male: age, female: age} (16–70)" + off[1])

    def problem(self, value: Any) -> str | None:
        """The bilingual problem with ``value``, or None when it is valid."""
        if value is None and self.nullable:
            return None
        if _valid(self, self.normalise(value)):
            return None
        zh, en = self.expected()
        return f"{self.name}: {zh} / {en}, got {value!r}"

    def coerce(self, value: Any) -> Any:
        """The checked value in its typed form (lists become tuples, whole floats ints)."""
        if value is None:
            return None
        value = self.normalise(value)
        if self.kind in ("choices", "ids"):
            return tuple(str(v) for v in value)
        if self.kind == "ages":
            return dict(sorted(value.items()))
        if self.kind == "int":
            return int(value)
        if self.kind in ("number", "share"):
            return float(value)
        return value

    def show(self, value: Any, lang: str = "zh") -> str:
        """The value as people read it (15%, 6 年, 否, 城区、镇区)."""
        zh = lang == "zh"
        if value is None:
            if self.required:
                return "未给出" if zh else "not given"
            return "—" if self.kind == "file" else "不限" if zh else "off"
        if self.kind == "share":
            return f"{value:.0%}" if round(value * 100, 9) == round(value * 100) else \
                f"{value:.1%}"
        if self.kind == "bool":
            return ("是" if value else "否") if zh else ("yes" if value else "no")
        if self.kind in ("choice", "choices"):
            items = [value] if self.kind == "choice" else list(value)
            words = [self.labels.get(v, v) if (zh and self.labels) else v for v in items]
            return ("、" if zh else ", ").join(words) or "—"
        if self.kind == "ids":
            return ("、" if zh else ", ").join(value) or "—"
        if self.kind == "file":
            return str(value)
        if self.kind == "ages":
            names = {"male": ("男", "men"), "female": ("女", "women")}
            return ("，" if zh else ", ").join(
                f"{names[g][0 if zh else 1]} {a}" for g, a in value.items())
        unit = self.unit[0 if zh else 1]
        return f"{_num(value)}{(' ' + unit) if unit else ''}"


# How a nullable setting is switched off: in a profile (null), and in a form (off).
OFF = ("，或 null（不限）", ", or null (off)")
OFF_FORM = ("，或填 off（不限）", ", or off (no limit)")


def _num(value: float) -> str:
    return f"{value:g}"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(value)


def _valid(p: Param, value: Any) -> bool:
    if p.kind in ("int", "number", "share"):
        if not _number(value) or (p.kind == "int" and value != int(value)):
            return False
        low = p.low if p.low is not None else (0.0 if p.kind == "share" else None)
        high = p.high if p.high is not None else (1.0 if p.kind == "share" else None)
        if low is not None and (value <= low if p.low_open else value < low):
            return False
        return high is None or value <= high
    if p.kind == "bool":
        return isinstance(value, bool)
    if p.kind == "choice":
        return value in p.choices
    if p.kind == "choices":
        return isinstance(value, list | tuple) and all(v in p.choices for v in value)
    if p.kind == "ids":
        return isinstance(value, list | tuple) and all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value)
    if p.kind == "file":
        return isinstance(value, str) and value.strip() != ""
    if p.kind == "ages":
        return isinstance(value, dict) and set(value) <= {"male", "female"} and all(
            isinstance(a, int) and not isinstance(a, bool) and 16 <= a <= 70
            for a in value.values())
    return False


def param(default: Any, zh: str, en: str, kind: Kind, **declared: Any) -> Any:
    """A dataclass field declared as a setting: ``share: float = param(0.1, "交流比例", …)``."""
    metadata = {"param": {"zh": zh, "en": en, "kind": kind, "default": default, **declared}}
    if isinstance(default, dict):  # a mutable default: each instance gets its own copy
        return dataclasses.field(default_factory=lambda: dict(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Rules:
    """A planner's rules: a frozen dataclass whose every field is declared with ``param``.

    ``SECTION`` names the profile section the values come from (``rotation:``). Subclasses may
    add cross-field checks in ``_problems``.
    """

    SECTION: ClassVar[str] = ""
    TITLE: ClassVar[tuple[str, str]] = ("", "")  # what is planned, zh and en

    @classmethod
    def params(cls) -> tuple[Param, ...]:
        """The declared settings, in declaration order."""
        return tuple(Param(name=f.name, **f.metadata["param"])
                     for f in dataclasses.fields(cls) if "param" in f.metadata)

    @classmethod
    def build(cls, section: Mapping[str, Any] | None = None, **overrides: Any) -> Self:
        """The rules from a profile's section, then ``overrides`` (``None`` switches a
        nullable setting off, as ``null`` does in a profile).

        Raises ``StandardError`` listing every value that breaks its declaration.
        """
        data = dict(section or {})
        data.update(overrides)
        declared = {p.name: p for p in cls.params()}
        problems = [f"{cls.SECTION}.{k}: 未知参数 / unknown setting" for k in data
                    if k not in declared]
        values = {}
        for name, value in data.items():
            if name not in declared:
                continue
            problem = declared[name].problem(value)
            if problem:
                problems.append(f"{cls.SECTION}.{problem}")
            else:
                values[name] = declared[name].coerce(value)
        if problems:
            raise StandardError(problems)
        rules = cls(**values)
        problems = [f"{cls.SECTION}.{p}" for p in rules._problems()]
        if problems:
            raise StandardError(problems)
        return rules

    def _problems(self) -> list[str]:
        """Checks across settings (one setting's range is its own ``Param``'s)."""
        return []

    def replace(self, **overrides: Any) -> Self:
        """These rules with ``overrides`` applied and checked again."""
        return type(self).build(self.as_dict(), **overrides)

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain data (tuples as lists), for JSON and for ``build``."""
        return {p.name: (list(v) if isinstance(v := getattr(self, p.name), tuple) else v)
                for p in self.params()}
