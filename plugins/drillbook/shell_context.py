"""Where each placeholder of a shell command stands: inside "…", inside '…', a bare word, a comment, a here-document.

:func:`placeholder_sites` reads a shell block the way bash splits it into words and quotes
(without running or expanding anything) and says, for each placeholder, how a value must
be quoted there; :mod:`drillbook.substitution` does the quoting. Some places take no value
safely whatever the quoting: the command word itself, text that ``eval``, ``sh -c``,
``ssh`` or ``sed`` read as code, backticks, ``${…}``. A placeholder there carries a
``problem``: the sentence the build, the drill and the Copy button show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Literal

Quoting = Literal["bare", "dq", "sq", "ansi", "comment", "heredoc", "heredoc-quoted", "arith", "text"]

# The documented placeholder: a capital letter, then capitals, digits and underscores.
UPPER_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
SHELL_LANGUAGES = frozenset({"bash", "sh", "shell", "zsh", "ksh", "dash"})

# Words after which the next word is still in command position: `if <X>` runs <X>.
RESERVED = frozenset({"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "time", "coproc"})
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "su", "busybox"})
INTERPRETERS = {"python": ("-c",), "perl": ("-e", "-E"), "ruby": ("-e",), "node": ("-e", "-p")}  # option before program text
NAMING_BUILTINS = frozenset({"read", "unset", "declare", "typeset", "local", "export", "readonly", "mapfile", "readarray"})
ARITHMETIC_OPERATORS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
SSH_OPTIONS_WITH_VALUE = frozenset("BbcDEeFIiJLlmOopQRSWw")
# Programs that run the program named after them (with its arguments): sudo bash -c '…'.
WRAPPERS = frozenset({"sudo", "doas", "env", "exec", "command", "builtin", "nohup", "nice", "time", "timeout", "xargs",
                      "-exec", "-execdir", "--", "stdbuf", "setsid", "chroot"})
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=")
OPERATOR = re.compile(r";;&?|;&|&&|\|\||\|&|&>>?|<<<|<>|>>|>&|<&|>\||[;&|()<>]")
HEREDOC_WORD = re.compile(r"""(?:[^\s;&|()<>'"\\]|\\.|'[^']*'|"(?:[^"\\]|\\.)*")+""")
PLACEHOLDER_MARK = "\x00"  # stands for a placeholder in a word's text
EXPANSION_MARK = "\x01"  # stands for $(…), ${…}, $((…)) in a word's text
QUOTING_OF_FRAME: dict[str, Quoting] = {
    "cmd": "bare", "dq": "dq", "sq": "sq", "ansi": "ansi", "comment": "comment", "param": "bare", "arith": "arith",
    "heredoc": "heredoc", "heredoc-quoted": "heredoc-quoted",
}
WORD_QUOTINGS = ("bare", "dq", "sq", "ansi")

COMMAND_WORD = "it stands where the shell expects a command, so a value would run as one"


@dataclass(frozen=True)
class Site:
    """One placeholder in a block: where it is and how a value must be quoted there."""

    start: int  # offsets in the block's text
    end: int
    written: str  # "<INCIDENT_ID>", as the block writes it
    line: int  # 1-based line in the block's text
    quoting: Quoting
    word_start: bool = False  # the value would begin a shell word: a leading "-" reads as an option
    always_quote: bool = False  # a bare value is quoted even when every character of it is harmless
    end_word: str | None = None  # the word that ends the here-document the placeholder is in
    problem: str | None = None  # no value is safe here: why

    def as_data(self, key: str, utf16: Callable[[int], int]) -> dict[str, object]:
        """What the incident form's script needs; offsets in UTF-16 code units, as a browser counts them."""
        data: dict[str, object] = {"key": key, "written": self.written, "start": utf16(self.start), "end": utf16(self.end),
                                   "line": self.line, "quoting": self.quoting}
        if self.word_start:
            data["word_start"] = True
        if self.always_quote:
            data["always_quote"] = True
        if self.end_word is not None:
            data["end_word"] = self.end_word
        if self.problem is not None:
            data["problem"] = self.problem
        return data


