"""Chart data for the templates: what Chart.js draws (through json_script) and the rows of
the table that says the same thing in text. Pure: no Django."""

from collections.abc import Sequence
from decimal import Decimal


def _number(value) -> float:
    return float(value) if isinstance(value, Decimal) else value


def chart(
    axis: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence]],
    right_axis: Sequence[str] = (),
) -> dict:
    """{"axis", "labels", "series": [{"label", "values", "axis"}], "rows": [(label,
    [values])]}. Series named in `right_axis` get their own scale on the right ("y2"), so a
    series of tens is not flattened against one of thousands."""
    values = [[_number(v) for v in vs] for _, vs in series]
    return {
        "axis": axis,
        "labels": list(labels),
        "series": [
            {"label": name, "values": vs, "axis": "y2" if name in right_axis else "y"}
            for (name, _), vs in zip(series, values, strict=True)
        ],
        "rows": [(label, [_fmt(vs[i]) for vs in values]) for i, label in enumerate(labels)],
    }


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def xp_per_day(daily_xp) -> dict:
    return chart(
        "Day",
        [day.strftime("%a %d %b") for day, _ in daily_xp],
        [("XP", [xp for _, xp in daily_xp])],
    )
