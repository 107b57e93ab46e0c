"""drillbook's own runbook rules, DB100 to DB109: what ShellCheck cannot know about a runbook.

ShellCheck judges a block as a script. These rules judge it as something a tired person
copies into a production terminal, or that a drill runs in a sandbox: what a command
deletes when a value is empty, what it runs unread, what it overwrites, what it hard-codes,
whether it waits for input nobody gives it, whether it changes production on a page that
only means to check it. Each rule has a code, a one-line summary, the reason it exists
(the authoring guide's Lint page shows both) and a message that says what to write instead.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from drillbook.lint.findings import BlockFinding, Level
from drillbook.lint.shell_blocks import ShellBlock, Transcript
from drillbook.lint.shell_syntax import CLOSE, MARKED_PLACEHOLDER, OPEN, Command, Part, ShellText, Word, unmark


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    level: Level
    summary: str  # one line: what the rule finds
    rationale: str  # why it is a problem in a runbook


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("DB100", "warning", "A suppression that matches no finding, or names no rule",
         "A suppression left behind after its finding was fixed hides the next real finding on that line; "
         "one that names an unknown code suppresses nothing."),
    Rule("DB101", "error", "A destructive command whose target is an unquoted or possibly empty placeholder or variable",
         "rm -rf \"$DIR\"/* with an empty DIR is rm -rf /*. An unquoted value with a space or a * in it names "
         "more than one target. A runbook is pasted at 3 a.m. by someone who may leave a placeholder empty."),
    Rule("DB102", "error", "A download piped straight into a shell or an interpreter",
         "curl … | sh runs whatever the server sends at that moment, unread and unchecked, with the "
         "responder's credentials, often as root."),
    Rule("DB103", "warning", "git push --force without --force-with-lease",
         "--force replaces the remote branch whatever it holds, including commits someone else pushed "
         "during the incident; --force-with-lease refuses when the branch moved since you fetched it."),
    Rule("DB104", "warning", "A hard-coded release, version or ID in a block a reader copies",
         "A copied v4.1.3 or ENG-1234 is right for one incident and wrong for every other one; a "
         "placeholder makes the reader supply the value, and a drilled block binds it under drill.vars."),
    Rule("DB105", "warning", "kubectl delete without a namespace, or argocd app delete without an app",
         "Without -n, kubectl deletes in whatever namespace the reader's current context happens to "
         "point at; argocd app delete without an app name deletes every app a selector matches."),
    Rule("DB106", "warning", "sudo in a drilled block",
         "Drills run without root in a jail, so the step fails there, and a step that needs root on a "
         "real host is not the step the drill proved."),
    Rule("DB107", "warning", "A command that reads standard input, with nothing piped or redirected into it",
         "Pasted into a terminal it waits for input, and swallows the lines pasted after it as its input; "
         "in a drill it reads nothing."),
    Rule("DB108", "warning", "A command that changes state on a page or under a heading that says verify or check",
         "A reader who only means to check copies the block and rolls back, restarts or deletes "
         "production; checking and changing belong to different steps."),
    Rule("DB109", "warning", "git push straight to main or master",
         "It goes around the pull request, its review and its required checks; in a runbook, push a "
         "branch and open a pull request, even in the hotfix lane."),
    Rule("DB110", "warning", "A shell prompt written before a command, as in a terminal session",
         "The copy button copies the prompt too: pasted, $ kubectl … runs a command named $, and the lines "
         "of output below it run as commands. The other rules read such a block's commands alone."),
)}

# -- reading commands ---------------------------------------------------------------------

# Commands that run the command after them, with the options of theirs that take a value.
WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group", "--chdir",
                       "--prompt", "--role", "--type", "--other-user", "--host", "--close-from", "--command-timeout"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir", "--split-string"}),
    "command": frozenset(), "exec": frozenset({"-a"}), "nohup": frozenset(), "time": frozenset(),
    "nice": frozenset({"-n", "--adjustment"}), "ionice": frozenset({"-c", "-n", "-p", "--class", "--classdata"}),
    "timeout": frozenset({"-k", "-s", "--kill-after", "--signal"}), "stdbuf": frozenset({"-i", "-o", "-e"}),
    "builtin": frozenset(),
}
ENV_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
NEVER_EMPTY = frozenset({"HOME", "PWD", "DRILL_SANDBOX"})


def command_name(word: Word | None) -> str:
    """The program a word names, as a person would say it: ``/usr/bin/rm`` and ``\\rm`` are ``rm``."""
    if word is None or not word.literal:
        return ""
    return word.value.rsplit("/", 1)[-1]


def argv(command: Command) -> list[Word]:
    """The command's words from the program it really runs: ``sudo -u x env A=1 rm -rf d`` is ``rm -rf d``."""
    if command.program is None:
        command.program = _program(command.words)
    return command.program


def _program(words: list[Word]) -> list[Word]:
    index = 0
    while index < len(words):
        name = command_name(words[index])
        if name not in WRAPPERS:
            break
        index += 1
        while index < len(words):
            value = words[index].value
            if name == "env" and ENV_ASSIGNMENT.match(value):
                index += 1
            elif value == "--":
                index += 1
                break
            elif value.startswith("-") and len(value) > 1:
                index += 2 if value in WRAPPERS[name] else 1
            else:
                break
        if name == "timeout":
            index += 1  # the duration
    return words[index:]


