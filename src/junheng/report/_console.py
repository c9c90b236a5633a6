"""The terminal every report prints to: text from the input can neither steer the terminal nor
break the printer."""

from __future__ import annotations

import os
import re
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape
from rich.text import Text

from junheng.report._clean import plain


class SafeConsole(Console):
    """A rich console that removes control and bidi characters from every string it renders
    (an escape sequence in a school's name could retitle or clear the terminal), shows emoji
    codes as typed, and prints a line whose markup is broken (``示例县[/]``) as plain text
    instead of failing.

    The printers still escape every input text they put into markup (``rich.markup.escape``):
    an unbalanced bracket is caught here, a balanced one (``[link=…]``) only there.

    Examples
    --------
    >>> import io
    >>> console = SafeConsole(file=io.StringIO(), width=40)
    >>> console.print("示例县\\x1b]0;title\\x07[/]")
    >>> console.file.getvalue()
    '示例县]0;title[/]\\n'
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("emoji", False)
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)

    def on_broken_pipe(self) -> None:
        """A reader who closed the pipe (``junheng evaluate … | head``) wanted less output, not
        a failed run: stop printing, and let the run finish and write its files."""
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.file.fileno())

    def render_str(self, text: str, **kwargs: Any) -> Text:
        text = plain(text)
        try:
            return super().render_str(text, **kwargs)
        except MarkupError:
            return super().render_str(text, **{**kwargs, "markup": False})


_TOKENS = re.compile(r"[A-Za-z0-9_.,/:~%+\\-]+|\s|.")
_NO_LINE_START = set("，。；：、）」』！？%")  # never at the start of a line (禁则)


def folded(text: str, width: int) -> str:
    """Chinese text broken into lines of ``width`` cells between any two characters, but never
    inside a run of Latin letters, digits or a path (``--keep /tmp/县.xlsx`` stays whole
    when it fits), and never before a closing punctuation mark: a terminal would otherwise
    break only at the spaces around a number, and leave "已有 3" alone on a line.

    >>> folded("数据中已有 3 个集团，请加 --keep a.xlsx", 20).splitlines()
    ['数据中已有 3 个集', '团，请加 --keep', 'a.xlsx']
    """
    lines: list[list[str]] = [[]]
    for token in _TOKENS.findall(text):
        line = lines[-1]
        if cell_len("".join(line) + token) <= width or not "".join(line).strip():
            line.append(token)
            continue
        carried: list[str] = []
        if token in _NO_LINE_START and len(line) > 1:
            carried = [line.pop()]  # the mark goes down with the character before it
        lines.append([*carried, *([] if token.isspace() else [token])])
    return "\n".join("".join(line).strip() for line in lines)


def print_plan_head(console: Console, title: str, plan: Any, zh: bool) -> None:
    """A plan's first lines in the terminal: its title, school year and standard, then its
    warnings in yellow (Chinese folded to the terminal's width, see ``folded``)."""
    console.print(f"[bold]{escape(title)}[/] · {plan.year}–{plan.year + 1} · "
                  f"{plan.before.standard.id}")
    for w_zh, w_en in plan.warnings:
        console.print(f"[yellow]{escape(folded(w_zh, console.width) if zh else w_en)}[/]")
