"""Results kept by the content they were computed from, for as long as the process lives.

``mkdocs serve`` rebuilds in the same process, so a page whose text did not change
costs no parsing or validation on a rebuild; within one build, a text that several
steps read is worked on once. Only successes are kept: bad input fails afresh, with
the same message, every time.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

Result = TypeVar("Result")


class ContentCache(Generic[Result]):
    """A bounded map from content (a text, or a tuple holding texts) to what was computed from it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: OrderedDict[Hashable, Result] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], Result]) -> Result:
        """The result kept for ``key``, or ``compute()`` kept for next time."""
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

    def clear(self) -> None:
        self._results.clear()
