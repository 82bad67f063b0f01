"""Values over time: one quantity's reported values (results.services.quantity_values) as an SVG scatter plot,
and a result's value with its unit as TeX for the page's KaTeX rendering.

`values_plot` computes the geometry; templates/web/values.html draws it, so Django escapes every label.
Coordinates are strings in the SVG's viewBox units, formatted here so no locale setting can touch them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from physlit.results.services import quantity_name as results_quantity_name

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT = 64, 16  # room for the y labels on the left, for the last x label on the right
TOP, BASELINE = 12, 264  # points lie between; year labels below
MAX_X_LABELS = 12
LOG_DECADES = 2  # a log axis once the plotted values span more than this many decades
MARKER = 5.0  # a marker's half size

KIND_LABELS = {
    "measurement": "measurement",
    "upper_bound": "upper bound",
    "lower_bound": "lower bound",
    "prediction": "prediction",
}


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- a result's value as TeX ------------------------------------------------------------------------------

_TEX = re.compile(r"[\\^_{}]")


def value_tex(value: str, unit: str = "") -> str:
    """`value` and `unit` for an element the page renders with KaTeX: math where either holds TeX
    ("0.824^{+0.015}_{-0.015}" -> "$0.824^{+0.015}_{-0.015}$", "M_\\odot" -> "$\\mathrm{M_\\odot}$"), plain
    text otherwise ("31.1 %"). Their own "$" are dropped first: a value cut out of "$H_0 = 73.2$" may hold
    one of a pair, and an unpaired "$" would swallow the rest of the row."""
    value, unit = value.replace("$", "").strip(), unit.replace("$", "").strip()
    if _TEX.search(value):
        value = f"${value}$"
    if _TEX.search(unit):
        # Upright, with its spaces kept ("km s^{-1}"): math mode would set "kms^{-1}" in italics; a "%"
        # would start a TeX comment.
        unit = "$\\mathrm{" + re.sub(r"\s+", r"\\ ", unit).replace("%", r"\%") + "}$"
    return f"{value} {unit}".strip()


def quantity_name(values: Sequence) -> str:
    """The name to head the page with (physlit.results.services.quantity_name of the values' names)."""
    return results_quantity_name(v.quantity for v in values)


# --- the plot ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    arxiv_id: str
    title: str
    published: date
    value: str  # verbatim, for the hover title
    unit: str
    kind: str  # measurement | upper_bound | lower_bound | prediction
    x: str
    y: str
    marker: str  # "circle" or "triangle"
    points: str  # a triangle's corners (▼ for an upper bound, ▲ for a lower bound); "" for a circle
    error_top: str  # the error bar's ends; "" without an error
    error_bottom: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Tick:
    at: str  # x for the date axis, y for the value axis
    label: str
    exponent: str = ""  # a log axis labels "10" with this exponent


@dataclass(frozen=True)
class ValuesPlot:
    points: list[Point]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    unit: str  # the most common unit of the values (the plotted ones have it); "" when dimensionless
    log: bool
    left_out: int  # values not plotted: another unit, no number, or no date
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    baseline: int = BASELINE
    label_y: int = BASELINE + 18
    y_label_x: int = LEFT - 6

    @property
    def unit_tex(self) -> str:
        return value_tex("", self.unit)


def values_plot(values: Sequence) -> ValuesPlot | None:
    """The plot of QuantityValue-like objects (arxiv_id, title, published, value, unit, kind, number, error),
    or None when none of them has a number and a date. Only values in the most common unit are plotted."""
    usable = [
        v for v in values if v.number is not None and v.published is not None and math.isfinite(v.number)
    ]
    if not usable:
        return None
    common = Counter(_unit_key(v.unit) for v in usable).most_common(1)[0][0]  # a tie: the first one seen
    plotted = [v for v in usable if _unit_key(v.unit) == common]
    unit = plotted[0].unit.strip()
    numbers = [v.number for v in plotted]
    positive = [n for n in numbers if n > 0]
    log = len(positive) == len(numbers) and max(numbers) / min(numbers) > 10**LOG_DECADES
    y_of, y_ticks = _y_axis(plotted, log)
    x_of, x_ticks = _x_axis([v.published for v in plotted])
    points = []
    for v in plotted:
        x, y = x_of(v.published), y_of(v.number)
        top = bottom = ""
        if v.error and v.error > 0 and math.isfinite(v.error):
            top = _n(y_of(v.number + v.error))
            low = v.number - v.error
            bottom = _n(y_of(low) if (low > 0 or not log) else BASELINE)
        if v.kind == "upper_bound":  # ▼: the value lies below
            corners = [(x - MARKER, y - MARKER), (x + MARKER, y - MARKER), (x, y + MARKER)]
        elif v.kind == "lower_bound":  # ▲
            corners = [(x - MARKER, y + MARKER), (x + MARKER, y + MARKER), (x, y - MARKER)]
        else:
            corners = []
        points.append(
            Point(
                arxiv_id=v.arxiv_id,
                title=v.title,
                published=v.published,
                value=v.value,
                unit=v.unit,
                kind=v.kind,
                x=_n(x),
                y=_n(y),
                marker="triangle" if corners else "circle",
                points=" ".join(f"{_n(a)},{_n(b)}" for a, b in corners),
                error_top=top,
                error_bottom=bottom,
            )
        )
    return ValuesPlot(
        points=points,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        unit=unit,
        log=log,
        left_out=len(values) - len(plotted),
    )


def _unit_key(unit: str) -> str:
    """Units written alike compare alike: "km s$^{-1}$ Mpc$^{-1}$", "\\mathrm{km\\,s^{-1}\\,Mpc^{-1}}" and
    "km/s/Mpc" are one unit."""
    text = re.sub(r"\\[,;:! ]|~|\\(?:mathrm|rm|text)\b|[\s${}]", "", unit).replace("−", "-")
    return re.sub(r"/([A-Za-z]+)", r"\1^-1", text)


def _x_axis(dates: list[date]):
    """x of a date, and year ticks (at most MAX_X_LABELS) or, within one year, the two ends' months."""
    first, last = min(dates).toordinal(), max(dates).toordinal()
    if last - first < 60:  # one date, or a few weeks: centre them in a span of a few months
        first, last = first - 45, last + 45
    span = last - first
    pad = (WIDTH - LEFT - RIGHT) * 0.04  # markers at the ends stay clear of the axes

    def x_of(day: date) -> float:
        return LEFT + pad + (WIDTH - LEFT - RIGHT - 2 * pad) * (day.toordinal() - first) / span

    years = [
        y for y in range(date.fromordinal(first).year + 1, date.fromordinal(last).year + 1) if y < 10000
    ]  # each year at its 1 January, where that falls inside the span
    if years:
        step = math.ceil(len(years) / MAX_X_LABELS)
        ticks = [Tick(at=_n(x_of(date(y, 1, 1))), label=str(y)) for y in years[::step]]
    else:  # no new year inside: the first and the last value's months
        ends = {d.strftime("%Y-%m"): d for d in (min(dates), max(dates))}
        ticks = [Tick(at=_n(x_of(d)), label=label) for label, d in ends.items()]
    return x_of, ticks


def _y_axis(plotted: Sequence, log: bool):
    """y of a number, and ticks: powers of ten on a log axis, round steps (1, 2, 5 × 10^k) on a linear one.
    The axis spans the values with their error bars."""
    lows = [v.number - (v.error or 0) for v in plotted]
    highs = [v.number + (v.error or 0) for v in plotted]
    if log:
        low = math.floor(math.log10(min(v.number for v in plotted)))
        high = math.ceil(math.log10(max(highs)))
        high = max(high, low + 1)

        def y_of(number: float) -> float:
            place = (math.log10(number) - low) / (high - low) if number > 0 else 0.0
            return BASELINE - (BASELINE - TOP) * min(max(place, 0.0), 1.0)

        step = math.ceil((high - low + 1) / 8)
        ticks = [Tick(at=_n(y_of(10.0**k)), label="10", exponent=str(k)) for k in range(low, high + 1, step)]
        return y_of, ticks
    low, high = min(lows), max(highs)
    if high == low:  # one value: a band around it
        margin = abs(high) * 0.1 or 1.0
        low, high = low - margin, high + margin
    step = _round_step((high - low) / 5)
    first, last = math.floor(low / step), math.ceil(high / step)  # the axis runs from tick to tick
    low, high = first * step, last * step

    def y_of(number: float) -> float:
        return BASELINE - (BASELINE - TOP) * (number - low) / (high - low)

    # k * step, not low + i * step: no "1e-17" where the axis crosses zero
    ticks = [Tick(at=_n(y_of(k * step)), label=f"{k * step:.6g}") for k in range(first, last + 1)]
    return y_of, ticks


def _round_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at least `raw`."""
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
