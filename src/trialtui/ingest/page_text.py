"""The two web-page text formats of the seed documents.

* ``page-text``: a ClinicalTrials.gov study page saved as text: the title, ``NCT ID:``, then
  sections ("Basic Information", "Eligibility Criteria", "Locations"...), each heading followed by a
  one-sentence blurb and then label/value lines.
* ``aggregator-text``: a trial aggregator's page (``Status: Recruiting``, ``Study Phase: Not
  Applicable``, "Participation Requirements"...), often without an NCT ID.

Both are flattened web layouts, so parsing is by the section headings and labels the pages print.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from trialtui.ingest.enums import (
    intervention_label,
    normalize_age,
    std_ages,
    to_bool,
    to_enum,
    to_iso_date,
    to_phases,
)
from trialtui.ingest.identity import stable_trial_id
from trialtui.ingest.markdown import unescape
from trialtui.ingest.problems import MAX_TEXT_CHARS, RecordError
from trialtui.models import Provenance, Trial
from trialtui.trial_ids import NCT_PATTERN

PAGE_FORMAT = "page-text"
AGGREGATOR_FORMAT = "aggregator-text"

_NCT_LINE = re.compile(rf"^NCT ID:\s*({NCT_PATTERN})\s*$", re.M)
_PAGE_SECTIONS = (
    "Study Results", "Basic Information", "Brief Summary", "Detailed Description", "Conditions",
    "Study Design", "Study Groups", "Interventions", "Eligibility Criteria", "Sponsors",
    "Responsible Party", "Principal Investigators", "Locations", "Countries", "Central Contacts",
    "Facility Contacts", "Other Identifiers", "More Related Trials",
)
_AGGREGATOR_SECTIONS = (
    "SUMMARY", "Eligibility", "Locations", "Time Frame", "Participants", "Treatments",
    "Related Therapeutic Areas", "Sponsors",
)
_AGGREGATOR_FIELD = re.compile(
    r"^(Status|Location|Intervention Type|Study Type|Study Phase):\s*(.*)$", re.M
)


def looks_like_page_text(text: str) -> bool:
    head = text[:20_000]
    return bool(_NCT_LINE.search(head)) or (
        "\nBasic Information\n" in head and "\nRecruitment Status\n" in head
    )


def looks_like_aggregator_text(text: str) -> bool:
    head = text[:20_000]
    fields = {m.group(1) for m in _AGGREGATOR_FIELD.finditer(head)}
    return "Status" in fields and bool(fields & {"Study Type", "Study Phase"})


def _check_size(text: str) -> None:
    longest = max((len(line) for line in text.splitlines()), default=0)
    if longest > MAX_TEXT_CHARS:
        raise RecordError(
            f"a line is {longest:,} characters long (limit {MAX_TEXT_CHARS:,}); not a trial page",
            kind="too long",
        )


def _split_sections(lines: list[str], headings: tuple[str, ...]) -> dict[str, list[str]]:
    """Cut the page at its known section headings, in order; text before the first is ``""``."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    wanted = set(headings)
    for line in lines:
        stripped = line.strip()
        if stripped in wanted and stripped not in sections:
            current = stripped
            sections[current] = []
        else:
            sections[current].append(line)
    return sections


def _drop_blurb(lines: list[str]) -> list[str]:
    """A page-text section opens with a one-sentence blurb about the section; skip it."""
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    return lines[nonblank[0] + 1:] if nonblank else []


def _nonblank(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip()]


def _text(lines: list[str]) -> str:
    return unescape("\n".join(lines).strip())


def _label_values(lines: list[str], labels: set[str]) -> dict[str, str]:
    """``Label`` on one line and its value on the next non-blank line, as the page lays them out."""
    values: dict[str, str] = {}
    items = _nonblank(lines)
    for i, line in enumerate(items):
        if line in labels and i + 1 < len(items) and items[i + 1] not in labels:
            values[line] = items[i + 1]
    return values


def _prefixed(line: str, prefix: str) -> str | None:
    return line[len(prefix):].strip() if line.startswith(prefix) else None