def is_shell(language: str) -> bool:
    return language.lower() in SHELL_LANGUAGES


def placeholder_pattern(bound: frozenset[str] | set[str] = frozenset()) -> re.Pattern[str]:
    """Placeholders as the author declared them: ``<UPPER_CASE>``, or a key bound in ``drill.vars``."""
    keys = sorted(bound, key=len, reverse=True)
    return re.compile("|".join([re.escape(key) for key in keys] + [UPPER_PLACEHOLDER.pattern]))


def text_sites(code: str, pattern: re.Pattern[str]) -> list[Site]:
    """Placeholders of a block that is not shell: each value goes in as typed."""
    return [Site(m.start(), m.end(), m.group(), code.count("\n", 0, m.start()) + 1, "text") for m in pattern.finditer(code)]


def placeholder_sites(code: str, pattern: re.Pattern[str]) -> list[Site]:
    """Every placeholder of the shell text ``code`` matching ``pattern``, in order, with how to quote a value there."""
    return _Scanner(code, pattern).scan()


# -- the scanner --------------------------------------------------------------------


@dataclass
class _Word:
    text: str = ""  # literal characters so far, with PLACEHOLDER_MARK and EXPANSION_MARK
    sites: list[int] = field(default_factory=list)  # indices into the scanner's sites
    braces: int = 0  # unquoted "{" still open in the word (brace expansion)


@dataclass
class _Frame:
    kind: str  # cmd, dq, sq, ansi, comment, param, arith, heredoc, heredoc-quoted
    closer: str = ""  # what ends it: ")", "`", "))", "]", "}"
    depth: int = 0  # ( … ) or { … } nested inside, which the closer does not end
    # command frames: the simple command being read
    words: list[_Word] = field(default_factory=list)
    word: _Word | None = None
    expect_command: bool = True
    redirect_target: bool = False  # the next word is a file a redirection names, not an argument
    double_bracket: bool = False
    arithmetic_arguments: bool = False  # `let`: every argument is arithmetic
    case_depth: int = 0
    pipeline_sites: list[int] = field(default_factory=list)  # placeholders of earlier commands of this pipeline
    pending_heredocs: list[tuple[str, bool, bool, str | None]] = field(default_factory=list)
    # here-document frames
    end_word: str = ""
    strip_tabs: bool = False
    read_as_code: str | None = None  # why the body is code (it is fed to a shell)


