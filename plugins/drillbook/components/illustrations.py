"""The lesson illustrations: comparison map, linear flow and checklist."""

from __future__ import annotations

from drillbook.components import Color, Options, Size, component


class Connection(Options):
    left: str
    right: str
    icon: str = ""


@component("illustration-comparison-map", "comparison_map.html")
class ComparisonMap(Options):
    leftTitle: str
    rightTitle: str
    leftColor: Color = "blue"
    rightColor: Color = "rose"
    connections: list[Connection]
    footnote: str = ""


class FlowStep(Options):
    label: str
    sublabel: str = ""
    icon: str = ""
    color: Color = "blue"


@component("illustration-linear-flow", "linear_flow.html")
class LinearFlow(Options):
    steps: list[FlowStep]
    size: Size = "full"


class ChecklistItem(Options):
    text: str
    icon: str = "✅"


@component("illustration-checklist", "checklist.html")
class Checklist(Options):
    title: str
    items: list[ChecklistItem]
    note: str = ""
    color: Color = "emerald"
    size: Size = "md"
