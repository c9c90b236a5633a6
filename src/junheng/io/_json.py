"""JSON as the data contract writes it: plain numbers, never NaN, Infinity or -0."""

from __future__ import annotations

import json
import math
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            return None  # undefined (a 0/0 share, an overflow): null, as the contract says
        return value + 0.0  # -0.0 + 0.0 is 0.0
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def dumps(data: Any, indent: int | None = 2) -> str:
    """``data`` as JSON text: non-finite numbers become null and -0.0 becomes 0.0.

    >>> dumps({"cv": float("inf"), "gap": -0.0, "name": "示例县"}, indent=None)
    '{"cv": null, "gap": 0.0, "name": "示例县"}'
    """
    return json.dumps(_plain(data), ensure_ascii=False, indent=indent, allow_nan=False)