class _Scanner:
    def __init__(self, code: str, pattern: re.Pattern[str]) -> None:
        self.code = code
        self.pattern = pattern
        self.sites: list[Site] = []
        self.frames: list[_Frame] = [_Frame("cmd")]
        self.pos = 0

    def scan(self) -> list[Site]:
        while self.pos < len(self.code):
            frame = self.frames[-1]
            if frame.kind.startswith("heredoc") and self._at_line_start() and self._ends_heredoc(frame):
                continue
            match = self.pattern.match(self.code, self.pos)
            if match:
                self._site(match)
                continue
            getattr(self, "_in_" + frame.kind.replace("-", "_"))(frame)
        for frame in reversed(self.frames):
            if frame.kind == "cmd":
                self._end_word(frame)
                self._end_command(frame, pipeline_ends=True)
        return self.sites

    # -- helpers ----------------------------------------------------------------

    def _at_line_start(self) -> bool:
        return self.pos == 0 or self.code[self.pos - 1] == "\n"

    def _startswith(self, text: str) -> bool:
        return self.code.startswith(text, self.pos)

    def _command(self) -> _Frame | None:
        """The command frame the current text is a word of; None inside a comment or here-document."""
        for frame in reversed(self.frames):
            if frame.kind in ("comment", "heredoc", "heredoc-quoted"):
                return None
            if frame.kind == "cmd":
                return frame
        return None

    def _add_text(self, text: str) -> None:
        frame = self._command()
        if frame is not None:
            if frame.word is None:
                frame.word = _Word()
            frame.word.text += text

    def _push(self, frame: _Frame) -> None:
        self._add_text("")  # an opening quote or $( starts a word, or goes on with one
        self.frames.append(frame)

    def _set(self, index: int, **changes: object) -> None:
        site = self.sites[index]
        if changes.get("problem") and site.problem:
            return  # the first reason found stands
        self.sites[index] = replace(site, **changes)  # type: ignore[arg-type]

    def _site(self, match: re.Match[str]) -> None:
        frame = self.frames[-1]
        start, end = match.span()
        quoting = QUOTING_OF_FRAME[frame.kind]
        before = self.code[start - 1] if start else ""
        after = self.code[end:end + 1]
        problem = None
        if any(f.kind == "param" for f in self.frames):
            problem = "it is inside ${…}, where quotes do not work as elsewhere"
        elif any(f.kind == "cmd" and f.closer == "`" for f in self.frames):
            problem = "it is inside backticks `…`, whose text the shell reads twice; write $(…) instead"
        elif before == "$" and quoting not in ("sq", "comment", "heredoc-quoted"):
            problem = "it follows a $, which would read the value as a variable name"
        elif frame.kind.startswith("heredoc") and frame.read_as_code:
            problem = frame.read_as_code
        command = self._command()
        word = command.word if command is not None else None
        site = Site(start, end, match.group(), self.code.count("\n", 0, start) + 1, quoting, problem=problem,
                    end_word=frame.end_word if frame.kind.startswith("heredoc") else None)
        if quoting in WORD_QUOTINGS:
            site = replace(
                site,
                word_start=word is None or word.text == "",
                always_quote=quoting == "bare" and (before == "~" or after == "(" or (word is not None and word.braces > 0)),
            )
        self.sites.append(site)
        if command is not None and quoting != "comment":
            if command.word is None:
                command.word = _Word()
            command.word.sites.append(len(self.sites) - 1)
            command.word.text += PLACEHOLDER_MARK
        self.pos = end

    # -- command text -----------------------------------------------------------

    def _in_cmd(self, frame: _Frame) -> None:
        code, c = self.code, self.code[self.pos]
        if frame.closer and self._startswith(frame.closer) and frame.depth == 0 and (frame.closer != ")" or frame.case_depth == 0):
            self._end_word(frame)
            self._end_command(frame, pipeline_ends=True)
            self.frames.pop()
            self.pos += len(frame.closer)
            self._add_text(EXPANSION_MARK)
        elif c in " \t":
            self._end_word(frame)
            self.pos += 1
        elif c == "\n":
            self._end_word(frame)
            self._end_command(frame, pipeline_ends=True)
            self.pos += 1
            if frame.pending_heredocs:
                self._open_heredoc(frame)
        elif c == "#" and frame.word is None:
            self.frames.append(_Frame("comment"))
            self.pos += 1
        elif c == "\\":
            if not code.startswith("\\\n", self.pos):  # a line continuation joins the lines
                self._add_text(code[self.pos + 1:self.pos + 2])
            self.pos += 2
        elif c in "'\"":
            self._push(_Frame("sq" if c == "'" else "dq"))
            self.pos += 1
        elif c == "`":
            self._push(_Frame("cmd", closer="`"))
            self.pos += 1
        elif c == "$":
            self._dollar()
        elif frame.word is None and frame.expect_command and self._startswith("(("):
            self.frames.append(_Frame("arith", closer="))"))
            self.pos += 2
        elif frame.word is None and frame.expect_command and self._startswith("[[") and code[self.pos + 2:self.pos + 3] in (" ", "\t", "\n"):
            frame.double_bracket = True
            frame.expect_command = False
            self.pos += 2
        elif frame.double_bracket and frame.word is None and self._startswith("]]"):
            self._end_command(frame, pipeline_ends=True)
            self.pos += 2
        elif c in "<>" and code[self.pos + 1:self.pos + 2] == "(":
            self._push(_Frame("cmd", closer=")"))
            self.pos += 2
        elif self._startswith("<<") and not self._startswith("<<<"):
            self._end_word(frame, descriptor=True)
            self._heredoc_operator(frame)
        elif c in ";&|()<>":
            self._operator(frame)
        else:
            self._add_text(c)
            self.pos += 1
            word = frame.word
            if word is not None and c == "{":
                word.braces += 1
            elif word is not None and c == "}" and word.braces:
                word.braces -= 1

    def _operator(self, frame: _Frame) -> None:
        operator = OPERATOR.match(self.code, self.pos)
        text = operator.group() if operator else self.code[self.pos]
        self.pos += len(text)
        if text[0] in "<>" or text in ("&>", "&>>"):
            self._end_word(frame, descriptor=True)
            frame.redirect_target = True
            return
        self._end_word(frame)
        if text == "(":
            frame.depth += 1
        elif text == ")" and frame.depth:
            frame.depth -= 1
        self._end_command(frame, pipeline_ends=text not in ("|", "|&"))

    def _dollar(self) -> None:
        for opener, frame in (("$((", _Frame("arith", closer="))")), ("$(", _Frame("cmd", closer=")")),
                              ("${", _Frame("param", closer="}")), ("$[", _Frame("arith", closer="]")),
                              ("$'", _Frame("ansi")), ('$"', _Frame("dq"))):
            if self._startswith(opener):
                self._push(frame)
                self.pos += len(opener)
                return
        self._add_text(EXPANSION_MARK)
        self.pos += 1

    def _end_word(self, frame: _Frame, descriptor: bool = False) -> None:
        """A word of the current simple command is complete: is it the command word, an argument, a file?"""
        word, frame.word = frame.word, None
        if word is None:
            return
        if descriptor and word.text.isdigit() and not word.sites:
            return  # the 2 of 2>&1
        if frame.redirect_target:
            frame.redirect_target = False
            frame.pipeline_sites += word.sites
            return
        if frame.expect_command and not frame.double_bracket:
            if word.text in RESERVED:
                return
            name = word.text.split("=", 1)[0]
            if ASSIGNMENT.match(word.text) and PLACEHOLDER_MARK not in name:
                frame.pipeline_sites += word.sites  # an assignment before the command: its value is a word
                return
            for index in word.sites:
                self._set(index, problem=COMMAND_WORD)
            frame.expect_command = False
            if word.text == "case":
                frame.case_depth += 1
            elif word.text == "esac" and frame.case_depth:
                frame.case_depth -= 1
            frame.arithmetic_arguments = word.text == "let"
        elif frame.arithmetic_arguments:
            for index in word.sites:
                self._set(index, quoting="arith", word_start=False, always_quote=False)
        frame.words.append(word)

    def _end_command(self, frame: _Frame, pipeline_ends: bool) -> None:
        """The current simple command is complete: mark what its programs read as code."""
        words = frame.words
        if frame.double_bracket:
            for number, word in enumerate(words):
                neighbours = {w.text for w in (words[number - 1] if number else None, words[number + 1] if number + 1 < len(words) else None) if w}
                if neighbours & ARITHMETIC_OPERATORS or (number and words[number - 1].text == "-v"):
                    for index in word.sites:
                        self._set(index, quoting="arith", word_start=False, always_quote=False)
        else:
            for index, reason in _read_as_code(words):
                self._set(index, problem=reason)
            names = [_name(word) for word in words]
            reader = _code_reader(names)
            if frame.pipeline_sites and reader:
                for index in frame.pipeline_sites:
                    self._set(index, problem=f"the pipe feeds it to {reader}, which reads it as code")
        sites = [index for word in words for index in word.sites]
        frame.pipeline_sites = [] if pipeline_ends else frame.pipeline_sites + sites
        frame.words = []
        frame.expect_command = True
        frame.double_bracket = frame.arithmetic_arguments = frame.redirect_target = False

    # -- here-documents ------------------------------------------------------------

    def _heredoc_operator(self, frame: _Frame) -> None:
        self.pos += 2
        strip_tabs = self._startswith("-")
        self.pos += strip_tabs
        while self.pos < len(self.code) and self.code[self.pos] in " \t":
            self.pos += 1
        word = HEREDOC_WORD.match(self.code, self.pos)
        if not word:
            return
        raw = word.group()
        self.pos += len(raw)
        end_word = re.sub(r"""\\(.)|['"]""", lambda m: m.group(1) or "", raw)
        names = [_name(w) for w in frame.words]
        reader = _code_reader(names)
        why = f"the here-document is fed to {reader}, which reads it as code" if reader else None
        frame.pending_heredocs.append((end_word, any(ch in raw for ch in "'\"\\"), strip_tabs, why))

    def _open_heredoc(self, frame: _Frame) -> None:
        end_word, quoted, strip_tabs, why = frame.pending_heredocs.pop(0)
        self.frames.append(_Frame("heredoc-quoted" if quoted else "heredoc", end_word=end_word, strip_tabs=strip_tabs, read_as_code=why))

    def _ends_heredoc(self, frame: _Frame) -> bool:
        """At a line start in a here-document: when the line is its end word, close it."""
        end = self.code.find("\n", self.pos)
        end = len(self.code) if end < 0 else end
        line = self.code[self.pos:end]
        if (line.lstrip("\t") if frame.strip_tabs else line) != frame.end_word:
            return False
        self.frames.pop()
        self.pos = min(end + 1, len(self.code))
        parent = self.frames[-1]
        if parent.kind == "cmd" and parent.pending_heredocs:
            self._open_heredoc(parent)
        return True

    def _in_heredoc(self, frame: _Frame) -> None:
        """Text with expansions but no quotes: a here-document's body, and the inside of "…"."""
        c = self.code[self.pos]
        if c == "\\":
            self._add_text(self.code[self.pos + 1:self.pos + 2])
            self.pos += 2
        elif c == "$":
            self._dollar()
        elif c == "`":
            self.frames.append(_Frame("cmd", closer="`"))
            self.pos += 1
        else:
            self._add_text(c)
            self.pos += 1

    def _in_heredoc_quoted(self, frame: _Frame) -> None:
        self.pos += 1

    # -- quoted text --------------------------------------------------------------

    def _in_sq(self, frame: _Frame) -> None:
        c = self.code[self.pos]
        self.pos += 1
        if c == "'":
            self.frames.pop()
        else:
            self._add_text(c)

    def _in_ansi(self, frame: _Frame) -> None:
        if self.code[self.pos] == "\\":  # $'…' reads backslash escapes, \' among them; '…' none
            self._add_text(self.code[self.pos + 1:self.pos + 2])
            self.pos += 2
        else:
            self._in_sq(frame)

    def _in_dq(self, frame: _Frame) -> None:
        if self.code[self.pos] == '"':
            self.frames.pop()
            self.pos += 1
        else:
            self._in_heredoc(frame)

    def _in_comment(self, frame: _Frame) -> None:
        if self.code[self.pos] == "\n":
            self.frames.pop()  # the newline ends the command too: the command frame reads it
        else:
            self.pos += 1

    def _in_param(self, frame: _Frame) -> None:
        c = self.code[self.pos]
        if c == "}" and frame.depth == 0:
            self.frames.pop()
            self.pos += 1
            self._add_text(EXPANSION_MARK)
            return
        frame.depth += {"{": 1, "}": -1}.get(c, 0)
        if c == "\\":
            self.pos += 2
        elif c in "'\"":
            self.frames.append(_Frame("sq" if c == "'" else "dq"))
            self.pos += 1
        elif c == "$":
            self._dollar()
        else:
            self.pos += 1

    def _in_arith(self, frame: _Frame) -> None:
        if frame.depth == 0 and self._startswith(frame.closer):
            self.frames.pop()
            self.pos += len(frame.closer)
            self._add_text(EXPANSION_MARK)
            return
        c = self.code[self.pos]
        frame.depth += {"(": 1, ")": -1}.get(c, 0)
        if c == "$":
            self._dollar()
        else:
            self.pos += 1


