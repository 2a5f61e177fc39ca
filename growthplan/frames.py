"""DataFrames at the edge: one way to hand a table's rows to JSON (API responses)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as plain dicts, NaN as None (JSON null, never the invalid NaN)."""
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
        for r in table.astype(object).to_dict("records")
    ]
