"""What grading a notebook produces: a record per grade cell and one per submission.

The JSON of :class:`NotebookResult` (``results/<student>/<assignment>.json``) is the record
every report is made from and shards merge by; its fields are stable.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class CellResult:
    grade_id: str
    kind: str                 # "test" (autograded) or "manual"
    points: float | None      # None: waits for the instructor
    max_points: float
    status: str               # passed | failed | not run | pending | unanswered
    message: str = ""
    seconds: float = 0.0


@dataclass
class NotebookResult:
    student: str
    assignment: str
    notebook: str
    status: str               # graded | error
    reason: str = ""          # why the run ended early, or why the notebook could not be graded
    cells: list[CellResult] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)   # restored cells, conflicting inputs: for the instructor
    advice: list[str] = field(default_factory=list)   # what the static reader found worth a look (never voids points)
    notes: list[str] = field(default_factory=list)    # errors in the student's own cells, for the student
    sha256: str = ""
    timestamp: str = ""       # when it was submitted (nbgrader's timestamp.txt, or the file's time)
    isolation: str = ""       # how the kernel was confined
    seconds: float = 0.0
    fixed_seconds: float = 0.0   # kernel start + the first code cell (imports)
    judge_seconds: float = 0.0   # the trusted side: reading the test cells and judging

    @property
    def score(self) -> float:
        return sum(c.points or 0.0 for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.cells)

    @property
    def submitted_at(self) -> str:
        """The timestamp as nbgrader stores and exports it (naive UTC, ``str(datetime)``), or ""."""
        if not self.timestamp:
            return ""
        from nbgrader.utils import parse_utc

        try:
            return str(parse_utc(self.timestamp))
        except (ValueError, OverflowError, TypeError):
            return ""

    @property
    def flagged(self) -> bool:
        return bool(self.issues or self.advice) or self.status != "graded"

    def to_json(self) -> dict:
        data = asdict(self)
        data.update(score=self.score, max_score=self.max_score, flagged=self.flagged)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "NotebookResult":
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known = CellResult.__dataclass_fields__
        fields["cells"] = [CellResult(**{k: v for k, v in c.items() if k in known}) for c in data.get("cells", [])]
        return cls(**fields)
