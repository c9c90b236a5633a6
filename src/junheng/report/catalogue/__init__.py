"""Every word a report shows, Chinese first and English second, by domain.

Each module holds one domain's ``TEXT`` (key → (zh, en)); :func:`t` looks a key up in all of
them. A key belongs to one domain only (a test checks), so two reports never disagree on a word.
"""

from __future__ import annotations

from typing import Literal

from junheng._english import mend_plurals
from junheng.report.catalogue import (
    common,
    excel,
    html,
    projection,
    rectification,
    school_page,
    word,
)

Lang = Literal["zh", "en"]

DOMAINS = {"common": common.TEXT, "rectification": rectification.TEXT, "excel": excel.TEXT,
           "html": html.TEXT, "word": word.TEXT, "school_page": school_page.TEXT,
           "projection": projection.TEXT}

TEXT: dict[str, tuple[str, str]] = {}
for _words in DOMAINS.values():
    TEXT.update(_words)


def t(key: str, lang: Lang, **kwargs: object) -> str:
    """The word or sentence ``key`` in ``lang``, formatted with ``kwargs``.

    >>> t("verdict", "zh"), t("verdict", "en")
    ('结论', 'Verdict')
    """
    zh, en = TEXT[key]
    if lang == "zh":
        return zh.format(**kwargs) if kwargs else zh
    return mend_plurals(en.format(**kwargs)) if kwargs else en


def plural(n: int, one: str, many: str) -> str:
    """English number agreement: ``plural(1, "teacher", "teachers")`` → ``"1 teacher"``.

    >>> plural(1, "item", "items"), plural(3, "item", "items")
    ('1 item', '3 items')
    """
    return f"{n:,} {one if n == 1 else many}"