def arguments(args: list[Word], with_value: frozenset[str] | set[str] = frozenset(),
              with_two_values: frozenset[str] = frozenset()) -> Iterator[tuple[bool, Word]]:
    """Each argument with whether it is an option; an option's values are skipped, and options end at ``--``."""
    index = 0
    options = True
    while index < len(args):
        value = args[index].value
        if options and value == "--":
            options = False
        elif options and value.startswith("-") and len(value) > 1:
            yield True, args[index]
            index += 2 if value in with_two_values else 1 if value in with_value else 0
        else:
            yield False, args[index]
        index += 1


def positionals(args: list[Word], with_value: frozenset[str] | set[str] = frozenset()) -> list[Word]:
    """The words that are not options (nor an option's value), options ending at ``--``."""
    return [word for option, word in arguments(args, with_value) if not option]


def values(args: list[Word]) -> list[str]:
    return [word.value for word in args]


def has_flag(args: list[Word], long: str | tuple[str, ...], short: str = "") -> bool:
    """Whether ``--long`` (or ``--long=…``) or the letter ``short`` in a cluster like ``-rf`` is among ``args``."""
    longs = (long,) if isinstance(long, str) else long
    for value in values(args):
        if value == "--":
            return False
        if any(value == name or value.startswith(name + "=") for name in longs if name):
            return True
        if short and re.fullmatch(r"-[A-Za-z0-9]+", value) and short in value[1:]:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Atom:
    """A piece of a word for the rules: ``text``, a ``placeholder`` or an ``expansion``, and whether it is quoted."""

    kind: str
    start: int
    end: int
    text: str
    quoted: bool
    part: Part


def atoms(word: Word) -> list[Atom]:
    found: list[Atom] = []
    for part in word.parts:
        if part.expansion:
            found.append(Atom("expansion", part.start, part.end, part.text, part.quoted, part))
            continue
        quoted = part.kind != "literal"
        last = 0
        for match in MARKED_PLACEHOLDER.finditer(part.text):
            if match.start() > last:
                found.append(Atom("text", part.start + last, part.start + match.start(), part.text[last:match.start()], quoted, part))
            found.append(Atom("placeholder", part.start + match.start(), part.start + match.end(), match.group(), quoted, part))
            last = match.end()
        if last < len(part.text):
            found.append(Atom("text", part.start + last, part.end, part.text[last:], quoted, part))
    return [atom for atom in found if atom.kind != "text" or _text_value(atom)]


def _text_value(atom: Atom) -> str:
    text = atom.text
    if atom.part.kind == "single":
        text = text.strip("'")
    elif atom.part.kind == "ansi":
        text = text[2:].rstrip("'") if text.startswith("$'") else text.rstrip("'")
    return text


def _parameter_name(text: str) -> str:
    match = re.match(r"\$\{?[#!]?([A-Za-z_][A-Za-z0-9_]*)", text)
    return match.group(1) if match else ""


# -- the block a rule reads ------------------------------------------------------------


