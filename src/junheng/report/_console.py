"""The terminal every report prints to: text from the input can neither steer the terminal nor
break the printer."""

from __future__ import annotations

import os
from typing import Any

from rich.console import Console
from rich.errors import MarkupError
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
