"""A forgiving reader of shell text: a block's commands, their words, and where each one starts.

Not a shell parser. It knows enough of bash's grammar (quotes, expansions, command and
process substitution, heredocs, pipes, ``&&``/``||``, compound commands, functions) for
drillbook's rules to find commands, their arguments and how each argument is quoted,
with the offset of every word. Text it does not understand is read as words, never an
error: ShellCheck is what reports text that does not parse. Every loop moves forward,
and substitutions nested past :data:`MAX_NESTING` are skipped as text, so no input
hangs it or overflows the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

# Placeholders are read as ordinary word characters: their brackets are swapped for these
# two private-use characters (same length, so every offset stays put) before reading.
OPEN, CLOSE = "\ue000", "\ue001"
# <NAME>, <what-it-fixes>, <pod.name>: a letter, then letters, digits, _ . : / -; no space.
PLACEHOLDER = re.compile(r"(?<![<\w$])<([A-Za-z][A-Za-z0-9_.:/-]*)>")
MARKED_PLACEHOLDER = re.compile(f"{OPEN}([^{CLOSE}]*){CLOSE}")
# Substitutions nested deeper than this are skipped as text, not read.
MAX_NESTING = 40

METACHARS = frozenset(" \t\n;&|<>()")
WORD_RUN = re.compile(r"[^\s;&|<>()'\"`$\\]+")
QUOTED_RUN = re.compile(r'[^"\\$`]+')
BLANKS = re.compile(r"[ \t]*(?:\\\n[ \t]*)*")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PEEK = re.compile(r"[^\s;&|<>()]+")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
REDIRECT = re.compile(r"(\d*)(<<<|<<-|<<|<>|<&|>>|>&|>\||&>>|&>|<|>)")
OPERATOR = re.compile(r";;&|;;|;&|\|\||\|&|&&|[;&|]")
FUNCTION_PARENS = re.compile(r"[ \t]*\([ \t]*\)")
# ${X:?}, ${X?msg}: fails when empty or unset. ${X:-default}, ${X:=default}: never empty.
GUARDED_PARAMETER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?(?::?\?|:[-=](?!\}))")

OPENERS = {"if": "fi", "case": "esac", "for": "done", "select": "done", "while": "done", "until": "done", "{": "}"}
CLOSERS = frozenset({"fi", "done", "esac", "}"})
# Reserved words after which a command starts.
KEYWORDS = frozenset({"then", "do", "else", "elif", "!", "time"})
INPUT_REDIRECTS = frozenset({"<", "<<", "<<-", "<<<", "<>", "<&"})


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a word. ``literal``: unquoted text; ``single``/``ansi``: a '...'/$'...' string with
    its quotes; ``quoted``: text inside "..."; ``parameter`` ($X, ${X}), ``command`` ($(...), `...`),
    ``arithmetic`` ($((...))) and ``process`` (<(...)) expansions, ``quoted`` when inside "..."."""

    kind: str
    start: int
    end: int
    text: str
    quoted: bool = False

    @property
    def expansion(self) -> bool:
        return self.kind in ("parameter", "command", "arithmetic", "process")

    @property
    def guarded(self) -> bool:
        """A parameter that is never silently empty: ``${X:?}`` or ``${X:-default}``."""
        return self.kind == "parameter" and bool(GUARDED_PARAMETER.match(self.text))

    @property
    def value(self) -> str:
        if self.kind == "single":
            return self.text[1:-1] if len(self.text) > 1 and self.text.endswith("'") else self.text[1:]
        if self.kind == "ansi":
            return self.text[2:-1] if len(self.text) > 2 and self.text.endswith("'") else self.text[2:]
        if self.kind == "literal":
            return re.sub(r"\\(.)", r"\1", self.text, flags=re.S) if "\\" in self.text else self.text
        if self.kind == "quoted":
            return re.sub(r'\\([\\"$`])', r"\1", self.text)
        return self.text


