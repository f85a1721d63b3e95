"""ClinicalTrials.gov API v2 JSON: one study object → `Trial`.

Built for speed (the registry holds ~570,000 studies): the record is assembled as plain dicts and
validated by pydantic once. Every value is type-checked on the way, so a file re-serialised by
another tool (scalars boxed in lists, numbers as strings) is reported, never half-guessed.
"""

from __future__ import annotations

import json
from typing import Any

from trialtui.ingest.markdown import unescape
from trialtui.ingest.problems import MAX_TEXT_CHARS, RecordError, quote, registry_id, without_surrogates
from trialtui.models import Provenance, Trial, valid_point

FORMAT_ID = "ctgov-v2"
_EMPTY: dict[str, Any] = {}


def _wrong_type(key: str, value: Any, expected: str) -> RecordError:
    if isinstance(value, list) and len(value) == 1 and not isinstance(value[0], (dict, list)):
        return RecordError(
            f'"{key}" is boxed in a one-element list ({quote(json.dumps(value, ensure_ascii=False))}); '
            "boxed scalars are not ClinicalTrials.gov JSON, so the study is skipped, not guessed",
            kind="boxed scalars",
        )
    found = type(value).__name__.replace("str", "text").replace("dict", "object")
    return RecordError(f'"{key}" holds {found} where {expected} was expected', kind=f"type {key}")


def _too_long(key: str, length: int) -> RecordError:
    return RecordError(
        f'"{key}" is {length:,} characters long (limit {MAX_TEXT_CHARS:,}); study skipped',
        kind=f"too long {key}",
    )


def _text(obj: dict, key: str) -> str:
    value = obj.get(key, "")
    if type(value) is str and value.isascii() and "\\" not in value and len(value) <= MAX_TEXT_CHARS:
        return value
    if value is None:
        return ""
    if type(value) is not str:
        raise _wrong_type(key, value, "text")
    if len(value) > MAX_TEXT_CHARS:
        raise _too_long(key, len(value))
    if not value.isascii():
        value = without_surrogates(value)
    return unescape(value) if "\\" in value else value


def _plain(values) -> bool:
    """Whether each value is text `_text` keeps as it is (short, ASCII, no backslash): one join
    tests a whole row, where a record holds thousands of short texts, nearly all plain."""
    try:
        joined = "".join(values)
    except TypeError:
        return False
    return joined.isascii() and "\\" not in joined and len(joined) <= MAX_TEXT_CHARS


def _readable(obj: dict, keys: tuple[str, ...], values: tuple) -> tuple:
    """`values`, read as ``(obj.get(key, ""), ...)`` for each of `keys`, with each value as
    `_text` reads it (the same first error, in key order, on a value that is not text). Tuples,
    not a row dict: the join in `_plain` takes a tuple as it is, and would copy a dict's values
    into a list first."""
    return values if _plain(values) else tuple([_text(obj, key) for key in keys])


def _column(objs: list[dict], key: str) -> list[str]:
    """`_text` of one key in each object."""
    values = [obj.get(key, "") for obj in objs]
    return values if _plain(values) else [_text(obj, key) for obj in objs]


def _texts(obj: dict, key: str) -> list[str]:
    values = _list(obj, key)
    if _plain(values):
        return values
    for value in values:
        if type(value) is not str:
            raise _wrong_type(f"{key}[]", value, "text")
        if len(value) > MAX_TEXT_CHARS:
            raise _too_long(key, len(value))
    values = [v if v.isascii() else without_surrogates(v) for v in values]
    return [unescape(v) if "\\" in v else v for v in values]


def _dict(obj: dict, key: str) -> dict:
    value = obj.get(key)
    if value is None:
        return _EMPTY
    if type(value) is not dict:
        raise _wrong_type(key, value, "an object")
    return value


def _list(obj: dict, key: str) -> list:
    value = obj.get(key)
    if value is None:
        return []
    if type(value) is not list:
        raise _wrong_type(key, value, "a list")
    return value


def _dicts(obj: dict, key: str) -> list[dict]:
    values = _list(obj, key)
    for value in values:
        if type(value) is not dict:
            raise _wrong_type(f"{key}[]", value, "an object")
    return values


def _bool(obj: dict, key: str) -> bool | None:
    value = obj.get(key)
    if value is None or type(value) is bool:
        return value
    raise _wrong_type(key, value, "true or false")


def _int(obj: dict, key: str) -> int | None:
    value = obj.get(key)
    if value is None or type(value) is int:
        return value
    raise _wrong_type(key, value, "a whole number")


