"""Where drills find runbooks and scenarios, and where they record: the ``drillbook`` plugin options.

The options live in mkdocs.yml (``plugins: - drillbook: {drill_log: ...}``), so the
site and the drill agree on one log. They are read with a YAML loader that
tolerates mkdocs.yml's ``!!python/name:`` and ``!ENV`` tags, and validated by the
plugin's own MkDocs config class.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from drillbook.drill.jail import JailOptions
from drillbook.drill.limits import Limits
from drillbook.errors import DrillbookError

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
PLUGIN_NAME = "drillbook"
SCENARIOS = "scenarios"


def in_scenario_folder(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies in a scenarios/ folder below ``folder``: such files are not runbooks."""
    try:
        parts = path.relative_to(folder).parts
    except ValueError:
        parts = path.parts
    return SCENARIOS in parts[:-1]


DEFAULT_INCLUDE = ("**/*.md",)
DEFAULT_EXCLUDE = ("**/README.md",)


def glob_pattern(glob: str) -> re.Pattern[str]:
    """A path glob as a regex on ``/``-separated relative paths: ``**/`` spans folders, ``*`` stays in one."""
    out = ""
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            out, index = out + "(?:.*/)?", index + 3
        elif glob.startswith("**", index):
            out, index = out + ".*", index + 2
        elif glob[index] == "*":
            out, index = out + "[^/]*", index + 1
        elif glob[index] == "?":
            out, index = out + "[^/]", index + 1
        else:
            out, index = out + re.escape(glob[index]), index + 1
    return re.compile(out + r"\Z")


def runbook_files(
    folder: Path, include: Sequence[str] = DEFAULT_INCLUDE, exclude: Sequence[str] = DEFAULT_EXCLUDE
) -> list[Path]:
    """The runbooks under ``folder``: files matching an ``include`` glob and no ``exclude`` glob
    (relative to ``folder``), except those of scenario folders."""
    included = [glob_pattern(glob) for glob in include]
    excluded = [glob_pattern(glob) for glob in exclude]
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).as_posix()
        if (
            path.is_file() and not in_scenario_folder(path, folder)
            and any(p.match(relative) for p in included) and not any(p.match(relative) for p in excluded)
        ):
            found.append(path)
    return sorted(found)


@dataclass(frozen=True)
class DrillSettings:
    root: Path  # the folder of mkdocs.yml: runbook paths in the log are relative to it
    runbooks_dir: Path
    drill_log: Path
    transcripts_dir: Path
    runbooks_include: tuple[str, ...] = DEFAULT_INCLUDE
    runbooks_exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    jail: JailOptions = JailOptions()
    config_file: str | None = None  # as messages name it

    def runbooks_in(self, folder: Path) -> list[Path]:
        """The runbooks under ``folder``, chosen by the site's include and exclude globs."""
        return runbook_files(folder, self.runbooks_include, self.runbooks_exclude)

    @property
    def scenarios_dir(self) -> Path:
        return self.runbooks_dir / SCENARIOS

    def shown(self, path: Path) -> str:
        """``path`` as the log and messages name it: relative to the root when inside it."""
        return shown_path(path, self.root)


def shown_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else absolute: how drillbook names files."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return str(resolved)


class _MkDocsYamlLoader(yaml.SafeLoader):
    """A safe loader that reads mkdocs.yml's tags without running anything."""


def _python_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None  # !!python/name:... names code for MkDocs; the drill does not need it


def _env_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    names = loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else [loader.construct_scalar(node)]
    *variables, default = names if len(names) > 1 else (*names, None)
    return next((os.environ[name] for name in variables if name in os.environ), default)


_MkDocsYamlLoader.add_multi_constructor("tag:yaml.org,2002:python/", _python_tag)
_MkDocsYamlLoader.add_constructor("!ENV", _env_tag)


def find_config(start: Path) -> Path | None:
    """The nearest mkdocs.yml in ``start`` or a folder above it."""
    for folder in (start.resolve(), *start.resolve().parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def read_mkdocs_config(config_file: Path) -> dict[str, Any]:
    """mkdocs.yml as written, its tags read without running anything ({} when it is empty)."""
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_MkDocsYamlLoader) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DrillbookError(f"YAML does not parse: {getattr(error, 'problem', error)}", str(config_file),
                             mark.line + 1 if mark else None) from None
    return config if isinstance(config, dict) else {}


def plugin_entries(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """Each entry of mkdocs.yml's ``plugins`` (a list or a mapping): its name and its options as written."""
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):
        return list(plugins.items())
    return [next(iter(entry.items())) if isinstance(entry, dict) and entry else (entry, None) for entry in plugins]


def plugin_options(config_file: Path) -> dict[str, Any]:
    """The ``drillbook`` entry of mkdocs.yml's ``plugins``, as written ({} when it has no options)."""
    for name, options in plugin_entries(read_mkdocs_config(config_file)):
        if name == PLUGIN_NAME:
            return dict(options or {})
    return {}


def plugin_config(config_file: Path | None) -> Any:
    """The plugin's options from ``config_file`` (its defaults without one), validated by the plugin's config class."""
    from drillbook.site.config import DrillbookConfig  # imports MkDocs; only when settings are read

    config = DrillbookConfig(config_file_path=str(config_file) if config_file else None)
    config.load_dict(plugin_options(config_file) if config_file else {})
    failed, _warnings = config.validate()
    if failed:
        key, error = failed[0]
        raise DrillbookError(f"plugins.{PLUGIN_NAME}.{key}: {error}", str(config_file))
    return config


def locate_config(config_file: Path | None = None, start: Path | None = None) -> tuple[Path | None, Path]:
    """The config file (``config_file``, else the nearest mkdocs.yml from ``start``) and the folder paths
    are relative to: the config file's, or ``start`` (default: the working folder) without one."""
    if config_file is not None and not config_file.is_file():
        raise DrillbookError("no such config file", str(config_file))
    config_file = config_file or find_config(start or Path.cwd())
    root = config_file.resolve().parent if config_file else (start or Path.cwd()).resolve()
    return config_file, root


def load_settings(config_file: Path | None = None, start: Path | None = None) -> DrillSettings:
    """Settings from ``config_file``, else the nearest mkdocs.yml from ``start`` (default: the working folder).

    Without any mkdocs.yml, the plugin's defaults apply relative to ``start``.
    """
    config_file, root = locate_config(config_file, start)
    config = plugin_config(config_file)
    return DrillSettings(
        root=root,
        runbooks_dir=root / config.runbooks_dir,
        drill_log=root / config.drill_log,
        transcripts_dir=root / config.transcripts_dir,
        runbooks_include=tuple(config.runbooks_include),
        runbooks_exclude=tuple(config.runbooks_exclude),
        jail=JailOptions(Limits(config.jail_memory, config.jail_processes, config.jail_sandbox_size),
                         tuple(config.jail_read_only)),
        config_file=str(config_file) if config_file else None,
    )


def check_jail_options(settings: DrillSettings) -> None:
    """DrillbookError unless every ``jail_read_only`` path exists on this machine (bwrap would refuse it) and
    shows nothing a jail must not (:func:`~drillbook.drill.jail.read_only_problem`)."""
    from drillbook.drill.jail import read_only_problem
    from drillbook.drill.sandbox import private_folders

    for path in settings.jail.read_only:
        problem = None if Path(path).exists() else f"{path} does not exist on this machine"
        problem = problem or read_only_problem(path, private_folders())
        if problem is not None:  # named as every other option's error names it
            raise DrillbookError(f"plugins.{PLUGIN_NAME}.jail_read_only: {problem}", settings.config_file)
