"""Progress of a long import or export, for a terminal bar or a background job's row."""

from __future__ import annotations

from typing import Any

PROGRESS_STEP_MAX = 200


def progress_step(total: int) -> int:
    """Rows between two progress reports: 1% of the total, between 1 and PROGRESS_STEP_MAX."""
    return max(1, min(PROGRESS_STEP_MAX, total // 100))


class _Progress:
    """Feeds a tqdm-like object (`update(n)`, `total`) or a callable `progress(done, total)`.

    A callable is called at an interval, not for every row: when the count has moved by 1% of
    the total (at most every PROGRESS_STEP_MAX rows), after the total changed, and at the end,
    so a background job can store its progress without a database write per row."""

    def __init__(self, target: Any):
        self.target = target
        self.done = 0
        self.total = 0
        self._reported = (-1, -1)

    @property
    def _is_callback(self) -> bool:
        return (
            self.target is not None and not hasattr(self.target, "update") and callable(self.target)
        )

    def add_total(self, extra: int) -> None:
        self.total += extra
        if self.target is not None and hasattr(self.target, "update"):
            try:
                self.target.total = self.total
                if hasattr(self.target, "refresh"):
                    self.target.refresh()
            except AttributeError:
                pass

    def advance(self) -> None:
        self.done += 1
        if self.target is None:
            return
        if hasattr(self.target, "update"):
            self.target.update(1)
        elif self._is_callback:
            last_done, last_total = self._reported
            if (
                self.total != last_total
                or self.done >= self.total
                or self.done - last_done >= progress_step(self.total)
            ):
                self._report()

    def _report(self) -> None:
        if self._reported != (self.done, self.total):
            self._reported = (self.done, self.total)
            self.target(self.done, self.total)

    def close(self) -> None:
        if self.target is None:
            return
        if hasattr(self.target, "close"):
            self.target.close()
        elif self._is_callback:
            self._report()
