"""Every error junheng raises on purpose, in one module at the bottom of the package.

No layer imports upward for an exception: reading (``InputError``), profiles and settings
(``StandardError``) and planners (``InfeasiblePlan``, ``NoPlanFound``) all raise from here, and
the command line turns each into one bilingual message and its exit code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One input problem, located as the user sees it (sheet/file, spreadsheet row, column).

    ``row`` is the spreadsheet row number (header row = 1); ``None`` for table-level problems.
    """

    table: str
    row: int | None
    column: str | None
    value: str | None
    expected_zh: str
    expected_en: str

    def location(self) -> str:
        parts = [self.table]
        if self.row is not None:
            parts.append(f"第{self.row}行 row {self.row}")
        if self.column is not None:
            parts.append(self.column)
        return " · ".join(parts)

    def __str__(self) -> str:
        value = "（空 empty）" if self.value is None else repr(self.value)
        return (
            f"{self.location()} · 值 value {value}: "
            f"{self.expected_zh} / {self.expected_en}"
        )


class InputError(Exception):
    """The input is invalid. ``problems`` lists every problem; nothing was computed."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = problems
        self.warnings = warnings or []
        head = "\n".join(str(p) for p in problems[:20])
        more = f"\n… {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} input problem(s):\n{head}{more}")


class StandardError(Exception):
    """A standard profile, or a setting given on top of it, breaks a declared rule.

    ``problems`` holds one bilingual line per problem, all of them at once.
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class PlanError(Exception):
    """A planner could not return a plan; ``messages`` say why, as (zh, en) pairs."""

    def __init__(self, rule: str, messages: list[tuple[str, str]]) -> None:
        self.rule = rule
        self.messages = messages
        super().__init__("; ".join(en for _, en in messages))


class InfeasiblePlan(PlanError):
    """No plan can meet every rule: proven, not guessed. ``rule`` names the binding family
    (``share``, ``max_share`` …); the messages name the schools where known."""


class NoPlanFound(PlanError):
    """The time limit ran out before the solver found any plan. Not a proof that none exists:
    the messages give the limit and, where known, the best bound."""

    @classmethod
    def out_of_time(cls, county: str, seconds: float, what: tuple[str, str] = ("方案", "plan"),
                    proven: tuple[str, str] = ("", "")) -> NoPlanFound:
        """The one message every planner gives when its time ran out (``what``: the plan's
        name; ``proven``: what the solver proved meanwhile, if anything).

        >>> NoPlanFound.out_of_time("示例县", 30).messages[0][1]
        '示例县: no plan found within 30 s (which does not mean there is none); allow more time with --time-limit'
        """
        return cls("time_limit", [(
            f"{county}：{seconds:g} 秒内未找到{what[0]}（这不表示无解）{proven[0]}；"
            "请用 --time-limit 延长求解时间",
            f"{county}: no {what[1]} found within {seconds:g} s (which does not mean there is "
            f"none){proven[1]}; allow more time with --time-limit")])


class OutputError(Exception):
    """An output path cannot be used (it is the input, a folder where a file is expected, …).

    ``messages`` are (zh, en) pairs; found before anything is computed or written.
    """

    def __init__(self, messages: list[tuple[str, str]]) -> None:
        self.messages = messages
        super().__init__("; ".join(en for _, en in messages))