def _date(obj: dict, key: str) -> str:
    return _text(_dict(obj, key), "date")


# The keys of each row's texts, in the order they are read (of two that are not text, the first is named)
_CONTACT = ("phone", "phoneExt", "name", "role", "email")
_SITE = ("facility", "city", "state", "zip", "country", "status")
_OUTCOME = ("measure", "description", "timeFrame")
_ARM = ("label", "type", "description")
_INTERVENTION = ("type", "name", "description")
_OFFICIAL = ("name", "affiliation", "role")
_REFERENCE = ("citation", "pmid", "type")


def _contact(c: dict) -> dict:
    phone, extension, name, role, email = _readable(
        c, _CONTACT,
        (c.get("phone", ""), c.get("phoneExt", ""), c.get("name", ""), c.get("role", ""), c.get("email", "")),
    )
    return {"phone": f"{phone} ext {extension}" if extension else phone, "name": name, "role": role, "email": email}


def _location(loc: dict) -> dict:
    """One site; its ``geoPoint`` gives latitude and longitude when both are a point on Earth (a
    malformed point is dropped: the site stays, placed by its city when it can be)."""
    facility, city, state, zip_code, country, status = _readable(
        loc, _SITE,
        (loc.get("facility", ""), loc.get("city", ""), loc.get("state", ""), loc.get("zip", ""),
         loc.get("country", ""), loc.get("status", "")),
    )
    site = {
        "facility": facility, "city": city, "state": state, "zip": zip_code, "country": country, "status": status,
        "contacts": [] if loc.get("contacts") is None else [_contact(c) for c in _dicts(loc, "contacts")],
    }
    point = loc.get("geoPoint")
    if type(point) is dict and (found := valid_point(point.get("lat"), point.get("lon"))):
        site["latitude"], site["longitude"] = found
    return site


def _outcome(o: dict, kind: str) -> dict:
    measure, description, time_frame = _readable(
        o, _OUTCOME, (o.get("measure", ""), o.get("description", ""), o.get("timeFrame", ""))
    )
    return {"measure": measure, "description": description, "time_frame": time_frame, "kind": kind}


def _arm(a: dict) -> dict:
    label, kind, description = _readable(a, _ARM, (a.get("label", ""), a.get("type", ""), a.get("description", "")))
    return {"label": label, "type": kind, "description": description,
            "intervention_names": _texts(a, "interventionNames")}


def _intervention(i: dict) -> dict:
    kind, name, description = _readable(i, _INTERVENTION, (i.get("type", ""), i.get("name", ""), i.get("description", "")))
    return {"type": kind, "name": name, "description": description,
            "other_names": _texts(i, "otherNames"), "arm_labels": _texts(i, "armGroupLabels")}


def _official(o: dict) -> dict:
    name, affiliation, role = _readable(o, _OFFICIAL, (o.get("name", ""), o.get("affiliation", ""), o.get("role", "")))
    return {"name": name, "affiliation": affiliation, "role": role}


def _reference(r: dict) -> dict:
    citation, pmid, kind = _readable(r, _REFERENCE, (r.get("citation", ""), r.get("pmid", ""), r.get("type", "")))
    return {"citation": citation, "pmid": pmid, "type": kind}


