"""A trial laid out as the reader's sections, in reading order, as plain text.

`trialtui show` prints these and the TUI's detail view renders them, so both say the same thing.
Every section is always present: one with nothing in it says so instead of disappearing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trialtui.eligibility.criteria import split_criteria
from trialtui.enum_words import display_enum, display_phases
from trialtui.paths import seeds_dir

if TYPE_CHECKING:
    from trialtui.distances import Near
    from trialtui.models import CriterionItem, Trial

EMPTY = "Not given in this record."


def counted(number: int, noun: str, plural: str = "") -> str:
    """"1 site", "12 sites", "1,200 participants": the count and the noun it agrees with."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    body: str
    items: tuple[CriterionItem, ...] = ()
    """For eligibility: the criteria, one item each (the TUI lets a reviewer mark them)."""

    @property
    def empty(self) -> bool:
        return self.body == EMPTY

    def text(self) -> str:
        """The whole section as plain text: the body, then the items under their headings."""
        return "\n".join([self.body, *criteria_lines(self.items)]) if self.items else self.body


def criteria_lines(items: tuple[CriterionItem, ...] | list[CriterionItem]) -> list[str]:
    """Criteria as indented lines, a heading before each section ("Inclusion criteria")."""
    lines, section = [], None
    for item in items:
        if item.section != section:
            section = item.section
            lines.append(f"\n{SECTION_TITLES.get(section, 'Criteria')}")
        lines.append("  " * (item.depth + 1) + (f"{item.label} " if item.label else "") + item.text)
    return lines


SECTION_TITLES = {"inclusion": "Inclusion criteria", "exclusion": "Exclusion criteria", "other": "Criteria"}


def _fields(*pairs: tuple[str, object]) -> str:
    lines = [f"{label}: {value}" for label, value in pairs if value not in ("", None, [], ())]
    return "\n".join(lines)


def _date(value: str) -> str:
    return value or "—"


def _overview(t: Trial) -> str:
    enrollment = ""
    if t.enrollment is not None:
        kind = f" ({display_enum(t.enrollment_type).lower()})" if t.enrollment_type else ""
        enrollment = counted(t.enrollment, "participant") + kind
    return _fields(
        ("Trial ID", t.trial_id),
        ("Status", display_enum(t.overall_status)),
        ("Why stopped", t.why_stopped),
        ("Phase", display_phases(t.phases)),
        ("Study type", display_enum(t.study_type)),
        ("Enrollment", enrollment),
        ("Acronym", t.acronym),
        ("Official title", t.official_title if t.official_title != t.title else ""),
    )


def _dates(t: Trial) -> str:
    if not any((t.start_date, t.primary_completion_date, t.completion_date, t.first_posted, t.last_update_posted)):
        return ""
    return _fields(
        ("Start", _date(t.start_date)),
        ("Primary completion", _date(t.primary_completion_date)),
        ("Completion", _date(t.completion_date)),
        ("First posted", _date(t.first_posted)),
        ("Last update posted", _date(t.last_update_posted)),
        ("Status verified", t.status_verified),
    )


def _description(t: Trial) -> str:
    parts = []
    if t.brief_summary:
        parts.append(t.brief_summary)
    if t.detailed_description and t.detailed_description != t.brief_summary:
        parts.append("Detailed description\n\n" + t.detailed_description)
    return "\n\n".join(parts)


def _conditions(t: Trial) -> str:
    lines = [f"• {c}" for c in t.conditions]
    if t.keywords:
        lines.append("Keywords: " + ", ".join(t.keywords))
    return "\n".join(lines)


def _design(t: Trial) -> str:
    d = t.design
    return _fields(
        ("Allocation", display_enum(d.allocation)),
        ("Intervention model", display_enum(d.intervention_model)),
        ("Primary purpose", display_enum(d.primary_purpose)),
        ("Masking", display_enum(d.masking)),
        ("Masked", ", ".join(display_enum(w) for w in d.who_masked)),
        ("Observational model", display_enum(d.observational_model)),
        ("Time perspective", display_enum(d.time_perspective)),
    )


def _arms(t: Trial) -> str:
    blocks = []
    for arm in t.arms:
        head = arm.label + (f" ({display_enum(arm.type)})" if arm.type else "")
        lines = [head]
        if arm.description:
            lines.append(arm.description)
        if arm.intervention_names:
            lines.append("Interventions: " + "; ".join(arm.intervention_names))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _interventions(t: Trial) -> str:
    blocks = []
    for iv in t.interventions:
        head = (f"{display_enum(iv.type)}: " if iv.type else "") + iv.name
        lines = [head]
        if iv.other_names:
            lines.append("Other names: " + ", ".join(iv.other_names))
        if iv.description:
            lines.append(iv.description)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _outcomes(t: Trial) -> str:
    blocks = []
    for o in t.outcomes:
        lines = [f"{o.kind.capitalize()}: {o.measure}"]
        if o.time_frame:
            lines.append(f"Time frame: {o.time_frame}")
        if o.description:
            lines.append(o.description)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _eligibility(t: Trial) -> str:
    """The structured limits; the criteria items travel beside it (`Section.items`)."""
    e = t.eligibility
    healthy = {True: "Yes", False: "No", None: ""}[e.healthy_volunteers]
    return _fields(
        ("Minimum age", e.minimum_age or "No limit"),
        ("Maximum age", e.maximum_age or "No limit"),
        ("Sex", display_enum(e.sex)),
        ("Accepts healthy volunteers", healthy),
    )