def _people(lines: list[str]) -> Iterator[tuple[str, str, list[str]]]:
    """(name, role, lines after the role) for "NAME / Role: ROLE / details..." blocks."""
    items = _nonblank(lines)
    roles = [i for i, line in enumerate(items) if line.startswith("Role:")]
    for n, i in enumerate(roles):
        end = roles[n + 1] - 1 if n + 1 < len(roles) else len(items)
        name = items[i - 1] if i > 0 else ""
        yield unescape(name), items[i][len("Role:"):].strip(), [unescape(x) for x in items[i + 1:end]]


def _split_conditions(text: str) -> list[str]:
    """The page runs the conditions together; split where one ends with ")" and another begins."""
    parts = re.split(r"(?<=\))\s+(?=[A-Z])", " ".join(text.split()))
    return [unescape(p) for p in parts if p]


def _criteria(inclusion: list[str], exclusion: list[str]) -> str:
    parts = []
    if any(line.strip() for line in inclusion):
        parts.append("Inclusion Criteria:\n" + _text(inclusion))
    if any(line.strip() for line in exclusion):
        parts.append("Exclusion Criteria:\n" + _text(exclusion))
    return "\n\n".join(parts)


def _paragraphs(lines: list[str]) -> str:
    """Lines joined back into text, runs of blank lines kept as one paragraph break."""
    return re.sub(r"\n\s*\n+", "\n\n", _text(lines))


def _page_interventions(lines: list[str]) -> list[dict]:
    """"NAME / description... / Intervention Type X" blocks."""
    found: list[dict] = []
    start = 0
    for i, line in enumerate(lines):
        kind = _prefixed(line.strip(), "Intervention Type")
        if kind is None:
            continue
        block = lines[start:i]
        start = i + 1
        first = next((n for n, x in enumerate(block) if x.strip()), None)
        if first is not None:
            found.append({
                "type": to_enum(kind),
                "name": unescape(block[first].strip()),
                "description": _paragraphs(block[first + 1:]),
                "arm_labels": [],
            })
    return found


def _page_arms(lines: list[str], interventions: list[dict]) -> list[dict]:
    """Arms, and which interventions each lists, from the "Study Groups" section.

    The section repeats each intervention (name, "Intervention Type X", description) under its arm;
    the interventions read from "Interventions" tell where one ends and the next arm begins.
    """
    by_name = {iv["name"]: iv for iv in interventions}
    rows = [n for n, line in enumerate(lines) if line.strip()] + [len(lines)]
    items = [unescape(lines[n].strip()) for n in rows[:-1]]
    arms: list[dict] = []
    i = 0
    while i < len(items):
        label = items[i]
        first = i = i + 1
        while i < len(items) and not items[i].startswith("Group Type"):
            i += 1
        arm = {
            "label": label,
            "description": _paragraphs(lines[rows[first]:rows[i]]) if i > first else "",
            "type": "",
            "intervention_names": [],
        }
        if i < len(items):
            arm["type"] = to_enum(items[i][len("Group Type"):])
            i += 1
        while i < len(items):
            if items[i] == "No interventions assigned to this group":
                i += 1
                continue
            name = items[i]
            if name not in by_name or i + 1 >= len(items) or not items[i + 1].startswith("Intervention Type"):
                break
            iv = by_name[name]
            arm["intervention_names"].append(intervention_label(iv["type"], name))
            iv["arm_labels"].append(label)
            i += 2
            known = _nonblank(iv["description"].splitlines())
            if items[i:i + len(known)] == known:
                i += len(known)
        arms.append(arm)
    return arms


def _page_locations(lines: list[str]) -> list[dict]:
    """"FACILITY / City, State, Country / Site Status X" blocks."""
    items = _nonblank(lines)
    locations = []
    start = 0
    for i, line in enumerate(items):
        if line.startswith("Site Status"):
            block = [unescape(x) for x in items[start:i]]
            start = i + 1
            if not block:
                continue
            city, state, country = (["", "", ""] + block[-1].rsplit(", ", 2))[-3:]
            locations.append({
                "facility": block[0] if len(block) > 1 else "",
                "city": city.strip(),
                "state": state.strip(),
                "country": country.strip(),
                "status": to_enum(line[len("Site Status"):]),
                "contacts": [],
            })
    return locations


def _page_contacts(lines: list[str]) -> list[dict]:
    contacts = []
    for name, role, details in _people(lines):
        emails = [d for d in details if "@" in d]
        phones = [d for d in details if "@" not in d]
        contacts.append({
            "name": name,
            "role": role.upper(),
            "phone": ", ".join(phones),
            "email": ", ".join(emails),
        })
    return contacts