# Longest piece of a block a message quotes, and what would break a message's one line.
SHOWN_LIMIT = 60
NEWLINE = re.compile("\n")
LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@dataclass
class BlockCheck:
    """One block, read, with its page's title: what each rule reads, and where its findings go."""

    block: ShellBlock
    shell: ShellText
    page_title: str
    findings: list[BlockFinding]

    def __post_init__(self) -> None:
        self._line_starts = [0] + [match.end() for match in NEWLINE.finditer(self.shell.text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line, offset - self._line_starts[line]

    def report(self, code: str, offset: int, message: str, end: int | None = None) -> None:
        message = " ".join(message.split()) if LINE_BREAK.search(message) else message  # one line, whatever it quotes
        line, column = self.position(offset)
        end_line, end_column = self.position(end) if end is not None else (None, None)
        self.findings.append(BlockFinding(line, column, code, message, RULES[code].level, end_line, end_column))

    def shown(self, word: Word | str) -> str:
        """A word or text as the page writes it, placeholders with their angle brackets; long ones cut."""
        text = unmark(word.text if isinstance(word, Word) else word)
        return text if len(text) <= SHOWN_LIMIT else text[: SHOWN_LIMIT - 1] + "…"


def check_block(check: BlockCheck) -> list[BlockFinding]:
    """Every DB rule's findings in one block, in the block's 0-based lines and columns."""
    found = {match.lastgroup for match in RULE_WORDS.finditer(check.shell.text)}
    for group, rule in RULES_BY_WORD:
        if group is None or group in found:
            rule(check)
    return check.findings


# -- DB101: destructive command on an unquoted or possibly empty target -------------------

def _destructive_targets(name: str, args: list[Word]) -> list[Word]:
    if name in ("rm", "shred", "unlink", "wipefs") or name.startswith("mkfs"):
        return positionals(args)
    if name == "truncate":
        return positionals(args, {"-s", "--size", "-r", "--reference"})
    if name in ("chmod", "chown", "chgrp") and has_flag(args, "--recursive", "R"):
        return positionals(args, {"--reference"})[1:]
    if name == "rsync" and has_flag(args, ("--delete", "--delete-after", "--delete-before", "--delete-during",
                                           "--delete-excluded", "--del")):
        return positionals(args, {"-e", "--rsh", "--exclude", "--include", "--filter", "-f"})[-1:]
    if name == "find" and ("-delete" in values(args) or any(
            option.value == "-exec" and command_name(program) == "rm" for option, program in zip(args, args[1:]))):
        paths = []
        for word in args:
            if word.value.startswith(("-", "(", "!")):
                break
            paths.append(word)
        return paths
    return []


def _assigned_never_empty(check: BlockCheck, name: str, before: int) -> bool:
    """Whether the block, before ``before``, sets ``name`` to a non-empty literal or checks that it is set."""
    for command in check.shell.commands:
        if command.start >= before:
            break
        for assignment in command.assignments:
            key, _, value = assignment.text.partition("=")
            if key == name and value and "$" not in value and "`" not in value:
                return True
        for word in command.words:
            for part in word.parts:
                if part.guarded and _parameter_name(part.text) == name:
                    return True
    return False


def _command_label(name: str, args: list[Word]) -> str:
    options = []
    for word in args:
        if not word.value.startswith("-"):
            break
        options.append(word.value)
    return " ".join([name, *options])


def _variable_for(placeholder: str) -> str:
    name = placeholder.strip(OPEN + CLOSE + "<>").lower().replace("-", "_").replace(".", "_")
    name = re.sub(r"[^a-z0-9_]", "_", name)
    return name if re.match(r"[a-z_]", name) else "value"


def check_destructive_targets(check: BlockCheck) -> None:
    for command in check.shell.commands:
        words = argv(command)
        name = command_name(words[0]) if words else ""
        args = words[1:]
        for target in _destructive_targets(name, args):
            problem = _target_problem(check, target)
            if problem is not None:
                atom, message = problem
                check.report("DB101", atom.start, f"{_command_label(name, args)} {message}", atom.end)


def _target_problem(check: BlockCheck, target: Word) -> tuple[Atom, str] | None:
    pieces = atoms(target)
    if not pieces:
        return None
    first = pieces[0]
    rest = "".join(check.shown(_text_value(atom)) if atom.kind == "text" else check.shown(atom.text) for atom in pieces[1:])
    if len(pieces) > 1 and pieces[1].kind == "text" and _text_value(pieces[1]).startswith("/"):
        if first.kind == "placeholder":
            placeholder = check.shown(first.text)
            variable = _variable_for(first.text)
            return first, (f"{check.shown(target)}: an empty {placeholder} makes this {rest}; "
                           f"set {variable}=\"{placeholder}\" first and write \"${{{variable}:?}}\"{rest}")
        if first.kind == "expansion" and first.part.kind == "parameter" and not first.part.guarded:
            variable = _parameter_name(first.text)
            if variable and variable not in NEVER_EMPTY and not _assigned_never_empty(check, variable, target.start):
                return first, (f"{check.shown(target)}: an empty or unset {variable} makes this {rest}; "
                               f"write \"${{{variable}:?}}\"{rest} so that it stops instead")
        if first.kind == "expansion" and first.part.kind == "command":
            return first, (f"{check.shown(target)}: if the command prints nothing this is {rest}; "
                           f"put its output in a variable first, dir={check.shown(first.text)}, "
                           f"and write \"${{dir:?}}\"{rest}")
    for atom in pieces:
        if atom.kind == "placeholder" and not atom.quoted:
            placeholder = check.shown(atom.text)
            return atom, (f"on the unquoted placeholder {placeholder}: quote it, \"{placeholder}\", so that a value "
                          f"with a space or a * cannot name more than it says")
        if atom.kind == "expansion" and not atom.quoted and atom.part.kind in ("parameter", "command"):
            shown = check.shown(atom.text)
            return atom, (f"on the unquoted {shown}: quote it, \"{shown}\", so that a space or a * in its value "
                          f"cannot name more than it says")
    return None


# -- DB102: a download piped into a shell --------------------------------------------------

DOWNLOADERS = frozenset({"curl", "wget", "fetch", "http", "https", "iwr", "Invoke-WebRequest"})
INTERPRETERS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "python", "python3", "perl", "ruby", "node",
                          "php", "pwsh", "iex", "source", ".", "eval"})


def check_download_into_shell(check: BlockCheck) -> None:
    for pipeline in check.shell.pipelines:
        for index, command in enumerate(pipeline[:-1]):
            words = argv(command)
            if not words or command_name(words[0]) not in DOWNLOADERS:
                continue
            runner = next((later for later in pipeline[index + 1:]
                           if argv(later) and command_name(argv(later)[0]) in INTERPRETERS), None)
            if runner is not None:
                _report_download(check, words[0], command_name(argv(runner)[0]))
                break
    for command in check.shell.commands:
        words = argv(command)
        if not command.substituted or not words or command_name(words[0]) not in DOWNLOADERS:
            continue
        holder = _holder(check.shell, command)
        if holder is not None and argv(holder) and command_name(argv(holder)[0]) in INTERPRETERS:
            _report_download(check, words[0], command_name(argv(holder)[0]))


def _holder(shell: ShellText, inner: Command) -> Command | None:
    """The command one of whose words holds the substitution ``inner`` runs in."""
    best = None
    for command in shell.commands:
        if command is inner:
            continue
        for word in command.words:
            if word.start < inner.start < word.end and (best is None or command.start >= best.start):
                best = command
    return best


def _report_download(check: BlockCheck, downloader: Word, runner: str) -> None:
    check.report("DB102", downloader.start, f"{command_name(downloader)} piped into {runner} runs whatever the server "
                 "sends, unread: download it to a file, check it (its checksum, or read it), then run that file",
                 downloader.end)


# -- git: DB103 force push, DB109 push to main -------------------------------------------------

GIT_OPTIONS_WITH_VALUE = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env"})
PUSH_OPTIONS_WITH_VALUE = frozenset({"--repo", "-o", "--push-option", "--receive-pack", "--exec"})
PROTECTED_BRANCHES = frozenset({"main", "master"})


