"""Splitting drills across machines: ``--shard K/N`` picks one of N deterministic parts.

The runbooks are sorted by path (as the drill log names them, relative to the folder
of mkdocs.yml) and dealt out in turn: shard 1 takes the 1st, (N+1)th, (2N+1)th...,
shard 2 the 2nd, (N+2)th... So the N shards together drill every runbook exactly
once, their sizes differ by at most one, and the split depends only on the set of
paths, not on the order they were found in. ``drillbook drill --shard`` and pytest's
``--drill-shard`` split the same way.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

Item = TypeVar("Item")

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based: K of K/N
    count: int  # N

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, items: Sequence[Item], path: Callable[[Item], str]) -> list[Item]:
        """This shard's share of ``items``, in path order."""
        ordered = sorted(items, key=path)
        return ordered[self.index - 1 :: self.count]


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> Shard(2, 4); ValueError with a sentence a user can act on otherwise."""
    match = _SHARD.fullmatch(text)
    if match:
        index, count = int(match.group(1)), int(match.group(2))
        if 1 <= index <= count:
            return Shard(index, count)
    raise ValueError(f"expected K/N with 1 ≤ K ≤ N, such as 2/4; got '{text}'")


def shard_argument(text: str) -> Shard:
    """``parse_shard`` as an argparse ``type``: a bad value is a usage error naming the option."""
    try:
        return parse_shard(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
