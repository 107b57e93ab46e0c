"""A drill's scenario: the folder whose ``setup.sh`` builds the fake production, and its ``scenario.yml``.

Kept apart from the sandbox, which runs scenarios, so the site build can check that a
runbook's scenario exists without loading what runs drills.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drillbook.errors import DrillbookError

SCENARIO_SETTINGS = "scenario.yml"
SCENARIO_KEYS = ("snapshot",)


@dataclass(frozen=True)
class Scenario:
    """A folder ``runbooks/scenarios/NAME/`` whose ``setup.sh`` builds the fake production.

    ``snapshot`` (``scenario.yml``'s ``snapshot:``, default true): whether drills of one
    run may start from copies of one build instead of running ``setup.sh`` each.
    """

    name: str
    directory: Path
    snapshot: bool = True

    @property
    def setup_script(self) -> Path:
        return self.directory / "setup.sh"

    @property
    def settings_file(self) -> Path:
        return self.directory / SCENARIO_SETTINGS


def known_scenarios(scenarios_dir: Path) -> list[str]:
    if not scenarios_dir.is_dir():
        return []
    return sorted(path.parent.name for path in scenarios_dir.glob("*/setup.sh"))


def find_scenario(scenarios_dir: Path, name: str) -> Scenario:
    """The scenario ``name``; DrillbookError (no location) when it has no setup.sh."""
    scenario = Scenario(name, scenarios_dir / name)
    if not scenario.setup_script.is_file():
        known = ", ".join(known_scenarios(scenarios_dir)) or "none"
        raise DrillbookError(f"drill.scenario: no scenario '{name}': {scenario.setup_script} does not exist (known: {known})")
    real, folder = scenario.directory.resolve(), scenarios_dir.resolve()
    if folder not in real.parents:  # the jail shows the scenario's folder: a link could show it any host folder
        raise DrillbookError(f"drill.scenario: the scenario '{name}' is a link out of {scenarios_dir} (to {real}): "
                             "a drill's jail shows only a scenario that is in that folder")
    if scenario.settings_file.exists():
        return Scenario(name, scenario.directory, **read_scenario_settings(scenario.settings_file))
    return scenario


def read_scenario_settings(path: Path) -> dict[str, Any]:
    """The settings of a ``scenario.yml``; DrillbookError naming its path and line when they are wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DrillbookError(f"cannot read: {getattr(error, 'strerror', None) or error}", str(path)) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DrillbookError(f"YAML does not parse: {_yaml_problem(error)}", str(path),
                             mark.line + 1 if mark else None) from None
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise DrillbookError(f"expected a mapping of settings (known: {', '.join(SCENARIO_KEYS)}), like 'snapshot: false'",
                             str(path), node.start_mark.line + 1)
    settings: dict[str, Any] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or key_node.value not in SCENARIO_KEYS:
            shown = f"'{key_node.value}'" if isinstance(key_node, yaml.ScalarNode) else "that is a list or mapping"
            raise DrillbookError(f"unknown key {shown} (known: {', '.join(SCENARIO_KEYS)})", str(path), line)
        key = key_node.value
        if key in settings:
            raise DrillbookError(f"'{key}' is set twice", str(path), line)
        value_line = value_node.start_mark.line + 1
        if not isinstance(value_node, yaml.ScalarNode):
            raise DrillbookError(f"{key}: expected true or false, got a list or mapping", str(path), value_line)
        try:
            value = yaml.SafeLoader("").construct_object(value_node)
        except yaml.YAMLError as error:  # a tag the safe loader does not know
            raise DrillbookError(f"YAML does not parse: {_yaml_problem(error)}", str(path), value_line) from None
        if not isinstance(value, bool):
            shown = "nothing" if value is None else repr(value)
            raise DrillbookError(f"{key}: expected true or false, got {shown}", str(path), value_line)
        settings[key] = value
    return settings


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What PyYAML says is wrong, without its excerpt of the file: "expected a single document…; but found…"."""
    said = [getattr(error, "context", None), getattr(error, "problem", None)]
    return "; ".join(part for part in said if part) or str(error)