def git_subcommand(args: list[Word]) -> tuple[str, list[Word]]:
    """``git``'s subcommand and the words after it, skipping git's own options."""
    index = 0
    while index < len(args):
        value = args[index].value
        if value.startswith("-"):
            index += 2 if value in GIT_OPTIONS_WITH_VALUE else 1
            continue
        return value, args[index + 1:]
    return "", []


def _pushes(check: BlockCheck) -> Iterator[tuple[list[Word], list[Word]]]:
    """``git push``'s arguments and positionals, for each git push in the block."""
    for command in check.shell.commands:
        words = argv(command)
        if words and command_name(words[0]) == "git":
            subcommand, args = git_subcommand(words[1:])
            if subcommand == "push":
                yield args, positionals(args, PUSH_OPTIONS_WITH_VALUE)


def check_force_push(check: BlockCheck) -> None:
    for args, refs in _pushes(check):
        lease = has_flag(args, "--force-with-lease")
        force = next((word for word in args if word.value == "--force"
                      or re.fullmatch(r"-[A-Za-z]*f[A-Za-z]*", word.value)), None)
        if force is not None:
            message = ("--force overrides --force-with-lease: drop --force" if lease else
                       "git push --force replaces the remote branch whatever it holds now: use --force-with-lease, "
                       "which refuses when someone pushed since you fetched")
            check.report("DB103", force.start, message, force.end)
        elif not lease:
            for ref in refs[1:]:
                if ref.value.startswith("+"):
                    check.report("DB103", ref.start, f"git push {check.shown(ref)} force-pushes: drop the + and "
                                 "use --force-with-lease, which refuses when someone pushed since you fetched", ref.end)


def check_push_to_main(check: BlockCheck) -> None:
    if not check.block.shown:
        return
    for _args, refs in _pushes(check):
        for ref in refs[1:]:
            branch = ref.value.lstrip("+").rsplit(":", 1)[-1].removeprefix("refs/heads/")
            if ref.literal and branch in PROTECTED_BRANCHES:
                check.report("DB109", ref.start, f"git push to {branch} goes around the pull request and its checks: "
                             f"push a branch and open a pull request (gh pr create --base {branch})", ref.end)


# -- DB104: hard-coded release, version or ID --------------------------------------------------

VERSION = re.compile(r"(?<![\w.-])v?\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?(?![.\w])")
TICKET = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{1,9})-\d+(?:-\d+)*(?![\w])")
NOT_TICKETS = frozenset({"UTF", "SHA", "AES", "ISO", "RFC", "CVE", "GHSA", "TLS", "SSL", "HTTP", "MD", "SEV", "RSA",
                         "ECDSA", "ED", "EC", "HS", "RS", "ES", "PS", "X", "CP", "WIN", "US", "EU", "AP", "IPV", "PEP"})
UUID = re.compile(r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])")
# An image to run, pinned on purpose: docker run ruby:2.6.3, kubectl run --image=busybox:1.36.1.
IMAGE_REFERENCE = re.compile(r"^(?:--image=)?[\w./-]+:v?\d+\.\d+\.\d+\S*$")
RUNS_IMAGES = {"docker": ("run", "pull", "create"), "podman": ("run", "pull", "create"), "nerdctl": ("run", "pull"),
               "kubectl": ("run", "debug"), "oc": ("run", "debug")}
COMMIT = re.compile(r"(?<![\w/.-])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![\w/.-])")
RELEASE_FOLDER = re.compile(r"(?:^|/)releases?/(\d+)(?=/|$)")
INSTALLERS = frozenset({"pip", "pip3", "pipx", "uv", "npm", "npx", "yarn", "pnpm", "apt", "apt-get", "yum", "dnf",
                        "apk", "brew", "gem", "cargo", "go", "conda", "mamba", "asdf", "mise", "nix-env"})
NUMBERED = {("gh", "pr"): "<PR_NUMBER>", ("gh", "issue"): "<ISSUE_NUMBER>", ("gh", "run"): "<RUN_ID>"}


def check_hard_coded_values(check: BlockCheck) -> None:
    if not check.block.shown or check.block.tag == "drill-check":
        return  # a drill-check asserts the sandbox's own known values
    drilled = " and bind it under drill.vars" if check.block.drilled else ""
    for command in check.shell.commands:
        words = argv(command)
        name = command_name(words[0]) if words else ""
        if name in INSTALLERS:
            continue
        runs_images = any(word.value in RUNS_IMAGES.get(name, ()) for word in words[1:3])
        for word in [*command.assignments, *words[1:]]:
            if not (runs_images and IMAGE_REFERENCE.match(word.value)):
                _check_word_values(check, name, word, drilled)
        _check_numbered(check, name, words[1:], drilled)


def _check_word_values(check: BlockCheck, name: str, word: Word, drilled: str) -> None:
    url = "://" in word.value
    for part in word.parts:
        if part.expansion:
            continue
        found: list[tuple[int, int, str, str]] = []
        if not url:
            found += [(m.start(), m.end(), "version", "<VERSION>") for m in VERSION.finditer(part.text)]
        found += [(m.start(), m.end(), "ID", "<INCIDENT_ID>") for m in TICKET.finditer(part.text)
                  if m.group(1) not in NOT_TICKETS]
        found += [(m.start(), m.end(), "ID", "<ID>") for m in UUID.finditer(part.text)]
        if name == "git":
            found += [(m.start(), m.end(), "commit", "<COMMIT>") for m in COMMIT.finditer(part.text)]
        found += [(m.start(1), m.end(1), "release", "<RELEASE>") for m in RELEASE_FOLDER.finditer(part.text)]
        for start, end, kind, placeholder in found:
            value = part.text[start:end]
            check.report("DB104", part.start + start, f"hard-coded {kind} {value}: replace it with a placeholder "
                         f"such as {placeholder}{drilled}", part.start + end)


