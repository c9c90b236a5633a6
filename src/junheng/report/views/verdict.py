"""Why a county has no verdict yet (待完整评估), built once for every report."""

from __future__ import annotations

import polars as pl

from junheng.evaluate import Evaluation
from junheng.report.catalogue import Lang, t


def incomplete_reasons(evaluation: Evaluation, county: str, lang: Lang = "zh") -> list[str]:
    """Each reason ``county`` cannot be 'pass' yet: a part's items lacking data, veto
    conditions not declared, parts of the standard junheng does not compute. Each renderer
    joins them in its own sentence.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=12, seed=1)
    >>> incomplete_reasons(junheng.evaluate(junheng.load(path), "basic-2012"), "示例县", "en")[-1]
    "this standard's 县级人民政府推进义务教育均衡发展工作, 公众满意度 not computed; to be assessed separately"
    """
    parts = evaluation.parts.filter((pl.col("county") == county) & (pl.col("missing") > 0))
    reasons = [t("why_missing", lang, part=t(r["part"], lang), n=r["missing"])
               for r in parts.iter_rows(named=True)]
    undeclared = evaluation.vetoes.filter((pl.col("county") == county)
                                          & pl.col("present").is_null()).height
    if undeclared:
        reasons.append(t("why_vetoes", lang, n=undeclared))
    unmodelled = evaluation.standard.unmodelled_parts
    if unmodelled:
        reasons.append(t("why_unmodelled", lang,
                         parts=("、" if lang == "zh" else ", ").join(unmodelled)))
    return reasons
