"""Progress a person or a CI log can follow: a bar on a terminal, lines elsewhere.

On a terminal :class:`Progress` draws tqdm's bar. When the stream is not a terminal (a CI
log, a file), it prints a line every ``every`` items and at least every ``seconds`` seconds
when something happened, with the count, the rate, the time left and the failures so far::

    grading: 12/36 notebooks, 0.41/s, about 59 s left, 1 failed
"""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, what: str, unit: str, stream: TextIO = sys.stderr, quiet: bool = False,
                 seconds: float = 30.0) -> None:
        self.total, self.what, self.unit, self.stream = total, what, unit, stream
        self.done = self.failed = 0
        self.t0 = self.last = time.monotonic()
        self.every = max(1, total // 10)
        self.seconds = seconds
        self.bar = None
        self.quiet = quiet or total == 0
        if not self.quiet and getattr(stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, desc=what, file=stream)

    def update(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += bool(failed)
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.update(1)
            if failed:
                self.bar.set_postfix(failed=self.failed)
            return
        now = time.monotonic()
        if self.done == self.total or self.done % self.every == 0 or now - self.last >= self.seconds:
            self.last = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float | None = None) -> str:
        elapsed = max(1e-9, (now or time.monotonic()) - self.t0)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        text = f"{self.what}: {self.done}/{self.total} {self.unit}, {rate:.2f}/s"
        if self.done < self.total:
            text += f", about {left:.0f} s left"
        return text + (f", {self.failed} failed" if self.failed else "")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
