"""Results kept by the content they were computed from, for as long as the process lives.

``mkdocs serve`` rebuilds in the same process, so a page whose text did not change
costs no parsing or validation on a rebuild; within one build, a text that several
steps read is worked on once. Only successes are kept: bad input fails afresh, with
the same message, every time.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

Result = TypeVar("Result")


def content_hash(key: Hashable) -> Hashable:
    """``key`` with each text in it replaced by a 16-byte hash of it, so no page text is kept."""
    if isinstance(key, str):
        return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    if isinstance(key, tuple):
        return tuple(content_hash(part) for part in key)
    return key


class ContentCache(Generic[Result]):
    """A bounded map from content (a text, or a tuple holding texts) to what was computed from it.

    Entries are found by a hash of the content, so the texts themselves are not kept.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: OrderedDict[Hashable, Result] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], Result]) -> Result:
        """The result kept for ``key``, or ``compute()`` kept for next time."""
        key = content_hash(key)
        try:
            result = self._results[key]
        except KeyError:
            result = compute()
            self._results[key] = result
            if len(self._results) > self.size:
                self._results.popitem(last=False)
            return result
        self._results.move_to_end(key)
        return result

    def peek(self, key: Hashable) -> Result | None:
        """The result kept for ``key``, or None: nothing is computed."""
        return self._results.get(content_hash(key))

    def put(self, key: Hashable, result: Result) -> None:
        """Keep ``result`` for ``key``, computed elsewhere (on another thread, by another process)."""
        self.get(key, lambda: result)

    def clear(self) -> None:
        self._results.clear()
