"""OParl 1.0 and 1.1 objects, read leniently.

Only `id` is required: real servers omit what the spec requires (`type` of deleted objects,
`order` of agenda items) and send what it forbids (empty dates, single objects for arrays).
Unknown fields are kept (`extra="allow"`) so the stored raw object loses nothing. The field
types of `connectors.oparl.lenient` repair known deviations and report them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.oparl.lenient import Day, Each, MimeType, Ref, Timestamp, Urls


class OParlObject(BaseModel):
    """What every OParl object has."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    type: str | None = None
    name: str | None = None
    created: Timestamp = None
    modified: Timestamp = None
    deleted: bool = False
    web: str | None = None


class File(OParlObject):
    """A document: the PDF of a paper, an invitation, a protocol."""

    file_name: str | None = Field(default=None, alias="fileName")
    mime_type: MimeType = Field(default=None, alias="mimeType")
    date: Day = None
    size: int | None = None
    sha1_checksum: str | None = Field(default=None, alias="sha1Checksum")
    sha512_checksum: str | None = Field(default=None, alias="sha512Checksum")
    access_url: str | None = Field(default=None, alias="accessUrl")
    download_url: str | None = Field(default=None, alias="downloadUrl")


FileRef = File | str
Files = Annotated[list[FileRef], Each]


class Consultation(OParlObject):
    """A paper's consultation by organizations, in a meeting, under an agenda item."""

    paper: Ref = None
    agenda_item: Ref = Field(default=None, alias="agendaItem")
    meeting: Ref = None
    organization: Urls = Field(default_factory=list)
    authoritative: bool | None = None
    role: str | None = None


class AgendaItem(OParlObject):
    """An item of a meeting's agenda."""

    meeting: Ref = None
    number: str | None = None
    order: int | None = None
    public: bool | None = None
    consultation: Ref = None
    result: str | None = None
    resolution_text: str | None = Field(default=None, alias="resolutionText")
    resolution_file: FileRef | None = Field(default=None, alias="resolutionFile")
    auxiliary_file: Files = Field(default_factory=list, alias="auxiliaryFile")
    start: Timestamp = None
    end: Timestamp = None


class Meeting(OParlObject):
    """A session of one or more organizations."""

    meeting_state: str | None = Field(default=None, alias="meetingState")
    cancelled: bool | None = None
    start: Timestamp = None
    end: Timestamp = None
    organization: Urls = Field(default_factory=list)
    invitation: FileRef | None = None
    results_protocol: FileRef | None = Field(default=None, alias="resultsProtocol")
    verbatim_protocol: FileRef | None = Field(default=None, alias="verbatimProtocol")
    auxiliary_file: Files = Field(default_factory=list, alias="auxiliaryFile")
    agenda_item: Annotated[list[AgendaItem | str], Each] = Field(
        default_factory=list, alias="agendaItem"
    )


class Paper(OParlObject):
    """A Vorlage with its files and consultations."""

    reference: str | None = None
    date: Day = None
    paper_type: str | None = Field(default=None, alias="paperType")
    main_file: FileRef | None = Field(default=None, alias="mainFile")
    auxiliary_file: Files = Field(default_factory=list, alias="auxiliaryFile")
    related_paper: Urls = Field(default_factory=list, alias="relatedPaper")
    under_direction_of: Urls = Field(default_factory=list, alias="underDirectionOf")
    originator_organization: Urls = Field(default_factory=list, alias="originatorOrganization")
    consultation: Annotated[list[Consultation | str], Each] = Field(default_factory=list)


class Organization(OParlObject):
    """A council, committee, group or office."""

    short_name: str | None = Field(default=None, alias="shortName")
    organization_type: str | None = Field(default=None, alias="organizationType")
    classification: str | None = None
    start_date: Day = Field(default=None, alias="startDate")
    end_date: Day = Field(default=None, alias="endDate")


class Person(OParlObject):
    """A person; only the id and the raw object are kept, nothing of it is ever logged."""


class Body(OParlObject):
    """A municipality, with the URLs of its object lists."""

    system: Ref = None
    short_name: str | None = Field(default=None, alias="shortName")
    ags: str | None = None
    organization_list: Any = Field(default=None, alias="organization")
    person_list: Any = Field(default=None, alias="person")
    meeting_list: Any = Field(default=None, alias="meeting")
    paper_list: Any = Field(default=None, alias="paper")
    agenda_item_list: Any = Field(default=None, alias="agendaItem")
    consultation_list: Any = Field(default=None, alias="consultation")
    file_list: Any = Field(default=None, alias="file")

    def list_urls(self) -> dict[str, str]:
        """The external lists this body offers, by object kind (1.1 adds the last three)."""
        pairs = {
            "organization": self.organization_list,
            "person": self.person_list,
            "meeting": self.meeting_list,
            "paper": self.paper_list,
            "agendaItem": self.agenda_item_list,
            "consultation": self.consultation_list,
            "file": self.file_list,
        }
        return {kind: url for kind, url in pairs.items() if isinstance(url, str) and url}


class System(OParlObject):
    """The entry point: names the OParl version and the list of bodies."""

    oparl_version: str | None = Field(default=None, alias="oparlVersion")
    body: str | None = None


MODELS: dict[str, type[OParlObject]] = {
    "body": Body,
    "organization": Organization,
    "person": Person,
    "meeting": Meeting,
    "agendaItem": AgendaItem,
    "paper": Paper,
    "consultation": Consultation,
    "file": File,
}
