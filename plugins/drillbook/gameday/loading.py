"""Where game days are and how their runbooks are found: ``runbooks/gamedays/NAME.yml``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath

from drillbook.drill.log import check_recordable_path
from drillbook.drill.models import Runbook
from drillbook.drill.parsing import parse_runbook
from drillbook.drill.settings import DrillSettings, glob_pattern, in_scenario_folder
from drillbook.errors import DrillbookError
from drillbook.gameday.model import GameDay
from drillbook.gameday.parsing import GAMEDAYS, SUFFIX, parse_gameday
from drillbook.yaml_source import read_text


def gamedays_dir(settings: DrillSettings) -> Path:
    return settings.runbooks_dir / GAMEDAYS


def gameday_files(settings: DrillSettings) -> list[Path]:
    """Every game day file, sorted by path."""
    folder = gamedays_dir(settings)
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob(f"*{SUFFIX}") if path.is_file())


def in_gamedays_folder(path: Path, runbooks_dir: Path) -> bool:
    """Whether ``path`` lies in the game days folder: such files are never runbooks."""
    try:
        parts = path.relative_to(runbooks_dir).parts
    except ValueError:
        return False
    return GAMEDAYS in parts[:1]


def find_gameday(settings: DrillSettings, name: str) -> Path:
    """The file of the game day ``name`` (``cve`` or ``runbooks/gamedays/cve.yml``); DrillbookError if none."""
    given = Path(name)
    if given.suffix == SUFFIX and given.is_file():
        return given
    path = gamedays_dir(settings) / f"{name.removesuffix(SUFFIX)}{SUFFIX}"
    if "/" in name.removesuffix(SUFFIX) or not path.is_file():
        known = ", ".join(p.name.removesuffix(SUFFIX) for p in gameday_files(settings)) or "none"
        raise DrillbookError(f"no game day '{name}' in {settings.shown(gamedays_dir(settings))}/ (known: {known})")
    return path


def load_gameday(path: Path, settings: DrillSettings) -> GameDay:
    """Parse and check the game day at ``path``, its runbooks bound with its values."""
    check_recordable_path(settings.shown(path))
    text = read_text(path, settings.shown(path))
    return parse_gameday(text, settings.shown(path), lambda name, values: load_gameday_runbook(name, values, settings))


def load_gameday_runbook(name: str, values: dict[str, str], settings: DrillSettings) -> Runbook:
    """The runbook a game day names (``hotfix-lane`` for runbooks/hotfix-lane.md), parsed with ``values`` bound.

    DrillbookError without a path when the name is not a runbook of this site.
    """
    relative = PurePosixPath(name if name.endswith(".md") else f"{name}.md")
    if not name.strip() or "\\" in name or relative.is_absolute() or ".." in relative.parts or "." in relative.parts:
        raise DrillbookError("expected a runbook's path under the runbooks folder without '..', like 'hotfix-lane'")
    folder = settings.runbooks_dir.resolve()
    path = folder / relative
    shown = _shown_unresolved(settings, settings.runbooks_dir / relative)
    if in_gamedays_folder(path, folder) or in_scenario_folder(path, folder):
        raise DrillbookError("is not a runbook: game days and scenario files cannot be drilled as runbooks")
    if not path.is_file():
        raise DrillbookError(f"no such runbook: {shown}")
    if folder not in path.resolve().parents:
        raise DrillbookError(f"{shown} leads outside {settings.shown(folder)}/ (a symbolic link)")
    posix = relative.as_posix()
    if not any(glob_pattern(glob).match(posix) for glob in settings.runbooks_include) or any(
        glob_pattern(glob).match(posix) for glob in settings.runbooks_exclude
    ):
        raise DrillbookError(f"{shown} is not a runbook of this site (see runbooks_include and runbooks_exclude)")
    check_recordable_path(shown)
    return in_gameday(parse_runbook(read_text(path, shown), shown, values))


def in_gameday(runbook: Runbook) -> Runbook:
    """The runbook as a game day drills it: without the blocks marked ``gameday=skip``.

    Such a block stands in for what another runbook does (a hidden hotfix before a
    backport); in a game day, that runbook has run before it.
    """
    return replace(runbook, steps=tuple(step for step in runbook.steps if step.block.options.in_gameday))


def _shown_unresolved(settings: DrillSettings, path: Path) -> str:
    """``path`` from the root as written, its links not followed (the log names runbooks so)."""
    try:
        return path.relative_to(settings.root).as_posix()
    except ValueError:
        return settings.shown(path)