@dataclass(slots=True)
class Word:
    start: int
    end: int
    text: str  # as written, placeholders marked
    parts: list[Part] = field(default_factory=list)
    _value: str | None = field(default=None, repr=False, compare=False)
    _literal: bool | None = field(default=None, repr=False, compare=False)

    @property
    def value(self) -> str:
        """The word with its quotes taken off (expansions kept as written)."""
        if self._value is None:
            self._value = "".join(part.value for part in self.parts)
        return self._value

    @property
    def literal(self) -> bool:
        """No expansion anywhere in the word: its value is what the command gets."""
        if self._literal is None:
            self._literal = not any(part.expansion for part in self.parts)
        return self._literal


class _HasEnd(Protocol):
    end: int


@dataclass(slots=True)
class Redirect:
    op: str  # <, >, >>, <<, <<-, <<<, <&, >&, &>, ...
    start: int
    target: Word | None
    fd: str = ""  # the descriptor written before the operator: 2 in 2>&1

    @property
    def feeds_stdin(self) -> bool:
        return self.op in INPUT_REDIRECTS and self.fd in ("", "0")


@dataclass(slots=True)
class Statement:
    """A simple or compound command's extent (offsets), for the scope of a suppression before it."""

    start: int
    end: int


@dataclass(slots=True)
class Command:
    """One simple command: its assignments, words and redirects, and where its input comes from."""

    start: int
    end: int = 0
    assignments: list[Word] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    piped_in: bool = False  # right of | in a pipeline
    fed: bool = False  # an enclosing loop, group, pipeline or substitution gives it standard input
    in_function: bool = False
    substituted: bool = False  # inside $( ), ` ` or <( )
    program: list[Word] | None = field(default=None, repr=False, compare=False)  # the rules' argv, once read

    @property
    def has_input(self) -> bool:
        return self.piped_in or self.fed or any(redirect.feeds_stdin for redirect in self.redirects)


@dataclass(frozen=True, slots=True)
class Comment:
    start: int
    end: int
    text: str
    own_line: bool  # nothing but blanks before it on its line


@dataclass(slots=True)
class ShellText:
    text: str
    commands: list[Command] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    heredocs: list[tuple[int, int]] = field(default_factory=list)  # bodies: start, end offsets
    pipelines: list[list[Command]] = field(default_factory=list)  # simple commands joined by |, in order
    complete: bool = True  # False when the text ends inside a quote, substitution, heredoc or compound


def mark_placeholders(text: str) -> str:
    """``text`` with each placeholder's brackets swapped for private-use characters (same offsets)."""
    return PLACEHOLDER.sub(lambda match: OPEN + match.group(1) + CLOSE, text)


def unmark(text: str) -> str:
    """Marked placeholders written back with their angle brackets."""
    return text.replace(OPEN, "<").replace(CLOSE, ">")


def read_shell(text: str) -> ShellText:
    """The commands, comments, statements and heredoc bodies of ``text`` (placeholders already marked)."""
    reader = _Reader(text)
    reader.read_list(terminator=None, fed=False, substituted=False, depth=0)
    return reader.result


@dataclass(slots=True)
class _Frame:
    """An open compound command: ``if``, a loop, ``case``, ``{ }`` or ``( )``."""

    opener: str
    statement: Statement
    first_command: int  # the commands read inside it are the reader's from this index on
    fed: bool = False
    function: bool = False
    case_pattern: bool = False  # in a case body, where the next words are a pattern up to ')'


