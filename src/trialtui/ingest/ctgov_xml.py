"""Legacy ClinicalTrials.gov ``<clinical_study>`` XML (the registry's former bulk download).

Values are mapped onto API v2 spellings ("Phase 1/Phase 2" → PHASE1, PHASE2; "N/A" → NA), dates
onto ISO ("March 2007" → 2007-03), and the 80-column hard wrapping of text blocks is undone.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET

from trialtui.ingest.enums import (
    intervention_label,
    normalize_age,
    std_ages,
    to_bool,
    to_enum,
    to_iso_date,
    to_masking,
    to_phases,
)
from trialtui.ingest.markdown import unescape
from trialtui.ingest.problems import MAX_TEXT_CHARS, RecordError, quote, registry_id
from trialtui.models import Provenance, Trial

FORMAT_ID = "ctgov-xml"
_LIST_MARK = re.compile(r"^\s*(?:[-*•·o]\s|\d{1,3}[.)]\s|\(?[a-zA-Z]{1,3}[.)]\s|\(\d{1,3}\)\s)")


_WRAP_WIDTH = 70
"""Legacy text blocks are hard-wrapped near 80 columns; a line this long that runs straight into
the next one was cut by the wrapper, a shorter one ends where the author ended it."""


def _unwrap(text: str) -> str:
    """Undo the registry's hard wrapping, keeping the author's own line breaks and list items."""
    out: list[str] = []
    previous = ""
    for line in text.replace("\r", "").strip("\n").splitlines():
        stripped = line.strip()
        if stripped and previous.strip() and len(previous) >= _WRAP_WIDTH and not _LIST_MARK.match(line):
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(line.rstrip())
        previous = line.rstrip()
    return textwrap.dedent("\n".join(out)).strip()


def _at(element: ET.Element | None, tags: tuple[str, ...]) -> ET.Element | None:
    """Follow child tags one step at a time (plain tags stay on ElementTree's fast C path)."""
    for tag in tags:
        if element is None:
            return None
        element = element.find(tag)
    return element


def _text(element: ET.Element | None, *tags: str) -> str:
    if element is None:
        return ""
    found = element.find(tags[0]) if len(tags) == 1 else _at(element, tags)
    if found is None:
        return ""
    value = "".join(found.itertext()) if len(found) else (found.text or "")
    if len(value) > MAX_TEXT_CHARS:
        raise RecordError(
            f"<{found.tag}> is {len(value):,} characters long (limit {MAX_TEXT_CHARS:,})",
            kind="too long",
        )
    value = _unwrap(value) if found.tag == "textblock" else value.replace("\r", "").strip()
    return unescape(value)


def _all(element: ET.Element | None, *tags: str) -> list[ET.Element]:
    parent = _at(element, tags[:-1])
    return [] if parent is None else parent.findall(tags[-1])


def _texts(element: ET.Element, *tags: str) -> list[str]:
    return [value for value in (_text(e) for e in _all(element, *tags)) if value]


def _leaves(element: ET.Element | None) -> dict[str, str]:
    """Text of an element's leaf children by tag: one pass instead of a lookup per field, which
    matters for studies listing hundreds of sites."""
    if element is None:
        return {}
    return {child.tag: unescape(child.text.strip()) for child in element if child.text and not len(child)}


def _contact(element: ET.Element, role: str = "") -> dict:
    fields = _leaves(element)
    phone = fields.get("phone", "")
    extension = fields.get("phone_ext", "")
    return {
        "name": fields.get("last_name", ""),
        "role": role or to_enum(fields.get("role", "")),
        "phone": f"{phone} ext {extension}" if extension else phone,
        "email": fields.get("email", ""),
    }


def _location(element: ET.Element) -> dict:
    facility = element.find("facility")
    address = _leaves(facility.find("address") if facility is not None else None)
    contacts = [
        _contact(c, "CONTACT") for c in (element.find("contact"), element.find("contact_backup")) if c is not None
    ]
    contacts.extend(_contact(c) for c in element.findall("investigator"))
    return {
        "facility": _text(facility, "name"),
        "city": address.get("city", ""),
        "state": address.get("state", ""),
        "zip": address.get("zip", ""),
        "country": address.get("country", ""),
        "status": to_enum(_text(element, "status")),
        "contacts": contacts,
    }


def parse_clinical_study(root: ET.Element, path: str) -> Trial:
    """A parsed ``<clinical_study>`` element → `Trial`."""
    if root.tag != "clinical_study":
        raise RecordError(f"XML document is <{quote(str(root.tag))}>, not a <clinical_study> record", "not a study")
    given_id = _text(root, "id_info", "nct_id")
    if not given_id:
        raise RecordError("<clinical_study> has no <id_info>/<nct_id>", "no nct_id")
    nct_id = registry_id(given_id)

    sponsors = [
        {"name": _text(s, "agency"), "agency_class": to_enum(_text(s, "agency_class")), "role": role}
        for role, tag in (("lead", "lead_sponsor"), ("collaborator", "collaborator"))
        for s in _all(root, "sponsors", tag)
    ]
    party_element = root.find("responsible_party")
    party = None
    if party_element is not None:
        party = {
            "type": to_enum(_text(party_element, "responsible_party_type")),
            "name": _text(party_element, "investigator_full_name"),
            "title": _text(party_element, "investigator_title"),
            "affiliation": _text(party_element, "investigator_affiliation"),
        }

    interventions = [
        {
            "type": to_enum(_text(i, "intervention_type")),
            "name": _text(i, "intervention_name"),
            "description": _text(i, "description"),
            "other_names": _texts(i, "other_name"),
            "arm_labels": _texts(i, "arm_group_label"),
        }
        for i in root.findall("intervention")
    ]
    arms = []
    for arm in root.findall("arm_group"):
        label = _text(arm, "arm_group_label")
        arms.append({
            "label": label,
            "type": to_enum(_text(arm, "arm_group_type")),
            "description": _text(arm, "description"),
            "intervention_names": [
                intervention_label(i["type"], i["name"]) for i in interventions if label in i["arm_labels"]
            ],
        })

    masking, who_masked = to_masking(_text(root, "study_design_info", "masking"))
    eligibility = root.find("eligibility")
    minimum_age = normalize_age(_text(eligibility, "minimum_age"))
    maximum_age = normalize_age(_text(eligibility, "maximum_age"))
    enrollment = root.find("enrollment")
    enrollment_text = _text(enrollment)
    download = re.search(r"on (\w+ \d{1,2}, \d{4})", _text(root, "required_header", "download_date"))

    record = {
        "trial_id": nct_id,
        "nct_id": nct_id,
        "org_study_id": _text(root, "id_info", "org_study_id"),
        "other_ids": _texts(root, "id_info", "secondary_id") + _texts(root, "id_info", "nct_alias"),
        "acronym": _text(root, "acronym"),
        "brief_title": _text(root, "brief_title"),
        "official_title": _text(root, "official_title"),
        "overall_status": to_enum(_text(root, "overall_status")),
        "why_stopped": _text(root, "why_stopped"),
        "start_date": to_iso_date(_text(root, "start_date")),
        "primary_completion_date": to_iso_date(_text(root, "primary_completion_date")),
        "completion_date": to_iso_date(_text(root, "completion_date")),
        "first_posted": to_iso_date(_text(root, "study_first_posted")),
        "last_update_posted": to_iso_date(_text(root, "last_update_posted")),
        "status_verified": to_iso_date(_text(root, "verification_date")),
        "study_type": to_enum(_text(root, "study_type")),
        "phases": to_phases(_text(root, "phase")),
        "enrollment": int(enrollment_text) if enrollment_text.isdigit() else None,
        "enrollment_type": to_enum(enrollment.get("type", "")) if enrollment is not None else "",
        "sponsors": sponsors,
        "responsible_party": party,
        "officials": [
            {
                "name": _text(o, "last_name"),
                "affiliation": _text(o, "affiliation"),
                "role": to_enum(_text(o, "role")),
            }
            for o in root.findall("overall_official")
        ],
        "brief_summary": _text(root, "brief_summary", "textblock"),
        "detailed_description": _text(root, "detailed_description", "textblock"),
        "conditions": _texts(root, "condition"),
        "keywords": _texts(root, "keyword"),
        "condition_mesh": {"terms": _texts(root, "condition_browse", "mesh_term")},
        "design": {
            "allocation": to_enum(_text(root, "study_design_info", "allocation")),
            "intervention_model": to_enum(_text(root, "study_design_info", "intervention_model")),
            "primary_purpose": to_enum(_text(root, "study_design_info", "primary_purpose")),
            "masking": masking,
            "who_masked": who_masked,
            "observational_model": to_enum(_text(root, "study_design_info", "observational_model")),
            "time_perspective": to_enum(_text(root, "study_design_info", "time_perspective")),
        },
        "arms": arms,
        "interventions": interventions,
        "outcomes": [
            {
                "kind": kind,
                "measure": _text(o, "measure"),
                "description": _text(o, "description"),
                "time_frame": _text(o, "time_frame"),
            }
            for kind in ("primary", "secondary", "other")
            for o in root.findall(f"{kind}_outcome")
        ],
        "eligibility": {
            "criteria": _text(eligibility, "criteria", "textblock"),
            "minimum_age": minimum_age,
            "maximum_age": maximum_age,
            "sex": to_enum(_text(eligibility, "gender")),
            "healthy_volunteers": to_bool(_text(eligibility, "healthy_volunteers")),
            "std_ages": std_ages(minimum_age, maximum_age),
        },
        "locations": [_location(loc) for loc in root.findall("location")],
        "countries": _texts(root, "location_countries", "country"),
        "central_contacts": [
            _contact(c, "CONTACT")
            for c in (root.find("overall_contact"), root.find("overall_contact_backup"))
            if c is not None
        ],
        "has_results": root.find("clinical_results") is not None,
        "references": [
            {"citation": _text(r, "citation"), "pmid": _text(r, "PMID"), "type": kind}
            for kind, tag in (("", "reference"), ("RESULT", "results_reference"))
            for r in root.findall(tag)
        ],
        "source": Provenance(
            path=path,
            format=FORMAT_ID,
            retrieved=to_iso_date(download.group(1)) if download else "",
        ),
    }
    return Trial.model_validate(record)


_RESULTS_OPEN = b"<clinical_results>"
_RESULTS_CLOSE = b"</clinical_results>"


def _without_results(data: bytes) -> bytes:
    """Posted results are often most of a legacy file and only their presence is kept, so they
    are cut before parsing (a third of the parse time)."""
    start = data.find(_RESULTS_OPEN)
    end = data.rfind(_RESULTS_CLOSE)
    if start < 0 or end < start:
        return data
    return data[:start] + b"<clinical_results/>" + data[end + len(_RESULTS_CLOSE):]


def parse_xml_bytes(data: bytes, path: str) -> Trial:
    """One XML document → `Trial`; broken XML is a `RecordError` naming line and column."""
    try:
        root = ET.fromstring(_without_results(data))
    except ET.ParseError as error:
        raise RecordError(f"broken XML: {error}", "broken XML") from None
    return parse_clinical_study(root, path)
