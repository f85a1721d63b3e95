"""The normalized trial record, shared by every reader, the library, the CLI and the TUI.

Readers map each source format onto `Trial`; everything downstream reads only this shape.
Enumerations keep ClinicalTrials.gov API v2 spellings (``RECRUITING``, ``PHASE1``) so records from
any source compare equal; `enum_words.display_enum` turns them into words for people.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Section = Literal["inclusion", "exclusion", "other"]


class Record(BaseModel):
    """Base for every record part: unknown keys are ignored, fields are plain data."""

    model_config = ConfigDict(extra="ignore", frozen=False)


class Contact(Record):
    name: str = ""
    role: str = ""
    phone: str = ""
    email: str = ""


class Location(Record):
    facility: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    status: str = ""
    contacts: list[Contact] = Field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    """The site's coordinates (degrees) when the record gives them; None otherwise."""

    @model_validator(mode="before")
    @classmethod
    def _valid_point(cls, data):
        """Coordinates that are not a point on Earth (NaN, 1e308, text, one of the two missing)
        are dropped, never the site or its record."""
        if isinstance(data, dict) and ("latitude" in data or "longitude" in data):
            latitude, longitude = data.get("latitude"), data.get("longitude")
            if type(latitude) is float and type(longitude) is float and -90 <= latitude <= 90 \
                    and -180 <= longitude <= 180:
                return data  # a point already, as the readers give it (a NaN fails the comparisons)
            point = valid_point(latitude, longitude)
            data = {**data, "latitude": point[0] if point else None, "longitude": point[1] if point else None}
        return data


def valid_point(latitude, longitude) -> tuple[float, float] | None:
    """``(latitude, longitude)`` as floats when both are finite numbers in range, else None."""
    if type(latitude) is float and type(longitude) is float:  # as JSON gives them (NaN fails the comparisons)
        return (latitude, longitude) if -90 <= latitude <= 90 and -180 <= longitude <= 180 else None
    if type(latitude) not in (int, float) or type(longitude) not in (int, float):
        return None
    try:
        lat, lon = float(latitude), float(longitude)
    except OverflowError:  # an int too large for a float
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


class Official(Record):
    name: str = ""
    affiliation: str = ""
    role: str = ""


class Sponsor(Record):
    name: str
    agency_class: str = ""
    role: Literal["lead", "collaborator"] = "lead"


class ResponsibleParty(Record):
    type: str = ""
    name: str = ""
    title: str = ""
    affiliation: str = ""


class Design(Record):
    allocation: str = ""
    intervention_model: str = ""
    primary_purpose: str = ""
    masking: str = ""
    who_masked: list[str] = Field(default_factory=list)
    observational_model: str = ""
    time_perspective: str = ""


class Arm(Record):
    label: str
    type: str = ""
    description: str = ""
    intervention_names: list[str] = Field(default_factory=list)


class Intervention(Record):
    type: str = ""
    name: str
    description: str = ""
    other_names: list[str] = Field(default_factory=list)
    arm_labels: list[str] = Field(default_factory=list)


class Outcome(Record):
    kind: Literal["primary", "secondary", "other"] = "primary"
    measure: str
    description: str = ""
    time_frame: str = ""


class CriterionItem(Record):
    """One line of the criteria text: its section, list label ("1.", "a)", "•"), depth and text."""

    section: Section
    label: str = ""
    depth: int = 0
    text: str
    start: int = 0
    """Offset of `text` in the eligibility criteria string, so a threshold can point at it."""


class Eligibility(Record):
    criteria: str = ""
    """The criteria text as the registry gives it, markdown escapes undone."""
    minimum_age: str = ""
    """As written by the registry: "18 Years", "6 Months", "" when not limited."""
    maximum_age: str = ""
    sex: str = ""
    healthy_volunteers: bool | None = None
    std_ages: list[str] = Field(default_factory=list)


class ConditionMesh(Record):
    """The registry's MeSH reading of the conditions: the terms, and every broader heading above them."""

    terms: list[str] = Field(default_factory=list)
    ancestors: list[str] = Field(default_factory=list)


class RelatedTrial(Record):
    nct_id: str
    title: str = ""
    status: str = ""
    phase: str = ""


class Reference(Record):
    citation: str = ""
    pmid: str = ""
    type: str = ""


class Provenance(Record):
    path: str = ""
    """The file (or URL) the record was read from; for archives, ``archive.zip!member``."""
    format: str = ""
    """Reader id: ``ctgov-v2``, ``ctgov-xml``, ``page-text``, ``aggregator-text``..."""
    line: int | None = None
    retrieved: str = ""
    """When it was downloaded, when known (ISO date)."""


class Trial(Record):
    """A clinical trial, every section a reviewer reads."""

    trial_id: str
    """The NCT ID, or for a record without one a stable id derived from its content."""
    nct_id: str = ""
    other_ids: list[str] = Field(default_factory=list)
    org_study_id: str = ""
    acronym: str = ""
    brief_title: str = ""
    official_title: str = ""

    overall_status: str = ""
    why_stopped: str = ""
    start_date: str = ""
    primary_completion_date: str = ""
    completion_date: str = ""
    first_posted: str = ""
    last_update_posted: str = ""
    status_verified: str = ""

    study_type: str = ""
    phases: list[str] = Field(default_factory=list)
    enrollment: int | None = None
    enrollment_type: str = ""

    sponsors: list[Sponsor] = Field(default_factory=list)
    responsible_party: ResponsibleParty | None = None
    officials: list[Official] = Field(default_factory=list)

    brief_summary: str = ""
    detailed_description: str = ""
    conditions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    condition_mesh: ConditionMesh = Field(default_factory=ConditionMesh)

    design: Design = Field(default_factory=Design)
    arms: list[Arm] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)
    eligibility: Eligibility = Field(default_factory=Eligibility)

    locations: list[Location] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    central_contacts: list[Contact] = Field(default_factory=list)

    has_results: bool | None = None
    results_summary: str = ""
    references: list[Reference] = Field(default_factory=list)
    related_trials: list[RelatedTrial] = Field(default_factory=list)
    source: Provenance = Field(default_factory=Provenance)

    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.trial_id

    @property
    def lead_sponsor(self) -> str:
        return next((s.name for s in self.sponsors if s.role == "lead"), "")

    @property
    def all_countries(self) -> list[str]:
        """Countries named by the record, or else those of its sites, in first-seen order."""
        seen = dict.fromkeys(self.countries or [loc.country for loc in self.locations if loc.country])
        return list(seen)

