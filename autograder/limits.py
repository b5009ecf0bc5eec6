"""Every bound the grader keeps, in one place: times, sizes, counts.

A :class:`Limits` travels with each submission to the worker that grades it; nothing else
in the grader holds a time limit or a size cap of its own.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

MiB = 2**20
T = TypeVar("T")
# Per-process memories of work done on a cell (its highlighting, its cleaning, the names it
# imports) pay because a class's notebooks share the instructor's cells (the course's longest is
# under 11,000 characters). Only cells up to this long are remembered, at most this many each,
# so distinct cells a class sends cannot grow a worker past ~200 MB.
CACHED_CELL_CHARS = 16_000
CACHED_HTML_CHARS = 8 * CACHED_CELL_CHARS  # a cell's highlighted HTML is about 6 times its source
CACHED_CELLS = 512


def remember_short(max_chars: int = CACHED_CELL_CHARS) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: remember a function's results (the last :data:`CACHED_CELLS` distinct calls)
    when its first argument, a string, is at most ``max_chars`` long; longer ones are computed
    each time. The arguments must be hashable."""
    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        remembered = functools.lru_cache(maxsize=CACHED_CELLS)(fn)

        @functools.wraps(fn)
        def call(text: str, *args: Any) -> T:
            return (remembered if len(text) <= max_chars else fn)(text, *args)

        return call

    return wrap


@dataclass(frozen=True)
class Limits:
    # time (seconds)
    cell_timeout: float = 60.0            # one cell of the notebook
    notebook_timeout: float = 300.0       # the notebook's cells together (test cells still run past it, each bounded)
    startup_timeout: float = 60.0         # the kernel from start to its first reply
    interrupt_grace: float = 5.0          # after an interrupt, before the kernel is killed
    deadline_margin: float = 120.0        # the worker's hard deadline: all the above plus this
    # the kernel
    sandbox: bool = True                  # confine the kernel (bubblewrap) where it runs
    require_sandbox: bool = False         # refuse to run student code without the confinement
    warm: bool = True                     # fork kernels from a pristine parent where that runs (autograder.forkserver)
    kernel_memory: int = 6 * 2**30        # address space of the kernel
    kernel_file_size: int = 64 * MiB      # one file the kernel writes
    kernel_cpu_seconds: int = 600         # CPU time of the kernel
    kernel_open_files: int = 512
    kernel_processes: int = 256           # processes and threads of the kernel's own user
    folder_quota: int = 256 * MiB         # the submission's folder while it runs
    folder_files: int = 5000              # files in that folder
    # what the kernel may send
    message_bytes: int = 48 * MiB         # one message from the kernel (a bigger one is dropped, the kernel cut off)
    cell_output_chars: int = 2 * MiB      # outputs kept per cell (the rest is dropped, said so)
    notebook_output_chars: int = 16 * MiB  # outputs kept per notebook
    error_chars: int = 20_000             # an error's name, message and traceback
    answers_per_cell: int = 64            # probe answers one test cell may send
    answer_chars_per_cell: int = 64 * MiB  # their text together
    # inputs
    notebook_bytes: int = 20 * MiB        # a submitted notebook file
    reader_cell_chars: int = 200_000      # a cell the static reader reads (a longer one is reported unread)
    reader_depth: int = 200               # nesting the static reader follows
    feedback_cell_chars: int = 100_000    # a cell's source shown in feedback

    @property
    def deadline(self) -> int:
        """Seconds after which a worker gives up on a notebook whatever it is doing."""
        return int(self.startup_timeout + self.notebook_timeout + self.deadline_margin)
