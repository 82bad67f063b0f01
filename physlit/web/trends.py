"""Trend charts: papers per month (corpus.selectors.papers_per_month) laid out as an SVG bar chart.

`trend_chart` computes the geometry; templates/web/_trend.html draws it, so Django escapes every label.
Coordinates are strings in the SVG's viewBox units, formatted here so no locale setting can touch them.
"""

from dataclasses import dataclass
from math import ceil

WIDTH, HEIGHT = 720, 172
SIDE = 16  # room either side for the first and last labels
TOP, BASELINE = 8, 148  # bars stand between; month or year labels below
MAX_LABELS = 12


@dataclass(frozen=True)
class Bar:
    month: str  # "2024-05"
    count: int
    x: str
    y: str
    width: str
    height: str
    slot_x: str  # the whole column: hovering anywhere above a month shows its count
    slot_width: str


@dataclass(frozen=True)
class Tick:
    x: str
    label: str


@dataclass(frozen=True)
class TrendChart:
    bars: list[Bar]
    ticks: list[Tick]
    total: int
    peak: int
    peak_month: str
    width: int = WIDTH
    height: int = HEIGHT
    top: int = TOP
    baseline: int = BASELINE
    plot_height: int = BASELINE - TOP
    label_y: int = BASELINE + 16

    @property
    def first(self) -> str:
        return self.bars[0].month

    @property
    def last(self) -> str:
        return self.bars[-1].month


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def trend_chart(months: list[tuple[str, int]]) -> TrendChart | None:
    """The chart of [("2024-05", 12), ...] (consecutive months, oldest first); None when there are none."""
    if not months:
        return None
    slot = (WIDTH - 2 * SIDE) / len(months)
    gap = slot * 0.2 if slot >= 4 else 0.0  # thin bars touch rather than vanish
    peak_month, peak = max(months, key=lambda m: m[1])
    bars = []
    for i, (month, count) in enumerate(months):
        height = (BASELINE - TOP) * count / peak if peak else 0.0
        left = SIDE + i * slot
        bars.append(
            Bar(
                month=month,
                count=count,
                x=_n(left + gap / 2),
                y=_n(BASELINE - height),
                width=_n(slot - gap),
                height=_n(height),
                slot_x=_n(left),
                slot_width=_n(slot),
            )
        )
    return TrendChart(
        bars=bars,
        ticks=_ticks(months, slot),
        total=sum(c for _, c in months),
        peak=peak,
        peak_month=peak_month,
    )


def _ticks(months: list[tuple[str, int]], slot: float) -> list[Tick]:
    """Every month's label for a year or less; otherwise the years at their Januaries, at most MAX_LABELS."""
    if len(months) <= MAX_LABELS:
        marks = [(i, month) for i, (month, _) in enumerate(months)]
    else:
        januaries = [(i, month[:4]) for i, (month, _) in enumerate(months) if month.endswith("-01")]
        marks = januaries[:: ceil(len(januaries) / MAX_LABELS)]
    return [Tick(x=_n(SIDE + (i + 0.5) * slot), label=label) for i, label in marks]
