"""Pure parsing of game day files: ``runbooks/gamedays/NAME.yml`` to a :class:`GameDay`.

Everything is checked before anything runs: unknown keys, wrong types, an empty
``steps:``, a runbook that is not one (outside the runbooks folder, a game day, a
scenario file, missing, nothing drilled), a runbook drilled against another scenario,
placeholders no value binds, values nothing uses, and a ``break:`` that names no step.
Each problem is a :class:`~drillbook.errors.DrillbookError` naming the file and line.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, Callable

import yaml

from drillbook.drill.models import BlockOptions, CodeBlock, DrillSpec, Runbook
from drillbook.drill.parsing import SCENARIO_NAME, VAR_KEY, bind_placeholders, parse_timeout
from drillbook.shell_context import UPPER_PLACEHOLDER
from drillbook.errors import DrillbookError, quote
from drillbook.gameday.model import DEFAULT_EVENT_TIMEOUT_S, BreakPoint, Event, GameDay, GameDayStep, RunbookStep
from drillbook.yaml_source import compose, line_of, load_mapping

GAMEDAYS = "gamedays"  # the folder under the runbooks folder
SUFFIX = ".yml"
GAMEDAY_KEYS = ("title", "scenario", "vars", "steps", "break")
EVENT_KEYS = ("run", "title", "timeout")
RUNBOOK_KEYS = ("runbook", "recover")
# A story, not a test suite: more steps than this is refused before anything runs.
MAX_STEPS = 100
MAX_TITLE = 200
DEFAULT_SCENARIO = "default"

# Reads a runbook for a game day: (name as written, values the game day binds) -> the runbook.
RunbookLoader = Callable[[str, dict[str, str]], Runbook]


def parse_gameday(text: str, path: str, load_runbook: RunbookLoader) -> GameDay:
    """The game day in ``text`` (the file ``path``); every error names ``path`` and the line,
    or the runbook's own file and line when the problem is in the runbook."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return _GameDayReader(text, path, load_runbook).read()
    except DrillbookError as error:
        raise error.located(path=error.path or path) from None


def gameday_name(path: Path) -> str:
    return path.name.removesuffix(SUFFIX)