@dataclass(slots=True)
class _Heredoc:
    delimiter: str
    strip_tabs: bool
    owners: list[_HasEnd]  # what ends where the body ends: its command and statement


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.result = ShellText(text)
        self.pending: list[_Heredoc] = []
        self.backticks = 0  # backtick substitutions being read: a backtick ends the innermost
        self.function_next = False  # a function name was read: the next compound is its body

    # -- lists and commands ---------------------------------------------------

    def read_list(self, terminator: str | None, fed: bool, substituted: bool, depth: int) -> None:
        """Commands up to an unnested ``terminator`` (``)`` or a backtick), or the end of the text."""
        text = self.text
        frames: list[_Frame] = []
        piped = False  # the last operator was a pipe
        pipeline: list[Command] | None = None  # the simple commands of the pipeline being read
        at_start = True  # a command may start here
        while self.pos < len(text):
            self.pos = BLANKS.match(text, self.pos).end()  # type: ignore[union-attr]
            if self.pos >= len(text):
                break
            char = text[self.pos]
            before = self.pos
            if char == "\n":
                self.pos += 1
                self._read_heredocs()
                if not piped:  # after a |, the pipeline goes on on the next line
                    pipeline = None
                at_start = True
            elif char == "#":
                self._read_comment()
            elif char == terminator and not (char == ")" and frames and frames[-1].opener == "("):
                self.pos += 1
                return
            elif char == ")" and frames and frames[-1].opener == "(":
                self.pos += 1
                self._close(frames, substituted, depth)
                at_start = False
            elif char in ";&|":
                operator = OPERATOR.match(text, self.pos).group()  # type: ignore[union-attr]
                self.pos += len(operator)
                piped = operator in ("|", "|&")
                if not piped:
                    pipeline = None
                if operator.startswith(";;") or operator == ";&":
                    if frames and frames[-1].opener == "case":
                        frames[-1].case_pattern = True
                at_start = True
            elif at_start and frames and frames[-1].case_pattern and not text.startswith("esac", self.pos):
                self._read_case_pattern(frames[-1])
            elif at_start and text.startswith("((", self.pos):
                self.pos = self._balanced_end(self.pos, "(", ")")
                at_start = False
            elif at_start and char == "(":
                self._open(frames, "(", self.pos, piped, fed)
                self.pos += 1
                piped = False
            else:
                command = self._read_command(frames, piped, fed, substituted, depth)
                if command is not None:
                    if piped and pipeline is not None:
                        pipeline.append(command)
                    else:
                        pipeline = [command]
                        self.result.pipelines.append(pipeline)
                piped = False
                at_start = command is None
            if self.pos == before:  # nothing here could be read: step over it
                self.pos += 1
        self._read_heredocs()
        if terminator is not None or frames or text.endswith("\\"):
            self.result.complete = False
        while frames:  # never closed: what was read is kept
            self._close(frames, substituted, depth, closed=False)

    def _open(self, frames: list[_Frame], opener: str, start: int, piped: bool, fed: bool) -> _Frame:
        statement = Statement(start, start)
        self.result.statements.append(statement)
        parent = frames[-1] if frames else None
        frame = _Frame(opener, statement, len(self.result.commands), fed=piped or fed or (parent is not None and parent.fed),
                       function=self.function_next or (parent is not None and parent.function))
        self.function_next = False
        frames.append(frame)
        return frame

    def _read_command(self, frames: list[_Frame], piped: bool, fed: bool, substituted: bool, depth: int) -> Command | None:
        """A simple command, or a reserved word that opens or closes a compound (then None)."""
        start = self.pos
        peeked = PEEK.match(self.text, self.pos)
        first = peeked.group() if peeked else ""
        if first in CLOSERS and frames:
            self.pos += len(first)
            self._close(frames, substituted, depth)
            return None
        if first in OPENERS:
            self.pos += len(first)
            frame = self._open(frames, first, start, piped, fed)
            if first in ("for", "select", "case"):
                self._read_header(frame, fed, substituted, depth)
            return None
        if first in KEYWORDS:
            self.pos += len(first)
            return None
        if first == "function":
            self.pos = BLANKS.match(self.text, self.pos + len(first)).end()  # type: ignore[union-attr]
            self._read_word(fed, substituted, depth)
            match = FUNCTION_PARENS.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            self.function_next = True
            return None
        statement = Statement(start, start)
        inside = frames[-1] if frames else None
        command = Command(start, piped_in=piped, fed=fed or (inside is not None and inside.fed),
                          in_function=inside is not None and inside.function, substituted=substituted)
        if first == "[[":
            self._read_test(command, substituted, depth)
        else:
            self._read_words(command, statement, substituted, depth)
        command.end = statement.end = max(self.pos, statement.end)
        if not command.words and not command.assignments and not command.redirects:
            return None
        self.result.commands.append(command)
        self.result.statements.append(statement)
        return command

    def _read_words(self, command: Command, statement: Statement, substituted: bool, depth: int) -> None:
        text = self.text
        while self.pos < len(text):
            self.pos = BLANKS.match(text, self.pos).end()  # type: ignore[union-attr]
            if self.pos >= len(text):
                break
            char = text[self.pos]
            if char == "#" and text[self.pos - 1] in " \t\n":
                break
            redirect = REDIRECT.match(text, self.pos)
            if redirect and not text.startswith("(", redirect.end()):
                self._read_redirect(command, redirect, [command, statement], substituted, depth)
                continue
            if char in "\n;&|)" or (char == "`" and self.backticks):
                break
            if char == "(":
                if len(command.words) == 1 and not command.assignments and FUNCTION_PARENS.match(text, self.pos):
                    self.pos = FUNCTION_PARENS.match(text, self.pos).end()  # type: ignore[union-attr]
                    self.function_next = True
                    command.words.clear()  # a function's name is not a command
                    return
                command.words.append(self._literal(self.pos, self.pos + 1))  # a stray '(' is a word of its own
                continue
            word = self._read_word(command.piped_in or command.fed, substituted, depth)
            if word is None:
                self.pos += 1
            elif not command.words and ASSIGNMENT.match(word.text):
                command.assignments.append(word)
            else:
                command.words.append(word)

    def _literal(self, start: int, end: int) -> Word:
        self.pos = end
        text = self.text[start:end]
        return Word(start, end, text, [Part("literal", start, end, text)])

    def _read_test(self, command: Command, substituted: bool, depth: int) -> None:
        """``[[ ... ]]``: here < and > compare and && and || join tests, up to the closing ]]."""
        text = self.text
        while self.pos < len(text):
            self.pos = BLANKS.match(text, self.pos).end()  # type: ignore[union-attr]
            if self.pos >= len(text) or text[self.pos] == "\n":
                break
            operator = re.match(r"&&|\|\||[<>()!]", text[self.pos:self.pos + 2])
            if operator:
                word: Word | None = self._literal(self.pos, self.pos + len(operator.group()))
            else:
                word = self._read_word(command.fed, substituted, depth)
                if word is None:
                    self.pos += 1
                    continue
            assert word is not None
            command.words.append(word)
            if word.text == "]]":
                break

    def _close(self, frames: list[_Frame], substituted: bool, depth: int, closed: bool = True) -> None:
        """End the innermost compound: a redirect of its input after it feeds every command in it."""
        frame = frames.pop()
        frame.statement.end = max(frame.statement.end, self.pos)
        if closed:
            holder = Command(self.pos)
            while True:
                position = BLANKS.match(self.text, self.pos).end()  # type: ignore[union-attr]
                redirect = REDIRECT.match(self.text, position)
                if not redirect or self.text.startswith("(", redirect.end()):
                    break
                self.pos = position
                self._read_redirect(holder, redirect, [frame.statement], substituted, depth)
            if holder.has_input:
                for command in self.result.commands[frame.first_command:]:
                    command.fed = True
            frame.statement.end = max(frame.statement.end, self.pos)

    def _read_header(self, frame: _Frame, fed: bool, substituted: bool, depth: int) -> None:
        """The words after ``for``/``select``/``case``, up to ``in`` (case) or a separator: not a command."""
        text = self.text
        while self.pos < len(text):
            self.pos = BLANKS.match(text, self.pos).end()  # type: ignore[union-attr]
            if self.pos >= len(text) or text[self.pos] in "\n;&|)#":
                return
            if text.startswith("((", self.pos):
                self.pos = self._balanced_end(self.pos, "(", ")")
                continue
            peeked = PEEK.match(text, self.pos)
            if frame.opener == "case" and peeked and peeked.group() == "in":
                self.pos += 2
                frame.case_pattern = True
                return
            if peeked and peeked.group() == "do":
                return
            if self._read_word(fed, substituted, depth) is None:
                self.pos += 1

    def _read_case_pattern(self, frame: _Frame) -> None:
        """A case item's pattern, up to its ')'."""
        frame.case_pattern = False
        text = self.text
        nesting = 0
        while self.pos < len(text):
            char = text[self.pos]
            if char in "'\"":
                end = text.find(char, self.pos + 1)
                self.pos = len(text) if end < 0 else end + 1
                continue
            if char == "\\":
                self.pos += 2
                continue
            self.pos += 1
            if char == "(":
                nesting += 1
            elif char == ")":
                if nesting == 0:
                    return
                nesting -= 1

    # -- comments and heredocs ------------------------------------------------

    def _read_comment(self) -> None:
        text = self.text
        end = text.find("\n", self.pos)
        end = len(text) if end < 0 else end
        line_start = text.rfind("\n", 0, self.pos) + 1
        own_line = not text[line_start:self.pos].strip()
        self.result.comments.append(Comment(self.pos, end, text[self.pos:end], own_line))
        self.pos = end

    def _read_heredocs(self) -> None:
        """The bodies of the heredocs opened on the line just ended, each up to its delimiter line."""
        text = self.text
        while self.pending:
            heredoc = self.pending.pop(0)
            start = self.pos
            while self.pos < len(text):
                end = text.find("\n", self.pos)
                end = len(text) if end < 0 else end
                line = text[self.pos:end]
                self.pos = min(end + 1, len(text))
                if (line.lstrip("\t") if heredoc.strip_tabs else line) == heredoc.delimiter:
                    self.result.heredocs.append((start, end))
                    for owner in heredoc.owners:
                        owner.end = max(owner.end, end)
                    break
            else:
                self.result.complete = False
                self.result.heredocs.append((start, len(text)))
                for owner in heredoc.owners:
                    owner.end = len(text)

    def _read_redirect(self, command: Command, match: re.Match[str], owners: list[_HasEnd],
                       substituted: bool, depth: int) -> None:
        op = match.group(2)
        start = self.pos
        self.pos = BLANKS.match(self.text, match.end()).end()  # type: ignore[union-attr]
        target = None
        if self.pos < len(self.text) and self.text[self.pos] not in "\n;&|()<>":
            target = self._read_word(command.fed, substituted, depth)
        command.redirects.append(Redirect(op, start, target, match.group(1)))
        if op in ("<<", "<<-") and target is not None:
            self.pending.append(_Heredoc(target.value, op == "<<-", list(owners)))

    # -- words ----------------------------------------------------------------

    def _read_word(self, fed: bool, substituted: bool, depth: int) -> Word | None:
        """One word from here: literal runs, quotes and expansions, up to an unquoted metacharacter."""
        text = self.text
        start = self.pos
        parts: list[Part] = []
        while self.pos < len(text):
            char = text[self.pos]
            if char in METACHARS:
                if char in "<>" and text.startswith("(", self.pos + 1):
                    begin = self.pos
                    end = self._substitution(self.pos + 2, ")", fed, depth)
                    parts.append(Part("process", begin, end, text[begin:end]))
                    continue
                if char == "(" and parts and parts[-1].kind == "literal" and parts[-1].text[-1] in "=@?*+!":
                    end = self._balanced_end(self.pos, "(", ")")  # an array assignment or an extglob
                    parts.append(Part("literal", self.pos, end, text[self.pos:end]))
                    self.pos = end
                    continue
                break
            run = WORD_RUN.match(text, self.pos)
            if run:
                parts.append(Part("literal", self.pos, run.end(), run.group()))
                self.pos = run.end()
            elif char == "\\":
                end = min(self.pos + 2, len(text))
                if text[self.pos + 1:end] != "\n":  # a line continuation joins, and is no character
                    parts.append(Part("literal", self.pos, end, text[self.pos:end]))
                self.pos = end
            elif char == "'":
                close = text.find("'", self.pos + 1)
                end = len(text) if close < 0 else close + 1
                self.result.complete = self.result.complete and close >= 0
                parts.append(Part("single", self.pos, end, text[self.pos:end]))
                self.pos = end
            elif char == '"':
                parts.extend(self._read_double(fed, depth))
            elif char == "`":
                if self.backticks:
                    break  # the end of the backtick substitution this word is in
                begin = self.pos
                end = self._substitution(self.pos + 1, "`", fed, depth)
                parts.append(Part("command", begin, end, text[begin:end]))
            else:  # $
                parts.append(self._read_dollar(False, fed, depth))
        if self.pos == start:
            return None
        return Word(start, self.pos, text[start:self.pos], parts)

    def _read_double(self, fed: bool, depth: int) -> list[Part]:
        """A double-quoted string as its quoted text runs and the expansions inside it."""
        text = self.text
        parts: list[Part] = []
        self.pos += 1
        while self.pos < len(text):
            char = text[self.pos]
            run = QUOTED_RUN.match(text, self.pos)
            if run:
                parts.append(Part("quoted", self.pos, run.end(), run.group()))
                self.pos = run.end()
            elif char == "\\":
                end = min(self.pos + 2, len(text))
                parts.append(Part("quoted", self.pos, end, text[self.pos:end]))
                self.pos = end
            elif char == '"':
                self.pos += 1
                break
            elif char == "`":
                begin = self.pos
                end = self._substitution(self.pos + 1, "`", fed, depth)
                parts.append(Part("command", begin, end, text[begin:end], quoted=True))
            else:  # $
                parts.append(self._read_dollar(True, fed, depth))
        else:
            self.result.complete = False
        return parts

    def _read_dollar(self, quoted: bool, fed: bool, depth: int) -> Part:
        text = self.text
        start = self.pos
        following = text[start + 1:start + 2]
        if text.startswith("$((", start):
            end, kind = self._balanced_end(start + 1, "(", ")"), "arithmetic"
        elif following == "(":
            end, kind = self._substitution(start + 2, ")", fed, depth), "command"
        elif following == "{":
            end, kind = self._balanced_end(start + 1, "{", "}"), "parameter"
        elif following == "'" and not quoted:
            end, kind = self._escaped_end(start + 2, "'"), "ansi"
        elif following.isascii() and (following.isdigit() or (following and following in "@*#?$!-")):
            end, kind = start + 2, "parameter"
        elif following.isascii() and (following.isalpha() or following == "_"):
            end, kind = NAME.match(text, start + 1).end(), "parameter"  # type: ignore[union-attr]
        else:
            end, kind = start + 1, "quoted" if quoted else "literal"
        self.pos = end
        return Part(kind, start, end, text[start:end], quoted=quoted)

    def _escaped_end(self, index: int, closer: str) -> int:
        """The offset after the first ``closer`` from ``index`` not escaped by a backslash; the end if none."""
        text = self.text
        while index < len(text):
            if text[index] == "\\":
                index += 2
            elif text[index] == closer:
                return index + 1
            else:
                index += 1
        self.result.complete = False
        return len(text)

    def _substitution(self, start: int, terminator: str, fed: bool, depth: int) -> int:
        """Read the commands of a substitution whose text starts at ``start``; the offset after it."""
        if depth >= MAX_NESTING:
            self.pos = self._balanced_end(start - 1, "(", ")") if terminator == ")" else self._escaped_end(start, "`")
            return self.pos
        outer, outer_backticks = self.pending, self.backticks
        self.pending = []
        self.backticks = 1 if terminator == "`" else 0
        self.pos = start
        self.read_list(terminator, fed, substituted=True, depth=depth + 1)
        self.pending, self.backticks = outer + self.pending, outer_backticks
        return self.pos

    def _balanced_end(self, start: int, opener: str, closer: str) -> int:
        """The offset after the ``closer`` matching the ``opener`` at ``start``, skipping quotes; the end if none."""
        text = self.text
        nesting = 0
        index = start
        while index < len(text):
            char = text[index]
            if char == "\\":
                index += 2
                continue
            if char in "'\"":
                end = text.find(char, index + 1)
                index = len(text) if end < 0 else end + 1
                continue
            if char == opener:
                nesting += 1
            elif char == closer:
                nesting -= 1
                if nesting == 0:
                    return index + 1
            index += 1
        self.result.complete = False
        return len(text)