def parse_page_text(text: str, path: str) -> Trial:
    """A ClinicalTrials.gov study page saved as text → `Trial`."""
    _check_size(text)
    lines = text.splitlines()
    sections = _split_sections(lines, _PAGE_SECTIONS)
    head = _nonblank(sections[""])
    title = unescape(head[0]) if head else ""
    nct_match = _NCT_LINE.search(text)
    nct_id = nct_match.group(1) if nct_match else ""
    last_updated = next((v for v in (_prefixed(x, "Last Updated:") for x in head) if v), "")

    basic = _label_values(_drop_blurb(sections.get("Basic Information", [])), {
        "Recruitment Status", "Clinical Phase", "Total Enrollment", "Study Classification",
        "Study Start Date", "Study Completion Date", "Primary Completion Date",
    })
    enrollment = re.match(r"\d+", basic.get("Total Enrollment", ""))
    design = _label_values(_drop_blurb(sections.get("Study Design", [])), {
        "Allocation Method", "Intervention Model", "Primary Study Purpose", "Blinding Strategy",
        "Observational Model", "Time Perspective",
    })

    eligibility_lines = _drop_blurb(sections.get("Eligibility Criteria", []))
    age_labels = {"Minimum Eligible Age", "Maximum Eligible Age", "Eligible Sex",
                  "Accepts Healthy Volunteers"}
    first_label = next(
        (i for i, line in enumerate(eligibility_lines) if line.strip() in age_labels),
        len(eligibility_lines),
    )
    criteria_lines = eligibility_lines[:first_label]
    limits = _label_values(eligibility_lines[first_label:], age_labels)
    marks = [line.strip() for line in criteria_lines]
    inc = marks.index("Inclusion Criteria") if "Inclusion Criteria" in marks else -1
    exc = marks.index("Exclusion Criteria") if "Exclusion Criteria" in marks else len(marks)
    criteria = _criteria(criteria_lines[inc + 1:exc], criteria_lines[exc + 1:])
    minimum_age = normalize_age(limits.get("Minimum Eligible Age", ""))
    maximum_age = normalize_age(limits.get("Maximum Eligible Age", ""))

    sponsors = []
    block: list[str] = []
    for line in _nonblank(_drop_blurb(sections.get("Sponsors", []))):
        role = _prefixed(line, "Sponsor Role")
        if role is None:
            block.append(line)
            continue
        if block:
            sponsors.append({
                "name": unescape(block[0]),
                "agency_class": to_enum(block[1]) if len(block) > 1 else "",
                "role": "collaborator" if role.lower().startswith("collab") else "lead",
            })
        block = []
    sponsors.sort(key=lambda s: s["role"] != "lead")

    party_lines = _nonblank(_drop_blurb(sections.get("Responsible Party", [])))
    party = None
    if party_lines:
        details = [unescape(x) for x in party_lines if not x.startswith("Responsibility Role")]
        kind = next((to_enum(r) for r in (_prefixed(x, "Responsibility Role") for x in party_lines) if r), "")
        party = {
            "type": kind,
            "name": details[0] if details else "",
            "title": details[1] if len(details) > 1 else "",
            "affiliation": details[2] if len(details) > 2 else "",
        }

    officials = [
        {"name": name, "role": to_enum(role), "affiliation": " ".join(rest)}
        for name, role, rest in _people(_drop_blurb(sections.get("Principal Investigators", [])))
    ]
    interventions = _page_interventions(_drop_blurb(sections.get("Interventions", [])))
    arms = _page_arms(_drop_blurb(sections.get("Study Groups", [])), interventions)
    locations = _page_locations(_drop_blurb(sections.get("Locations", [])))
    # The page lists facility contacts apart from their sites; they follow the sites' order.
    facility_contacts = _page_contacts(_drop_blurb(sections.get("Facility Contacts", [])))
    if len(locations) == 1:
        locations[0]["contacts"] = facility_contacts
    elif len(facility_contacts) <= len(locations):
        for location, contact in zip(locations, facility_contacts, strict=False):
            location["contacts"] = [contact]

    org_study_id = ""
    other_ids = []
    identifiers = _nonblank(_drop_blurb(sections.get("Other Identifiers", [])))
    for i, line in enumerate(identifiers):
        if line.startswith("Identifier"):
            continue
        source_line = next((x for x in identifiers[i + 1:i + 3] if x.startswith("Identifier Source:")), "")
        if source_line.endswith("org_study_id") and not org_study_id:
            org_study_id = unescape(line)
        else:
            other_ids.append(unescape(line))

    related = []
    related_lines = _nonblank(_drop_blurb(sections.get("More Related Trials", [])))
    for i, line in enumerate(related_lines):
        match = re.match(rf"^({NCT_PATTERN})\s*(\S*)\s*(\S*)", line)
        if match:
            related.append({
                "nct_id": match.group(1),
                "title": unescape(related_lines[i - 1]) if i > 0 else "",
                "status": match.group(2),
                "phase": match.group(3),
            })

    results = _nonblank(sections.get("Study Results", []))
    sponsor_name = next((s["name"] for s in sponsors if s["role"] == "lead"), "")
    start_date = to_iso_date(basic.get("Study Start Date", ""))
    record = {
        "trial_id": nct_id or stable_trial_id(title, sponsor_name, start_date),
        "nct_id": nct_id,
        "org_study_id": org_study_id,
        "other_ids": other_ids,
        "brief_title": title,
        "overall_status": to_enum(basic.get("Recruitment Status", "")),
        "start_date": start_date,
        "primary_completion_date": to_iso_date(basic.get("Primary Completion Date", "")),
        "completion_date": to_iso_date(basic.get("Study Completion Date", "")),
        "last_update_posted": to_iso_date(last_updated),
        "study_type": to_enum(basic.get("Study Classification", "")),
        "phases": to_phases(basic.get("Clinical Phase", "")),
        "enrollment": int(enrollment.group()) if enrollment else None,
        "sponsors": sponsors,
        "responsible_party": party,
        "officials": officials,
        "brief_summary": _text(_drop_blurb(sections.get("Brief Summary", []))),
        "detailed_description": _text(_drop_blurb(sections.get("Detailed Description", []))),
        "conditions": _split_conditions(_text(_drop_blurb(sections.get("Conditions", [])))),
        "design": {
            "allocation": to_enum(design.get("Allocation Method", "")),
            "intervention_model": to_enum(design.get("Intervention Model", "")),
            "primary_purpose": to_enum(design.get("Primary Study Purpose", "")),
            "masking": to_enum(design.get("Blinding Strategy", "")),
            "observational_model": to_enum(design.get("Observational Model", "")),
            "time_perspective": to_enum(design.get("Time Perspective", "")),
        },
        "arms": arms,
        "interventions": interventions,
        "eligibility": {
            "criteria": criteria,
            "minimum_age": minimum_age,
            "maximum_age": maximum_age,
            "sex": to_enum(limits.get("Eligible Sex", "")),
            "healthy_volunteers": to_bool(limits.get("Accepts Healthy Volunteers", "")),
            "std_ages": std_ages(minimum_age, maximum_age),
        },
        "locations": locations,
        "countries": [unescape(x) for x in _nonblank(_drop_blurb(sections.get("Countries", [])))],
        "central_contacts": _page_contacts(_drop_blurb(sections.get("Central Contacts", []))),
        "has_results": False if results[:1] == ["Results pending"] else None,
        "related_trials": related,
        "source": Provenance(path=path, format=PAGE_FORMAT),
    }
    return Trial.model_validate(record)


