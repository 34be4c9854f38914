"""What a run is asked to do: the command line's choices, as one value."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from .content import library
from .content.library import UsageError

__all__ = ["FORMATS", "Options", "UsageError"]

FORMATS = ("pdf", "html")  # printable and fillable PDFs; the web site (DESIGN.md part 2)


@dataclass(frozen=True)
class Options:
    src: Path = Path("handouts")
    out: Path = Path("build")
    clinic: Path | None = None    # the clinic file; None means <src>/clinic.yaml
    sets: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    editions: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    check: bool = False
    strict: bool = False
    preview: bool = False     # also write a PNG contact sheet beside each PDF
    today: datetime.date | None = None   # for the review-date check; None means today
    fill: Path | None = None      # a patients CSV: write one filled packet per row instead
    flatten: bool = False
    jobs: int = 1                 # processes for rendering and filling
    shard: str | None = None      # "K/N"
    force: bool = False           # rebuild every output, even those found up to date
    list_fields: bool = False     # only print the header line of a patients file
    formats: tuple[str, ...] = ()  # "pdf", "html"; empty means both

    @property
    def output_formats(self) -> tuple[str, ...]:
        return self.formats or FORMATS

    @property
    def clinic_file(self) -> Path:
        return self.clinic or self.src / "clinic.yaml"

    @property
    def assets(self) -> Path:
        """Logos and pictures come from the assets folder beside the content folder."""
        return self.src.resolve().parent / "assets"

    @property
    def selection(self) -> library.Selection:
        return library.Selection(self.sets, self.langs, self.topics)