def _check_numbered(check: BlockCheck, name: str, args: list[Word], drilled: str) -> None:
    """PR and run numbers, Argo CD history IDs, Helm and kubectl revisions written as digits."""
    places = positionals(args, {"-R", "--repo", "-n", "--namespace", "--kube-context", "--context", "-s", "--server"})
    words = [word.value for word in places]
    target: Word | None = None
    placeholder = ""
    if name == "gh" and len(words) >= 3 and (name, words[0]) in NUMBERED:
        target, placeholder = places[2], NUMBERED[(name, words[0])]
    elif name == "argocd" and words[:2] == ["app", "rollback"] and len(words) >= 4:
        target, placeholder = places[3], "<HISTORY_ID>"
    elif name == "helm" and words[:1] == ["rollback"] and len(words) >= 3:
        target, placeholder = places[2], "<REVISION>"
    elif name in ("kubectl", "oc"):
        for index, word in enumerate(args):
            if word.value.startswith("--to-revision="):
                value = word.value.partition("=")[2]
                if value.isdigit() and value != "0":
                    check.report("DB104", word.start, f"hard-coded revision {value}: replace it with a placeholder "
                                 f"such as <REVISION>{drilled}", word.end)
            elif word.value == "--to-revision" and index + 1 < len(args):
                target, placeholder = args[index + 1], "<REVISION>"
    if target is not None and target.literal and target.value.isdigit() and target.value != "0":
        kind = {"<PR_NUMBER>": "pull request number", "<ISSUE_NUMBER>": "issue number"}.get(placeholder, "ID")
        check.report("DB104", target.start, f"hard-coded {kind} {target.value}: replace it with a placeholder "
                     f"such as {placeholder}{drilled}", target.end)


# -- DB105: kubectl delete without a namespace, argocd app delete without an app ----------------

KUBECTL_OPTIONS_WITH_VALUE = frozenset({"-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "--as",
                                        "-s", "--server", "--request-timeout", "-l", "--selector", "-o", "--output",
                                        "--field-selector", "--grace-period", "--timeout", "--cascade"})
CLUSTER_SCOPED = frozenset({
    "namespace", "namespaces", "ns", "node", "nodes", "no", "persistentvolume", "persistentvolumes", "pv",
    "clusterrole", "clusterroles", "clusterrolebinding", "clusterrolebindings", "customresourcedefinition",
    "customresourcedefinitions", "crd", "crds", "storageclass", "storageclasses", "sc", "priorityclass",
    "priorityclasses", "pc", "validatingwebhookconfiguration", "validatingwebhookconfigurations",
    "mutatingwebhookconfiguration", "mutatingwebhookconfigurations", "apiservice", "apiservices",
    "ingressclass", "ingressclasses", "runtimeclass", "runtimeclasses", "csidriver", "csidrivers", "csinode",
    "csinodes", "volumeattachment", "volumeattachments", "certificatesigningrequest", "certificatesigningrequests",
    "csr", "clusterissuer", "clusterissuers", "project", "projects", "clusterversion", "clusteroperator",
    "clusteroperators", "machineconfig", "machineconfigs", "machineconfigpool", "machineconfigpools", "mcp",
})
ARGOCD_OPTIONS_WITH_VALUE = frozenset({"-l", "--selector", "--cascade", "--propagation-policy", "--server",
                                       "--auth-token", "--grpc-web-root-path", "-N", "--app-namespace", "--context"})


def check_unscoped_delete(check: BlockCheck) -> None:
    for command in check.shell.commands:
        words = argv(command)
        name = command_name(words[0]) if words else ""
        args = words[1:]
        if name in ("kubectl", "oc"):
            places = positionals(args, KUBECTL_OPTIONS_WITH_VALUE)
            if not places or places[0].value != "delete":
                continue
            kind = places[1].value.split("/")[0].split(".")[0].lower() if len(places) > 1 else ""
            scoped = has_flag(args, ("--namespace", "--all-namespaces"), "") or any(
                re.fullmatch(r"-n.*|-A", value) for value in values(args))
            from_files = has_flag(args, ("--filename", "--kustomize"), "") or any(
                re.fullmatch(r"-[fk].*", value) for value in values(args))
            if not scoped and not from_files and kind not in CLUSTER_SCOPED:
                check.report("DB105", places[0].start, f"{name} delete without -n deletes in whatever namespace the "
                             "current context points at: name it, -n <NAMESPACE>", places[0].end)
        elif name == "argocd":
            places = positionals(args, ARGOCD_OPTIONS_WITH_VALUE)
            if [word.value for word in places[:2]] == ["app", "delete"] and len(places) < 3:
                check.report("DB105", places[1].start, "argocd app delete without an app name: name the one app "
                             "to delete, argocd app delete <ARGO_APP>", places[1].end)


# -- DB106: sudo in a drilled block -------------------------------------------------------------