def _sponsors(t: Trial) -> str:
    lines = [f"{s.name} ({s.role}" + (f", {display_enum(s.agency_class)})" if s.agency_class else ")") for s in t.sponsors]
    rp = t.responsible_party
    if rp and (rp.type or rp.name):
        who = ", ".join(x for x in (rp.name, rp.title, rp.affiliation) if x)
        lines.append(f"Responsible party: {display_enum(rp.type)}" + (f" — {who}" if who else ""))
    for o in t.officials:
        lines.append(f"{display_enum(o.role)}: {o.name}" + (f", {o.affiliation}" if o.affiliation else ""))
    return "\n".join(lines)


def _locations(t: Trial) -> str:
    lines = []
    if t.all_countries:
        lines.append("Countries: " + ", ".join(t.all_countries))
    for loc in t.locations:
        place = ", ".join(x for x in (loc.city, loc.state, loc.country) if x)
        status = f" [{display_enum(loc.status)}]" if loc.status else ""
        lines.append(f"• {loc.facility or '(facility not named)'} — {place}{status}")
    return "\n".join(lines)


def _contacts(t: Trial) -> str:
    lines = []
    for c in t.central_contacts:
        lines.append(", ".join(x for x in (c.name, display_enum(c.role), c.phone, c.email) if x))
    for loc in t.locations:
        for c in loc.contacts:
            who = ", ".join(x for x in (c.name, display_enum(c.role), c.phone, c.email) if x)
            lines.append(f"{who} ({loc.facility})" if loc.facility else who)
    return "\n".join(lines)


def _identifiers(t: Trial) -> str:
    return _fields(
        ("NCT ID", t.nct_id),
        ("Organisation study ID", t.org_study_id),
        ("Other IDs", ", ".join(t.other_ids)),
    )


def _results(t: Trial) -> str:
    status = {True: "Results posted", False: "No results posted", None: ""}[t.has_results]
    return "\n\n".join(x for x in (status, t.results_summary) if x)


def _related(t: Trial) -> str:
    lines = [" ".join(x for x in (r.nct_id, r.title, display_enum(r.status), display_enum(r.phase)) if x)
             for r in t.related_trials]
    lines += [r.citation + (f" (PMID {r.pmid})" if r.pmid else "") for r in t.references if r.citation]
    return "\n".join(lines)


def _source(t: Trial) -> str:
    s = t.source
    return _fields(("File", _shown_path(s.path)), ("Format", s.format), ("Line", s.line), ("Retrieved", s.retrieved))


def _shown_path(path: str) -> str:
    """A bundled seed is named as such (where the package is installed is no concern of the
    reader's, and the screens must not change with it); any other file by its path."""
    seeds = seeds_dir().resolve()
    try:
        return f"bundled seed {Path(path).resolve().relative_to(seeds)}" if path else path
    except ValueError:
        return path


_LAYOUT = (
    ("overview", "Overview", _overview),
    ("dates", "Dates", _dates),
    ("description", "Summary", _description),
    ("conditions", "Conditions", _conditions),
    ("design", "Design", _design),
    ("arms", "Arms", _arms),
    ("interventions", "Interventions", _interventions),
    ("eligibility", "Eligibility", _eligibility),
    ("outcomes", "Outcomes", _outcomes),
    ("sponsors", "Sponsors & people", _sponsors),
    ("locations", "Locations", _locations),
    ("contacts", "Contacts", _contacts),
    ("identifiers", "Identifiers", _identifiers),
    ("results", "Results", _results),
    ("related", "Related & references", _related),
    ("source", "Source", _source),
)

SECTION_KEYS = tuple(key for key, _, _ in _LAYOUT)


def trial_sections(trial: Trial, near: Near | None = None) -> list[Section]:
    """Every section of the record in reading order; empty ones say so. With `near` (a distance
    filter), the overview names the trial's site nearest its places."""
    sections = [
        Section(key, title, render(trial).strip() or EMPTY,
                tuple(split_criteria(trial.eligibility.criteria)) if key == "eligibility" else ())
        for key, title, render in _LAYOUT
    ]
    if near is not None:
        overview = sections[0]
        sections[0] = Section(overview.key, overview.title, f"{overview.body}\n{nearest_site_line(trial, near)}")
    return sections


def nearest_site_line(trial: Trial, near: Near) -> str:
    """"Nearest site: Massachusetts General Hospital, Boston, Massachusetts, United States — 3.2 km";
    a site placed by its city says so (its distance is the city's)."""
    from trialtui.distances import format_distance, nearest_site_to, site_label

    found = nearest_site_to(trial, near)
    if found is None:
        return f"Nearest site: none of its {counted(len(trial.locations), 'site')} could be placed"
    placed = "" if found.location.latitude is not None else " (placed by its city)"
    return f"Nearest site: {site_label(found.location)} — {format_distance(found.km, near.unit)}{placed}"
