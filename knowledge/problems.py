"""One problem found in a knowledge file, shared by every checker that `optobot kb check` runs.

Staff fix the files by hand, so every problem names the file and, where known, the line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"