def check_sudo_in_drill(check: BlockCheck) -> None:
    if not check.block.drilled:
        return
    for command in check.shell.commands:
        for word in command.words:
            if command_name(word) in ("sudo", "doas"):
                check.report("DB106", word.start, f"{command_name(word)} in a drilled block: the drill runs without root, "
                             "so this step fails there; drop it, or move the command to an untagged block", word.end)
            if command_name(word) not in WRAPPERS:
                break


# -- DB107: a command that reads standard input with nothing piped in ---------------------------


@dataclass(frozen=True, slots=True)
class InputReader:
    """How a command reads standard input: when no file operand is given, after ``programs`` leading operands."""

    with_value: frozenset[str] = frozenset()
    programs: int = 0  # leading operands that are not files: grep's pattern, awk's program
    program_options: frozenset[str] = frozenset()  # options that give the program instead: grep -e, sed -e
    no_input: frozenset[str] = frozenset()  # options after which it reads no input: jq -n, grep -r
    always: bool = False  # reads standard input whatever its operands: tee, tr, xargs


INPUT_READERS: dict[str, InputReader] = {
    **{name: InputReader() for name in ("cat", "tac", "nl", "wc", "base64", "md5sum", "sha1sum", "sha256sum",
                                        "sha512sum", "gzip", "gunzip", "zcat", "bzip2", "xz", "rev", "fold", "fmt",
                                        "od", "xxd", "hexdump", "column", "less", "more")},
    "head": InputReader(frozenset({"-n", "-c", "--lines", "--bytes"})),
    "tail": InputReader(frozenset({"-n", "-c", "--lines", "--bytes", "-s", "--pid", "--sleep-interval"})),
    "sort": InputReader(frozenset({"-o", "-k", "-t", "-S", "-T", "--output", "--key", "--field-separator",
                                   "--buffer-size", "--temporary-directory", "--parallel"})),
    "uniq": InputReader(frozenset({"-f", "-s", "-w", "--skip-fields", "--skip-chars", "--check-chars"})),
    "cut": InputReader(frozenset({"-d", "-f", "-c", "-b", "--delimiter", "--fields", "--characters", "--bytes"})),
    "grep": InputReader(
        frozenset({"-e", "-f", "-m", "-A", "-B", "-C", "--regexp", "--file", "--max-count", "--label", "-d", "-D"}),
        1, frozenset({"-e", "-f", "--regexp", "--file"}), frozenset({"-r", "-R", "--recursive", "--dereference-recursive"})),
    "sed": InputReader(frozenset({"-e", "-f", "-l", "--expression", "--file", "--line-length"}), 1,
                       frozenset({"-e", "-f", "--expression", "--file"})),
    "awk": InputReader(frozenset({"-f", "-v", "-F", "--file", "--assign", "--field-separator"}), 1,
                       frozenset({"-f", "--file"})),
    "jq": InputReader(frozenset({"-f", "--from-file", "--indent", "-L"}), 1, frozenset({"-f", "--from-file"}),
                      frozenset({"-n", "--null-input"})),
    "tee": InputReader(always=True), "tr": InputReader(always=True), "xargs": InputReader(always=True),
}
for alias, reader in (("egrep", "grep"), ("fgrep", "grep"), ("gawk", "awk"), ("mawk", "awk"), ("nawk", "awk")):
    INPUT_READERS[alias] = INPUT_READERS[reader]
# jq options that take two values.
TWO_VALUES = frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile"})
BEGIN_ONLY = re.compile(r"\s*BEGIN\s*\{.*\}\s*", re.S)


def reads_stdin(name: str, args: list[Word]) -> str | None:
    """Why the command reads standard input with these arguments ("" for a plain read); None when it does not."""
    if name in ("kubectl", "oc", "helm"):
        for word, following in zip(args, [*args[1:], None]):
            if word.value in ("--filename=-", "-f-", "--values=-") or (
                word.value in ("-f", "--filename", "--values") and following is not None and following.value == "-"
            ):
                return f"{name} {word.value}{' -' if following is not None and following.value == '-' else ''}"
        return None
    if name in ("docker", "podman") and has_flag(args, "--password-stdin"):
        return f"{name} login --password-stdin"
    reader = INPUT_READERS.get(name)
    if reader is None:
        return None
    if reader.always:
        return ""
    operands: list[Word] = []
    program_given = False
    for option, word in arguments(args, reader.with_value, TWO_VALUES if name == "jq" else frozenset()):
        value = word.value
        if not option:
            operands.append(word)
            continue
        name_part = value.split("=", 1)[0]
        if name_part in reader.no_input or (re.fullmatch(r"-[A-Za-z]+", value) and any(
                f"-{letter}" in reader.no_input for letter in value[1:])):
            return None
        if name_part in reader.program_options or any(value.startswith(opt) and len(value) > len(opt)
                                                      and not opt.startswith("--") for opt in reader.program_options):
            program_given = True
    programs = 0 if program_given else reader.programs
    if name in ("awk", "gawk", "mawk", "nawk") and not program_given and operands and BEGIN_ONLY.fullmatch(operands[0].value):
        return None
    files = operands[programs:]
    if not files or any(word.value == "-" for word in files):
        return ""
    return None


def check_unfed_input(check: BlockCheck) -> None:
    for command in check.shell.commands:
        if command.has_input or command.in_function:
            continue
        words = argv(command)
        name = command_name(words[0]) if words else ""
        why = reads_stdin(name, words[1:])
        if why is None:
            continue
        label = why or name
        check.report("DB107", words[0].start, f"{label} reads standard input here, and nothing is piped or redirected "
                     "into it: pasted, it waits and swallows the lines pasted after it; give it the file to read, "
                     "or pipe its input in", words[0].end)


