"""ReportLab's paragraph, with its lines broken once per width.

Keeping a heading with what follows it, a list's ends together and a closing with what comes
before it asks a paragraph for its height several times at the same width, and ReportLab
breaks the lines again each time: most of a handout's layout time. The lines depend only on
the paragraph's text, its style and the width, so the first answer stands.
"""

from __future__ import annotations

from reportlab.platypus import Paragraph as _ReportLabParagraph


class Paragraph(_ReportLabParagraph):
    def wrap(self, availWidth, availHeight):  # noqa: N803 - ReportLab's names
        known = self.__dict__.get("_lines_at")
        if known is not None and known[0] == availWidth:
            _, self.blPara, self.height = known
            self.width = availWidth
            return availWidth, self.height
        size = super().wrap(availWidth, availHeight)
        if "blPara" in self.__dict__:
            self._lines_at = (availWidth, self.blPara, self.height)
        return size
