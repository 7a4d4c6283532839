"""What every kind of report shares: the progress callback and what a writer returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Progress = Callable[[int], None]
"""Called with a percentage (0–100) as the work goes on."""


@dataclass(frozen=True)
class Written:
    pages: int | None = None  # PDFs only