class _GameDayReader:
    def __init__(self, text: str, path: str, load_runbook: RunbookLoader) -> None:
        self.text = text
        self.path = path
        self.load_runbook = load_runbook
        self.vars: dict[str, str] = {}
        self.steps_seen = 0
        self.used: set[str] = set()  # the values some event or runbook uses

    def line(self, *loc: str | int) -> int:
        return line_of(self.text, loc)

    def read(self) -> GameDay:
        data = load_mapping(self.text, "game day")
        self._known_keys(data, GAMEDAY_KEYS, ())
        title = self._title(data, ())
        scenario = data.get("scenario", DEFAULT_SCENARIO)
        if not isinstance(scenario, str) or not SCENARIO_NAME.match(scenario):
            raise DrillbookError(f"scenario: expected the name of a folder under runbooks/scenarios/, got {quote(scenario)}",
                                 line=self.line("scenario"))
        self.vars = self._vars(data.get("vars"))
        if "steps" not in data:
            raise DrillbookError("steps: missing: list what happens, like '- run: …' and '- runbook: NAME'", line=1)
        steps = self._steps(data["steps"], ("steps",), scenario, allow_recover=True)
        gameday = GameDay(self.path, gameday_name(PurePosixPath(self.path)), title, scenario, self.vars, steps)
        self._check_vars_used(gameday)
        if "break" in data:
            where = data["break"]
            if not isinstance(where, str):
                raise DrillbookError(f"break: expected RUNBOOK:STEP, like 'hotfix-lane:Deploy', got {quote(where)}",
                                     line=self.line("break"))
            try:
                gameday = gameday.with_break(find_break(gameday, where))
            except DrillbookError as error:
                raise DrillbookError(f"break: {error.message}", line=self.line("break")) from None
        return gameday

    def _known_keys(self, data: dict[str, Any], known: tuple[str, ...], loc: tuple[str | int, ...]) -> None:
        for key in data:
            if key not in known:
                what = f"{_where(loc)}: unknown key" if loc else "unknown key"
                raise DrillbookError(f"{what} '{key}' (known: {', '.join(known)})", line=self.line(*loc, key))

    def _title(self, data: dict[str, Any], loc: tuple[str | int, ...], default: str | None = None) -> str:
        if "title" not in data:
            if default is not None:
                return default
            raise DrillbookError("title: missing: name the incident this game day plays, like 'title: Bad deploy of checkout'",
                                 line=1)
        title = data["title"]
        if not isinstance(title, str) or not title.strip():
            raise DrillbookError(f"{_where((*loc, 'title'))}: expected text, got {quote(title)}", line=self.line(*loc, "title"))
        if len(title) > MAX_TITLE or any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in title):
            raise DrillbookError(
                f"{_where((*loc, 'title'))}: expected one line of at most {MAX_TITLE} characters, without control characters",
                line=self.line(*loc, "title"))
        return title.strip()

    def _vars(self, raw: Any) -> dict[str, str]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise DrillbookError("vars: expected a mapping of placeholder to text, like '\"<INCIDENT_ID>\": INC-1'",
                                 line=self.line("vars"))
        bound: dict[str, str] = {}
        for key, value in raw.items():
            where = self.line("vars", key)
            if not VAR_KEY.match(key):
                raise DrillbookError(f"vars: {quote(key)} is not a placeholder; write it in angle brackets, like '<PR_NUMBER>'",
                                     line=where)
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise DrillbookError(f"vars['{key}']: expected text, got {quote(value)}", line=where)
            bound[key] = str(value)
        return bound

    def _steps(self, raw: Any, loc: tuple[str | int, ...], scenario: str, allow_recover: bool) -> tuple[GameDayStep, ...]:
        if not isinstance(raw, list) or not raw:
            raise DrillbookError(f"{_where(loc)}: expected a list of steps, like '- run: …' or '- runbook: NAME', "
                                 f"got {quote(raw)}", line=self.line(*loc))
        steps: list[GameDayStep] = []
        for index, item in enumerate(raw):
            self.steps_seen += 1
            if self.steps_seen > MAX_STEPS:
                raise DrillbookError(f"a game day has at most {MAX_STEPS} steps; split the story", line=self.line(*loc, index))
            steps.append(self._step(item, (*loc, index), scenario, allow_recover))
        return tuple(steps)

    def _step(self, item: Any, loc: tuple[str | int, ...], scenario: str, allow_recover: bool) -> GameDayStep:
        line = self.line(*loc)
        if not isinstance(item, dict) or ("run" in item) == ("runbook" in item):
            raise DrillbookError(f"{_where(loc)}: expected one of 'run: COMMAND' or 'runbook: NAME', got {quote(item)}",
                                 line=line)
        if "run" in item:
            self._known_keys(item, EVENT_KEYS, loc)
            return self._event(item, loc)
        self._known_keys(item, RUNBOOK_KEYS if allow_recover else ("runbook",), loc)
        name = item["runbook"]
        where = self.line(*loc, "runbook")
        if not isinstance(name, str):
            raise DrillbookError(f"{_where((*loc, 'runbook'))}: expected a runbook's name, like 'hotfix-lane', got {quote(name)}",
                                 line=where)
        runbook = self._runbook(name, where, scenario)
        recover: tuple[GameDayStep, ...] = ()
        if "recover" in item:
            recover = self._steps(item["recover"], (*loc, "recover"), scenario, allow_recover=False)
        return RunbookStep(where, name, runbook, recover)

    def _event(self, item: dict[str, Any], loc: tuple[str | int, ...]) -> Event:
        command = self._as_written(item["run"], (*loc, "run"))
        line = self.line(*loc, "run")
        if not isinstance(command, str) or not command.strip():
            raise DrillbookError(f"{_where((*loc, 'run'))}: expected a shell command, got {quote(command)}", line=line)
        if "\0" in command:
            raise DrillbookError(f"{_where((*loc, 'run'))}: the command contains a NUL character, which bash cannot run",
                                 line=line)
        unbound = next((m.group() for m in UPPER_PLACEHOLDER.finditer(command) if m.group() not in self.vars), None)
        if unbound:
            raise DrillbookError(f"{_where((*loc, 'run'))}: placeholder {unbound} is not bound: add it under vars",
                                 line=line)
        timeout = DEFAULT_EVENT_TIMEOUT_S
        if "timeout" in item:
            try:
                timeout = parse_timeout(str(item["timeout"]))
            except ValueError as error:
                raise DrillbookError(f"{_where((*loc, 'timeout'))}: {error}", line=self.line(*loc, "timeout")) from None
        title = self._title(item, loc, default=_first_line(command))
        self.used.update(key for key in self.vars if key in command)
        code_line = self._code_line((*loc, "run"))
        source = command if command.endswith("\n") else command + "\n"
        block = CodeBlock(line=code_line - 1, end_line=code_line + source.count("\n"), indent="", fence="", info="",
                          language="bash", tag="drill", options=BlockOptions(timeout, title), title=title, source=source)
        [step] = bind_placeholders([block], DrillSpec(vars=self.vars, shared=frozenset(self.vars)))
        return Event(line, step)

    def _code_line(self, loc: tuple[str | int, ...]) -> int:
        """The file's line of a command's first line: the key's own line, or the next for a ``|`` or ``>`` block."""
        node = _node_at(compose(self.text), loc)
        first = node.start_mark.line + 1 if node is not None else self.line(*loc)
        return first + 1 if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">") else first

    def _as_written(self, value: Any, loc: tuple[str | int, ...]) -> Any:
        """A plain scalar as the author typed it: ``run: true`` is the command true, not a boolean."""
        if isinstance(value, (bool, int, float)) or value is None:
            node = _node_at(compose(self.text), loc)
            if isinstance(node, yaml.ScalarNode) and not node.style:
                return node.value
        return value

    def _runbook(self, name: str, line: int, scenario: str) -> Runbook:
        try:
            runbook = self.load_runbook(name, self.vars)
        except DrillbookError as error:
            if error.path is None:  # about the name, not inside the runbook: the game day's line
                raise DrillbookError(f"runbook '{name}': {error.message}", line=line) from None
            raise
        if not runbook.drilled:
            raise DrillbookError(f"runbook '{name}' has nothing to drill: no block is tagged drill, drill-check or drill-hidden",
                                 line=line)
        if runbook.drill.scenario != scenario:
            raise DrillbookError(
                f"runbook '{name}' is drilled against scenario '{runbook.drill.scenario}', but this game day plays "
                f"scenario '{scenario}': every step runs in one sandbox", line=line)
        return runbook

    def _check_vars_used(self, gameday: GameDay) -> None:
        for step in gameday.runbooks():
            sources = [block.source for block in step.runbook.blocks if block.drilled]
            self.used.update(key for key in self.vars if any(key in source for source in sources))
        for key in gameday.vars:
            if key not in self.used:
                raise DrillbookError(f"vars: '{key}' appears in no runbook or run: step of this game day",
                                     line=self.line("vars", key))