def _aggregator_locations(lines: list[str]) -> list[dict]:
    """Sites listed as "COUNTRY / FACILITY / STATUS / CITY", a country line before its sites."""
    items = [unescape(x) for x in _nonblank(lines) if not x.endswith(("Locations", "Location"))]
    status_at = {i for i, line in enumerate(items) if re.fullmatch(r"[A-Z][A-Z_]+", line)}
    locations = []
    country = ""
    i = 0
    while i < len(items):
        if i + 1 in status_at:
            city = items[i + 2] if i + 2 < len(items) and i + 2 not in status_at else ""
            locations.append({
                "facility": items[i], "city": city, "country": country,
                "status": items[i + 1], "contacts": [],
            })
            i += 3 if city else 2
        else:
            country = items[i]
            i += 1
    return locations


def _fields(lines: list[str]) -> dict[str, str]:
    """``Label: value`` lines."""
    found = {}
    for line in _nonblank(lines):
        label, sep, value = line.partition(":")
        if sep:
            found.setdefault(label.strip(), value.strip())
    return found


def parse_aggregator_text(text: str, path: str) -> Trial:
    """A trial aggregator's page (the seed without an NCT ID) → `Trial`."""
    _check_size(text)
    lines = text.splitlines()
    sections = _split_sections(lines, _AGGREGATOR_SECTIONS)
    head = _nonblank(sections[""])
    title = unescape(head[0]) if head else ""
    header = _fields(head[1:])
    nct_match = re.search(rf"\b({NCT_PATTERN})\b", text)
    nct_id = nct_match.group(1) if nct_match else ""

    eligibility_lines = sections.get("Eligibility", [])
    requirements = _fields(eligibility_lines[: next(
        (i for i, line in enumerate(eligibility_lines) if line.strip().startswith("View:")),
        len(eligibility_lines),
    )])
    marks = [line.strip() for line in eligibility_lines]
    criteria_start = marks.index("View:") + 1 if "View:" in marks else 0
    criteria_lines = eligibility_lines[criteria_start:] if criteria_start else []
    exclusion_at = next(
        (i for i, line in enumerate(criteria_lines) if "exclusion criteria" in line.lower()
         or "not be eligible" in line.lower()),
        len(criteria_lines),
    )
    criteria = _criteria(criteria_lines[:exclusion_at], criteria_lines[exclusion_at:])
    minimum_age = normalize_age(requirements.get("Minimum Age", ""))
    maximum_age = normalize_age(requirements.get("Maximum Age", ""))

    time_frame = _fields(sections.get("Time Frame", []))
    participants = _fields(sections.get("Participants", []))
    target = re.match(r"\d+", participants.get("Target number of participants", ""))
    sponsor_fields = _fields(sections.get("Sponsors", []))
    sponsors = [
        {"name": name.strip(), "role": role}
        for role, key in (("lead", "Leads"), ("collaborator", "Collaborators"))
        for name in unescape(sponsor_fields.get(key, "")).split(";")
        if name.strip()
    ]

    arms = []
    for line in _nonblank(sections.get("Treatments", [])):
        kind, sep, label = line.partition(":")
        if sep and label.strip() and to_enum(kind) in _ARM_TYPES:
            arms.append({"label": unescape(label.strip()), "type": to_enum(kind), "description": ""})
        elif arms:
            joined = f"{arms[-1]['description']}\n{unescape(line)}"
            arms[-1]["description"] = joined.strip()

    status = to_enum(header.get("Status", ""))
    start_date = to_iso_date(time_frame.get("Start Date", ""))
    lead = sponsors[0]["name"] if sponsors else ""
    completion = time_frame.get("Estimated Completion Date") or time_frame.get("Completion Date", "")
    record = {
        "trial_id": nct_id or stable_trial_id(title, lead, start_date),
        "nct_id": nct_id,
        "brief_title": title,
        "overall_status": status,
        "study_type": to_enum(header.get("Study Type", "")),
        "phases": to_phases(header.get("Study Phase", "")),
        "start_date": start_date,
        "completion_date": to_iso_date(completion),
        "enrollment": int(target.group()) if target else None,
        "enrollment_type": "ESTIMATED" if target else "",
        "sponsors": sponsors,
        "brief_summary": _text(sections.get("SUMMARY", [])),
        "keywords": [unescape(x) for x in _nonblank(sections.get("Related Therapeutic Areas", []))],
        "arms": arms,
        "eligibility": {
            "criteria": criteria,
            "minimum_age": minimum_age,
            "maximum_age": maximum_age,
            "sex": to_enum(requirements.get("Sex", "")),
            "healthy_volunteers": to_bool(requirements.get("Healthy Volunteers", "")),
            "std_ages": std_ages(minimum_age, maximum_age),
        },
        "locations": _aggregator_locations(sections.get("Locations", [])),
        "source": Provenance(path=path, format=AGGREGATOR_FORMAT),
    }
    trial = Trial.model_validate(record)
    trial.countries = list(dict.fromkeys(loc.country for loc in trial.locations if loc.country))
    return trial


_ARM_TYPES = {
    "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
    "NO_INTERVENTION", "OTHER",
}
