"""Decision trees: one YAML source drawn as a Mermaid flowchart and walked one question at a time."""

from __future__ import annotations

import re
from typing import Any, Iterator

from markupsafe import Markup, escape
from pydantic import field_validator

from drillbook.components import Options, PageLink, RenderContext, component
from drillbook.errors import DrillbookError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# An outcome link is a page of this site, an anchor, or both: MkDocs turns it into a URL, and
# the site plugin checks the page and anchor exist once every page has rendered.
PAGE_LINK = re.compile(r"^(?:[\w.-]+/)*[\w.-]+\.md(?:#[\w.-]+)?$|^#[\w.-]+$")
# Mermaid entity codes for the characters that would end or change a quoted label: quotes and
# markup, % (a %%{init}%% directive), \ (a literal \n would become a line break), braces and bars.
MERMAID_ENTITIES = {
    '"': "#quot;", "#": "#35;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "`": "#96;",
    "%": "#37;", "\\": "#92;", "{": "#123;", "}": "#125;", "|": "#124;", "[": "#91;", "]": "#93;",
}
# Past these, Mermaid refuses to draw a flowchart (its maxEdges and maxTextSize defaults):
# the tree keeps its walker and its outcome list, and the chart gives way to a note.
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000


class Answer(Options):
    label: str
    goto: str


class Node(Options):
    question: str = ""
    answers: list[Answer] = []
    outcome: str = ""
    link: str = ""
    note: str = ""  # a line shown under the question or the outcome


class Decision(Options):
    id: str
    start: str
    nodes: dict[str, Node]
    title: str = ""

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"'{value}' must be lowercase letters, digits and hyphens")
        return value


def check_tree(tree: Decision) -> None:
    """Raise DrillbookError for the first structural problem of ``tree``, naming the tree and the node."""
    for node, message in tree_problems(tree):
        where = f"tree '{tree.id}'" if node is None else f"tree '{tree.id}', node '{node}'"
        raise DrillbookError(f"{where}: {message}")


def tree_problems(tree: Decision) -> Iterator[tuple[str | None, str]]:
    """``(node name or None, message)`` for each problem, in the order the guide lists the rules."""
    known = ", ".join(tree.nodes)
    for name in tree.nodes:
        if not SLUG.match(name):
            yield name, "node ids are lowercase letters, digits and hyphens"
    if tree.start not in tree.nodes:
        yield None, f"start '{tree.start}' is not a node (known: {known})"
        return
    for name, node in tree.nodes.items():
        asks = bool(node.question or node.answers)
        if asks and node.outcome:
            yield name, "a node is a question or an outcome, not both"
        elif not asks and not node.outcome:
            yield name, "a node needs a question with answers, or an outcome"
        elif asks and not node.question:
            yield name, "answers need a question"
        elif asks and len(node.answers) < 2:
            yield name, f"a question needs at least two answers, got {len(node.answers)}"
        elif asks and node.link:
            yield name, "only outcomes have a link"
        elif node.link and not PAGE_LINK.match(node.link):
            yield name, f"link '{node.link}' must be a page of this site, like runbooks/rollback.md#anchor"
        for message in _answer_problems(node, tree, known):
            yield name, message
    if any(answer.goto not in tree.nodes for node in tree.nodes.values() for answer in node.answers):
        return  # the walks below would follow a missing node
    loop = _first_loop(tree)
    if loop:
        yield loop[0], f"answers lead back to it: {' -> '.join(loop)}"
        return
    reached = _reachable(tree)
    for name in tree.nodes:
        if name not in reached:
            yield name, f"cannot be reached from the start node '{tree.start}'"


def _answer_problems(node: Node, tree: Decision, known: str) -> Iterator[str]:
    labels: set[str] = set()
    targets: dict[str, str] = {}
    for answer in node.answers:
        if answer.goto not in tree.nodes:
            yield f"answer '{answer.label}' goes to '{answer.goto}', which is not a node (known: {known})"
        if answer.label in labels:
            yield f"two answers are labelled '{answer.label}'"
        if answer.goto in targets:
            yield f"answers '{targets[answer.goto]}' and '{answer.label}' both go to '{answer.goto}'"
        labels.add(answer.label)
        targets.setdefault(answer.goto, answer.label)


def _first_loop(tree: Decision) -> list[str] | None:
    """The first cycle found by a depth-first search from the start, then from every node, as a path.

    Iterative, so a chain of thousands of questions cannot exhaust Python's stack.
    """
    done: set[str] = set()
    for root in [tree.start, *tree.nodes]:
        if root in done:
            continue
        path: list[str] = [root]
        on_path = {root}
        pending = [iter(tree.nodes[root].answers)]
        while pending:
            answer = next(pending[-1], None)
            if answer is None:
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                pending.pop()
                continue
            target = answer.goto
            if target in on_path:
                return path[path.index(target) :] + [target]
            if target in done:
                continue
            path.append(target)
            on_path.add(target)
            pending.append(iter(tree.nodes[target].answers))
    return None


def _reachable(tree: Decision) -> set[str]:
    seen = {tree.start}
    todo = [tree.start]
    while todo:
        for answer in tree.nodes[todo.pop()].answers:
            if answer.goto not in seen:
                seen.add(answer.goto)
                todo.append(answer.goto)
    return seen


def mermaid_label(text: str) -> str:
    """``text`` as the inside of a quoted Mermaid label: one line, entity codes for quotes and markup."""
    return "".join(MERMAID_ENTITIES.get(char, char) for char in " ".join(text.split()))


def mermaid_source(tree: Decision) -> str:
    """A top-down Mermaid flowchart of ``tree``; node ids are generated so no name can break the syntax."""
    ids = {name: f"n{index}" for index, name in enumerate(_in_walk_order(tree))}
    # Drawn at its natural size, never shrunk to the column: its text stays readable and a
    # phone scrolls the chart sideways (decision.css).
    lines = ['%%{init: {"flowchart": {"useMaxWidth": false}}}%%', "flowchart TD"]
    for name, node_id in ids.items():
        node = tree.nodes[name]
        if node.outcome:
            lines.append(f'  {node_id}("{mermaid_label(node.outcome)}")')
        else:
            lines.append(f'  {node_id}{{"{mermaid_label(node.question)}"}}')
    for name, node_id in ids.items():
        for answer in tree.nodes[name].answers:
            lines.append(f'  {node_id} -->|"{mermaid_label(answer.label)}"| {ids[answer.goto]}')
    return "\n".join(lines)


def _in_walk_order(tree: Decision) -> list[str]:
    """Node names breadth-first from the start, so the chart reads in the order a walker meets them."""
    order = [tree.start]
    seen = {tree.start}
    for name in order:
        for answer in tree.nodes[name].answers:
            if answer.goto not in seen:
                seen.add(answer.goto)
                order.append(answer.goto)
    return order


def walker_data(tree: Decision, link_index: dict[str, int]) -> dict[str, Any]:
    """What decision.js needs: the tree, with each outcome's link as an index into the outcome list."""
    nodes: dict[str, Any] = {}
    for name, node in tree.nodes.items():
        if node.outcome:
            nodes[name] = {"outcome": node.outcome, "note": node.note, "link": link_index.get(name)}
        else:
            nodes[name] = {
                "question": node.question,
                "note": node.note,
                "answers": [{"label": a.label, "goto": a.goto} for a in node.answers],
            }
    return {"id": tree.id, "title": tree.title, "start": tree.start, "nodes": nodes}


def too_big_for_mermaid(tree: Decision, source: str) -> str | None:
    """Why Mermaid would refuse to draw ``tree``, or None when it fits."""
    edges = sum(len(node.answers) for node in tree.nodes.values())
    if edges > MERMAID_MAX_EDGES:
        return f"{edges} answers, more than the {MERMAID_MAX_EDGES} a chart can draw"
    if len(source) > MERMAID_MAX_TEXT:
        return f"{len(source)} characters of chart, more than the {MERMAID_MAX_TEXT} a chart can draw"
    return None


def _prepare(tree: Decision, context: RenderContext) -> dict[str, Any]:
    check_tree(tree)
    first = context.decision_lines.get(tree.id)
    if first is not None:
        raise DrillbookError(f"tree id '{tree.id}' is already used by the decision on line {first + context.line_offset}")
    anchor = context.heading_anchors.get(tree.id)
    if anchor is not None:
        raise DrillbookError(f"tree id '{tree.id}' is also the anchor of the heading on line {anchor + context.line_offset}; rename the tree")
    context.decision_lines[tree.id] = context.block_line
    mermaid = mermaid_source(tree)
    too_big = too_big_for_mermaid(tree, mermaid)
    if too_big:
        context.warn(DrillbookError(f"decision: tree '{tree.id}' is too big to draw ({too_big}); the page shows its walker and outcome list without a chart", line=context.block_line))
    outcomes = [name for name in _in_walk_order(tree) if tree.nodes[name].outcome]
    linked = [name for name in outcomes if tree.nodes[name].link]
    link_index = {name: index for index, name in enumerate(linked)}
    # Outcome links stay Markdown links, so MkDocs rewrites them to URLs and checks
    # that the page and the anchor exist; their text is stashed HTML, never re-parsed.
    outcome_lines = []
    for name in outcomes:
        node = tree.nodes[name]
        if node.link:
            context.links.append(PageLink(node.link, context.block_line, f"decision: tree '{tree.id}', node '{name}'"))
        text = context.stash(str(escape(node.outcome)))
        outcome_lines.append(f"- [{text}]({node.link})" if node.link else f"- {text}")
    return {
        "tree": tree,
        "mermaid": "" if too_big else mermaid,
        "too_big": too_big,
        "data": walker_data(tree, link_index),
        "outcome_markdown": Markup("\n".join(outcome_lines)),
    }


component("decision", "decision.html", prepare=_prepare)(Decision)