# -- DB108: a state change on a page or under a heading that says verify or check ---------------

VERIFYING = re.compile(r"\b(?:verif(?:y|ies|ied|ying|ication)|check(?:s|ed|ing)?)\b", re.I)
# Subcommands that change state, by program; a program not listed here changes state when one
# of its first words is one of GENERIC_CHANGES (flagctl set, cloud delete, make deploy).
CHANGES: dict[str, frozenset[str]] = {
    "git": frozenset({"push", "merge", "rebase", "reset", "revert", "cherry-pick", "commit", "am"}),
    "kubectl": frozenset({"apply", "create", "delete", "patch", "replace", "edit", "scale", "autoscale", "set", "label",
                          "annotate", "taint", "drain", "cordon", "uncordon", "expose", "run"}),
    "helm": frozenset({"install", "upgrade", "rollback", "uninstall", "delete"}),
    "terraform": frozenset({"apply", "destroy", "import", "taint", "untaint", "force-unlock"}),
    "docker": frozenset({"rm", "rmi", "stop", "kill", "restart", "start", "run", "pause", "unpause", "push"}),
    "systemctl": frozenset({"start", "stop", "restart", "reload", "try-restart", "reload-or-restart", "enable",
                            "disable", "mask", "unmask", "kill", "isolate"}),
}
CHANGES["oc"] = CHANGES["kubectl"]
CHANGES["tofu"] = CHANGES["terraform"]
CHANGES["podman"] = CHANGES["docker"]
# Two words deep: gh pr merge, argocd app rollback, kubectl rollout undo.
NESTED_CHANGES: dict[str, dict[str, frozenset[str]]] = {
    "gh": {"pr": frozenset({"merge", "create", "close", "reopen", "edit", "ready", "review", "comment"}),
           "release": frozenset({"create", "delete", "edit", "upload"}), "workflow": frozenset({"run", "enable", "disable"}),
           "run": frozenset({"rerun", "cancel", "delete"}), "issue": frozenset({"create", "close", "edit", "delete", "reopen"}),
           "secret": frozenset({"set", "delete"}), "variable": frozenset({"set", "delete"})},
    "argocd": {"app": frozenset({"sync", "rollback", "set", "unset", "delete", "create", "patch", "terminate-op", "edit",
                                 "actions"}),
               "cluster": frozenset({"add", "rm"}), "proj": frozenset({"create", "delete", "add-destination",
                                                                         "remove-destination"})},
    "kubectl": {"rollout": frozenset({"restart", "undo", "pause", "resume"})},
    "oc": {"rollout": frozenset({"restart", "undo", "pause", "resume", "latest", "retry", "cancel"})},
    "docker": {"compose": frozenset({"up", "down", "restart", "rm", "stop", "start", "kill"}),
               "service": frozenset({"update", "rm", "scale", "create", "rollback"})},
}
GENERIC_CHANGES = re.compile(
    r"(?:set|unset|delete|del|rm|remove|destroy|create|apply|update|patch|restart|rollback|roll-back|undo|sync|scale|"
    r"deploy|promote|merge|push|kill|stop|start|reboot|drop|truncate|purge|revoke|rotate|enable|disable|upgrade|"
    r"install|uninstall|reset|flip|toggle|terminate|modify|put|attach|detach|failover|resize|grow|shrink|abort|"
    r"retry|cancel)(?:-[a-z-]+)?")
ALWAYS_CHANGES = frozenset({"rm", "rmdir", "mv", "ln", "chmod", "chown", "chgrp", "truncate", "shred", "dd", "kill",
                            "pkill", "killall", "reboot", "shutdown", "halt", "poweroff", "useradd", "userdel",
                            "usermod", "passwd", "crontab", "dropdb", "createdb"})
# Programs that only read, show or compute, whatever their words say.
READ_ONLY = frozenset({"echo", "printf", "cat", "grep", "egrep", "fgrep", "rg", "jq", "yq", "awk", "less", "more", "head",
                       "tail", "wc", "sort", "uniq", "cut", "tr", "test", "[", "[[", "true", "false", "ls", "find", "stat",
                       "readlink", "realpath", "dirname", "basename", "date", "sleep", "watch", "man", "which", "type",
                       "command", "diff", "column", "promtool", "dig", "nslookup", "host", "ping", "traceroute", "ss",
                       "netstat", "lsof", "ps", "top", "df", "du", "free", "uptime", "id", "whoami", "hostname", "env",
                       "printenv", "openssl", "nc", "telnet", "sha256sum", "md5sum", "base64", "xxd", "od", "file",
                       "tee", "xargs", "cd", "pwd", "export", "local", "read", "source", ".", "set", "shopt", "alias",
                       "unset", "time", "seq", "yes", "wait", "trap", "exit", "return", "shift", "history", "fc"})


