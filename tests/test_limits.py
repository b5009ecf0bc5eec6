"""autograder.limits: the per-process memory of work done on a cell stays bounded."""
from __future__ import annotations

from autograder.limits import CACHED_CELLS, remember_short


def _counting(max_chars: int):
    calls: list[str] = []

    @remember_short(max_chars)
    def work(text: str, flag: bool) -> str:
        calls.append(text)
        return text.upper() + str(flag)

    return work, calls


def test_a_short_cell_is_worked_on_once_per_distinct_arguments():
    work, calls = _counting(10)
    assert work("abc", True) == work("abc", True) == "ABCTrue"
    assert work("abc", False) == "ABCFalse"
    assert calls == ["abc", "abc"]


def test_a_long_cell_is_worked_on_every_time_and_never_kept():
    work, calls = _counting(10)
    long = "x" * 11
    assert work(long, True) == work(long, True) == long.upper() + "True"
    assert calls == [long, long]


def test_at_most_the_bound_of_distinct_cells_is_kept():
    work, calls = _counting(10)
    for i in range(CACHED_CELLS + 1):
        work(str(i), True)
    work("0", True)  # the oldest was let go: worked on again
    assert calls.count("0") == 2
    work(str(CACHED_CELLS), True)  # the newest is still kept
    assert calls.count(str(CACHED_CELLS)) == 1