def parse_ctgov_study(study: dict, source: Provenance) -> Trial:
    """One API v2 study object (as in ``{"studies": [...]}``) → `Trial`.

    Raises `RecordError` (a ValueError) saying in plain words why the object is not a usable study.
    """
    if type(study) is not dict:
        raise RecordError(f"a study must be a JSON object, found {type(study).__name__}", "not a study")
    protocol = study.get("protocolSection")
    if type(protocol) is not dict:
        keys = quote(", ".join(list(study)[:6])) or "none"
        raise RecordError(
            f'not a ClinicalTrials.gov study: no "protocolSection" (keys: {keys})', "not a study"
        )
    ident = _dict(protocol, "identificationModule")
    given_id = _text(ident, "nctId").strip()
    if not given_id:
        raise RecordError('study has no "identificationModule.nctId"', "no nctId")
    nct_id = registry_id(given_id)
    status = _dict(protocol, "statusModule")
    sponsors_module = _dict(protocol, "sponsorCollaboratorsModule")
    description = _dict(protocol, "descriptionModule")
    conditions = _dict(protocol, "conditionsModule")
    mesh = _dict(_dict(study, "derivedSection"), "conditionBrowseModule")
    design = _dict(protocol, "designModule")
    design_info = _dict(design, "designInfo")
    masking = _dict(design_info, "maskingInfo")
    enrollment = _dict(design, "enrollmentInfo")
    arms_module = _dict(protocol, "armsInterventionsModule")
    outcomes_module = _dict(protocol, "outcomesModule")
    eligibility = _dict(protocol, "eligibilityModule")
    contacts_module = _dict(protocol, "contactsLocationsModule")
    references_module = _dict(protocol, "referencesModule")

    sponsors = []
    lead = _dict(sponsors_module, "leadSponsor")
    if lead:
        sponsors.append({"name": _text(lead, "name"), "agency_class": _text(lead, "class")})
    sponsors.extend(
        {"name": _text(c, "name"), "agency_class": _text(c, "class"), "role": "collaborator"}
        for c in _dicts(sponsors_module, "collaborators")
    )
    party = _dict(sponsors_module, "responsibleParty")
    responsible_party = (
        {
            "type": _text(party, "type"),
            "name": _text(party, "investigatorFullName"),
            "title": _text(party, "investigatorTitle"),
            "affiliation": _text(party, "investigatorAffiliation"),
        }
        if party
        else None
    )

    outcomes = [
        _outcome(o, kind)
        for kind, key in (
            ("primary", "primaryOutcomes"),
            ("secondary", "secondaryOutcomes"),
            ("other", "otherOutcomes"),
        )
        for o in _dicts(outcomes_module, key)
    ]
    locations = [_location(loc) for loc in _dicts(contacts_module, "locations")]
    record = {
        "trial_id": nct_id,
        "nct_id": nct_id,
        "other_ids": [
            *_column(_dicts(ident, "secondaryIdInfos"), "id"),
            *_texts(ident, "nctIdAliases"),
        ],
        "org_study_id": _text(_dict(ident, "orgStudyIdInfo"), "id"),
        "acronym": _text(ident, "acronym"),
        "brief_title": _text(ident, "briefTitle"),
        "official_title": _text(ident, "officialTitle"),
        "overall_status": _text(status, "overallStatus"),
        "why_stopped": _text(status, "whyStopped"),
        "start_date": _date(status, "startDateStruct"),
        "primary_completion_date": _date(status, "primaryCompletionDateStruct"),
        "completion_date": _date(status, "completionDateStruct"),
        "first_posted": _date(status, "studyFirstPostDateStruct"),
        "last_update_posted": _date(status, "lastUpdatePostDateStruct"),
        "status_verified": _text(status, "statusVerifiedDate"),
        "study_type": _text(design, "studyType"),
        "phases": _texts(design, "phases"),
        "enrollment": _int(enrollment, "count"),
        "enrollment_type": _text(enrollment, "type"),
        "sponsors": sponsors,
        "responsible_party": responsible_party,
        "officials": [_official(o) for o in _dicts(contacts_module, "overallOfficials")],
        "brief_summary": _text(description, "briefSummary"),
        "detailed_description": _text(description, "detailedDescription"),
        "conditions": _texts(conditions, "conditions"),
        "keywords": _texts(conditions, "keywords"),
        "condition_mesh": {
            "terms": [term for term in _column(_dicts(mesh, "meshes"), "term") if term],
            "ancestors": [term for term in _column(_dicts(mesh, "ancestors"), "term") if term],
        },
        "design": {
            "allocation": _text(design_info, "allocation"),
            "intervention_model": _text(design_info, "interventionModel"),
            "primary_purpose": _text(design_info, "primaryPurpose"),
            "masking": _text(masking, "masking"),
            "who_masked": _texts(masking, "whoMasked"),
            "observational_model": _text(design_info, "observationalModel"),
            "time_perspective": _text(design_info, "timePerspective"),
        },
        "arms": [_arm(a) for a in _dicts(arms_module, "armGroups")],
        "interventions": [_intervention(i) for i in _dicts(arms_module, "interventions")],
        "outcomes": outcomes,
        "eligibility": {
            "criteria": _text(eligibility, "eligibilityCriteria"),
            "minimum_age": _text(eligibility, "minimumAge"),
            "maximum_age": _text(eligibility, "maximumAge"),
            "sex": _text(eligibility, "sex"),
            "healthy_volunteers": _bool(eligibility, "healthyVolunteers"),
            "std_ages": _texts(eligibility, "stdAges"),
        },
        "locations": locations,
        "countries": list(dict.fromkeys(loc["country"] for loc in locations if loc["country"])),
        "central_contacts": [_contact(c) for c in _dicts(contacts_module, "centralContacts")],
        "has_results": _bool(study, "hasResults"),
        "references": [_reference(r) for r in _dicts(references_module, "references")],
        "source": source,
    }
    return Trial.model_validate(record)