def state_change(words: list[Word]) -> str | None:
    """How the command names itself when it changes state (``argocd app rollback``), else None."""
    name = command_name(words[0]) if words else ""
    if not name or name in READ_ONLY:
        return None
    args = words[1:]
    if name in ALWAYS_CHANGES:
        return name
    if name == "sed" and has_flag(args, "--in-place", "i"):
        return "sed -i"
    if name == "curl" or name == "wget":
        return _request_changes(name, args)
    places = [word.value for word in positionals(args, KUBECTL_OPTIONS_WITH_VALUE if name in ("kubectl", "oc") else frozenset())]
    if name == "git":
        subcommand, rest = git_subcommand(args)
        if subcommand in CHANGES["git"]:
            return f"git {subcommand}"
        if subcommand == "tag" and positionals(rest, {"-m", "-F", "-u", "--message", "--file"}) and not (has_flag(
                rest, ("--list", "--verify", "--contains", "--no-contains", "--points-at", "--merged", "--no-merged",
                       "--sort", "--column"), "l") or any(re.fullmatch(r"-n\d*", word.value) for word in rest)):
            return "git tag"
        if subcommand == "branch" and (has_flag(rest, ("--delete", "--move", "--force"), "d") or has_flag(rest, "", "D")
                                       or has_flag(rest, "", "m") or has_flag(rest, "", "M")):
            return "git branch"
        return None
    nested = NESTED_CHANGES.get(name, {})
    if len(places) >= 2 and places[1] in nested.get(places[0], frozenset()):
        return f"{name} {places[0]} {places[1]}"
    if name in ("kubectl", "oc") and places[:2] == ["argo", "rollouts"] and len(places) > 2:
        if GENERIC_CHANGES.fullmatch(places[2]):
            return f"{name} argo rollouts {places[2]}"
        return None
    if name in CHANGES:
        if places[:1] == ["run"] and has_flag(args, "--rm"):
            return None  # a throwaway container or pod, removed when it exits
        return f"{name} {places[0]}" if places and places[0] in CHANGES[name] else None
    if name in nested:
        return None
    for place in places[:3]:
        if GENERIC_CHANGES.fullmatch(place):
            return " ".join([name, *places[: places.index(place) + 1]])
    return None


def _request_changes(name: str, args: list[Word]) -> str | None:
    for index, word in enumerate(args):
        value = word.value
        method = None
        if value in ("-X", "--request", "--method") and index + 1 < len(args):
            method = args[index + 1].value
        elif value.startswith(("--request=", "--method=")):
            method = value.partition("=")[2]
        elif value.startswith("-X") and len(value) > 2:
            method = value[2:]
        if method and method.upper() not in ("GET", "HEAD", "OPTIONS"):
            return f"{name} {value} {method}" if value in ("-X", "--request", "--method") else f"{name} {value}"
        if value in ("-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "-F", "--form", "-T",
                     "--upload-file", "--json", "--post-data", "--post-file") or value.startswith(
                ("--data=", "--json=", "--post-data=", "--form=")):
            return f"{name} {value.split('=')[0]}"
    return None


def check_change_while_verifying(check: BlockCheck) -> None:
    if not check.block.shown:
        return
    where = _verifying_context(check)
    if where is None:
        return
    for command in check.shell.commands:
        words = argv(command)
        change = state_change(words)
        if change is not None:
            check.report("DB108", words[0].start, f"{change} changes state, but this block is {where}, where a reader "
                         "only checks: move the command to the step that makes the change, and link to it from here",
                         words[0].end)


def _verifying_context(check: BlockCheck) -> str | None:
    block = check.block
    places: list[tuple[str, str]] = [(block.title, 'titled "{}"')]
    places += [(title, 'in "{}"') for title in reversed(block.containers)]
    places += [(block.heading, 'under the heading "{}"'), (check.page_title, 'on the page "{}"')]
    for text, phrase in places:
        if text and VERIFYING.search(text):
            return phrase.format(text)
    return None


def check_prompt(session: Transcript) -> BlockFinding:
    """DB110, at the first prompt of a block written as a terminal session."""
    return BlockFinding(session.prompt_line, 0, "DB110", "this block is a terminal session: its prompt and output "
                        "are copied with its commands; write the commands alone, or make the block ```console",
                        RULES["DB110"].level, session.prompt_line, session.prompt_length)


# Each rule, and a word its block must hold for the rule to have anything to find there: a
# cheap test on the block's text, so that most rules read most blocks not at all.
BLOCK_RULES: tuple[tuple[re.Pattern[str] | None, Callable[[BlockCheck], None]], ...] = (
    (re.compile(r"\b(?:rm|shred|unlink|wipefs|mkfs[\w.]*|truncate|chmod|chown|chgrp|rsync|find)\b"),
     check_destructive_targets),
    (re.compile(r"\b(?:curl|wget|fetch|https?|iwr|Invoke-WebRequest)\b"), check_download_into_shell),
    (re.compile(r"\bpush\b"), check_force_push),
    (re.compile(r"\d"), check_hard_coded_values),
    (re.compile(r"\bdelete\b"), check_unscoped_delete),
    (re.compile(r"\b(?:sudo|doas)\b"), check_sudo_in_drill),
    (re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(name) for name in sorted(INPUT_READERS, key=len, reverse=True))
                + r"|kubectl|oc|helm|docker|podman)(?![\w-])"), check_unfed_input),
    (None, check_change_while_verifying),
    (re.compile(r"\bpush\b"), check_push_to_main),
)


# The rules' words in one pattern, one group per distinct word: a block is searched once.
WORD_PATTERNS = list(dict.fromkeys(needs.pattern for needs, _ in BLOCK_RULES if needs is not None))
RULE_WORDS = re.compile("|".join(f"(?P<w{index}>{pattern})" for index, pattern in enumerate(WORD_PATTERNS)))
RULES_BY_WORD = tuple((f"w{WORD_PATTERNS.index(needs.pattern)}" if needs is not None else None, rule)
                      for needs, rule in BLOCK_RULES)