def _node_at(node: Any, loc: tuple[str | int, ...]) -> Any:
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key_node, value in node.value if key_node.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def find_break(gameday: GameDay, where: str) -> BreakPoint:
    """The drilled block ``RUNBOOK:STEP`` names: STEP is a line of the block, or text found in one step's title."""
    name, separator, which = where.rpartition(":")
    if not separator or not name.strip() or not which.strip():
        raise DrillbookError(f"expected RUNBOOK:STEP, like 'hotfix-lane:Deploy' or 'hotfix-lane:120', got {quote(where)}")
    name, which = name.strip(), which.strip()
    main = [step for step in gameday.steps if isinstance(step, RunbookStep)]
    candidates = [step for step in main if _same_runbook(step, name)]
    if not candidates:
        if any(_same_runbook(step, name) for step in gameday.runbooks()):
            raise DrillbookError(f"'{name}' runs only on a recover: path, which nothing breaks on purpose; "
                                 "break a runbook of the story itself")
        known = ", ".join(dict.fromkeys(step.name for step in main)) or "none"
        raise DrillbookError(f"no runbook '{name}' in this game day (its runbooks: {known})")
    runbook = candidates[0].runbook
    if which.isdigit():
        number = int(which)
        found = [step for step in runbook.steps if step.line <= number <= step.block.end_line]
    else:
        found = [step for step in runbook.steps if which.casefold() in step.title.casefold()]
    titles = "; ".join(f"{step.line}: {step.title}" for step in runbook.steps)
    if not found:
        raise DrillbookError(f"no drilled block of {runbook.path} matches {quote(which)} (its blocks: {titles})")
    if len(found) > 1:
        raise DrillbookError(f"{quote(which)} matches {len(found)} drilled blocks of {runbook.path}; give a line instead "
                             f"(its blocks: {titles})")
    return BreakPoint(runbook.path, found[0].line, found[0].title, where)


def _same_runbook(step: RunbookStep, name: str) -> bool:
    plain = name.removesuffix(".md")
    return step.name.removesuffix(".md") == plain or step.runbook.path.removesuffix(".md").endswith("/" + plain) \
        or step.runbook.path.removesuffix(".md") == plain


def _where(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _first_line(command: str) -> str:
    first = next((line.strip() for line in command.splitlines() if line.strip()), "")
    return first if len(first) <= 60 else first[:59] + "…"