def _name(word: _Word) -> str:
    """A word as a program name: /usr/bin/python3.11 reads as python3.11."""
    return word.text.rsplit("/", 1)[-1]


def _interpreter(name: str) -> str | None:
    """python3.11 -> python; None when ``name`` is no interpreter drillbook knows."""
    base = name.rstrip("0123456789.")
    return base if base in INTERPRETERS else None


def _code_reader(names: list[str]) -> str | None:
    """The program of a command that reads its standard input as code: ``bash``, ``python3``, ``ssh host``."""
    for number in _program_positions(names):
        name, rest = names[number], names[number + 1:]
        if name in SHELLS and not any(re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", word) for word in rest):
            return name
        if _interpreter(name) and not set(rest) & set(INTERPRETERS[_interpreter(name) or ""]) and _first_operand(rest, set()) is None:
            return name
        if name == "ssh" and _first_operand(rest, {f"-{letter}" for letter in SSH_OPTIONS_WITH_VALUE}) == len(rest) - 1:
            return name
    return None


def _program_positions(names: list[str]) -> list[int]:
    """Where a program name may stand in a command: first, or anywhere after sudo, env, find -exec, -- …"""
    if not names:
        return []
    wrapper = next((number for number, name in enumerate(names) if name in WRAPPERS), None)
    return [0] + ([] if wrapper is None else list(range(wrapper + 1, len(names))))


def _read_as_code(words: list[_Word]) -> list[tuple[int, str]]:
    """Placeholders in words that a program of this command reads as code: eval, sh -c, ssh, sed, awk, …"""
    found: list[tuple[int, str]] = []
    names = [_name(word) for word in words]

    def mark(first: int, last: int, reason: str) -> None:
        for word in words[first:last]:
            found.extend((index, reason) for index in word.sites)

    for number, name in enumerate(names):
        rest = names[number + 1:]
        if name in SHELLS:  # anywhere: docker run image sh -c '…' too
            flag = next((n for n, word in enumerate(rest, number + 1) if re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", word)), None)
            if flag is not None:
                mark(flag + 1, len(words), f"{name} -c reads it again as shell code")
        elif _interpreter(name):
            options = INTERPRETERS[_interpreter(name) or ""]
            flag = next((n for n, word in enumerate(rest, number + 1) if word in options), None)
            if flag is not None:
                mark(flag + 1, flag + 2, f"{name} {names[flag]} reads it as program text")
    for number in _program_positions(names):
        name, rest = names[number], names[number + 1:]
        if name == "eval":
            mark(number + 1, len(words), "eval reads it again as shell code")
        elif name == "watch":
            mark(number + 1, len(words), "watch runs it again through sh -c")
        elif name == "trap":
            operand = _first_operand(rest, set())
            if operand is not None:
                mark(number + 1 + operand, number + 2 + operand, "trap runs its first argument as shell code")
        elif name == "ssh":
            destination = _first_operand(rest, {f"-{letter}" for letter in SSH_OPTIONS_WITH_VALUE})
            if destination is not None:
                mark(number + 2 + destination, len(words), "ssh sends it to a shell on the remote host")
        elif name in ("sed", "gsed"):
            scripts = [n + 1 for n, word in enumerate(rest, number + 1) if word in ("-e", "--expression")]
            if not scripts and not any(word in ("-f", "--file") for word in rest):
                operand = _first_operand(rest, set())
                scripts = [] if operand is None else [number + 1 + operand]
            for script in scripts:
                mark(script, script + 1, f"{name} reads it as a script, which can run commands")
        elif name in ("awk", "gawk", "mawk", "nawk") and "-f" not in rest:
            operand = _first_operand(rest, {"-F", "-v"})
            if operand is not None:
                mark(number + 1 + operand, number + 2 + operand, f"{name} reads it as a program, which can run commands")
        elif name in NAMING_BUILTINS or (name == "printf" and "-v" in rest):
            for later in range(number + 1, len(words)):
                named = name != "printf" or names[later - 1] == "-v"
                text = words[later].text
                if named and not text.startswith("-") and PLACEHOLDER_MARK in text.split("=", 1)[0]:
                    mark(later, later + 1, f"{name} reads it as a variable name, whose [subscript] can run commands")
    return found


def _first_operand(words: list[str], options_with_value: set[str]) -> int | None:
    """Index of the first word that is not an option (nor an option's value)."""
    skip = False
    for number, word in enumerate(words):
        if skip:
            skip = False
        elif word in options_with_value:
            skip = True
        elif not (word.startswith("-") and word != "-"):
            return number
    return None
