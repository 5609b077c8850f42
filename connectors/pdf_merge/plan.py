"""What a merged PDF (the Sitzungsmappe) is made of: plain data, sent to the merge process.

The plan is built by the agenda outputs from an already filtered view of the agenda; the
merge process only follows it. It never decides what belongs into a folder.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Line(BaseModel):
    """A line of text on a generated page (cover, divider, placeholder)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    size: float = Field(default=11.0, ge=6, le=36)
    bold: bool = False


class Document(BaseModel):
    """One document of a section: a PDF to copy in, or a placeholder page with a reason."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(description="Bookmark under the section, e.g. 'Vorlage' or 'Anlage 1'")
    path: str | None = Field(default=None, description="A PDF to copy in; None: placeholder")
    reason: str | None = Field(default=None, description="Why there is a placeholder")


class Section(BaseModel):
    """One bookmark with a divider page, nested under its parent's bookmark if it has one."""

    model_config = ConfigDict(extra="forbid")

    key: str
    parent: str | None = None
    bookmark: str
    lines: list[Line] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)


class FolderPlan(BaseModel):
    """The whole folder: a cover page, then the sections in order."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="Document title (PDF metadata)")
    cover: list[Line] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)

    def generated_texts(self) -> list[str]:
        """Every text the merge writes itself (pages and bookmarks), for leak checks."""
        texts = [self.title, *(line.text for line in self.cover)]
        for section in self.sections:
            texts += [section.bookmark, *(line.text for line in section.lines)]
            texts += [d.label for d in section.documents]
            texts += [d.reason for d in section.documents if d.reason]
        return texts
