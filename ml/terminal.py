"""Progress of long passes for people: a tqdm bar with an ETA on a terminal, a few plain lines otherwise.

Off a terminal (CI, logs, a worker) a pass prints one line when it starts and one at each quarter,
so logs stay short and line-based. Library code never prints: it calls an `on_batch(done, total)`
callback, and the CLI, the experiment script and the test fixtures pass one of these.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

QUARTERS = (0.25, 0.5, 0.75, 1.0)


class RowProgress:
    """An `on_batch(done, total)` callback for one pass over `total` rows, described by `desc`."""

    def __init__(self, desc: str, stream: TextIO | None = None, unit: str = "row") -> None:
        self.desc = desc
        self.stream = stream or sys.stderr
        self.unit = unit
        self.bar: Any = None
        self.started: float | None = None
        self.next_quarter = 0
        self.finished = False
        self.tty = _isatty(self.stream)

    def __call__(self, done: int, total: int) -> None:
        self.finished = done >= total
        if self.started is None:
            self.started = time.perf_counter()
            if self.tty:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=self.desc, unit=self.unit, file=self.stream, leave=True)
            else:
                print(f"{self.desc}: {total:,} {self.unit}s", file=self.stream, flush=True)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            if done >= total:
                self.close()
            return
        crossed = self.next_quarter
        while self.next_quarter < len(QUARTERS) and total and done >= QUARTERS[self.next_quarter] * total:
            self.next_quarter += 1
        if self.next_quarter > crossed:  # one line, however many quarters this batch crossed
            elapsed = time.perf_counter() - (self.started or 0.0)
            eta = elapsed * (total - done) / done if done else 0.0
            print(
                f"{self.desc}: {done:,}/{total:,} {self.unit}s, {elapsed:.0f} s, eta {eta:.0f} s",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def quiet_transformers() -> None:
    """Silence the tqdm bars ("Loading weights") and info logs transformers and datasets write to stderr."""
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
