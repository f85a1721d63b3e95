"""The parts of a ClinicalTrials.gov API v2 study that trialtui reads, decoded from its JSON text
without the rest.

A study's results, documents, intervention MeSH tree and the MeSH browse lists of its conditions
are a third of its bytes, and building them as Python objects cost as much again as the parts
read: msgspec decodes only the fields a schema names and steps over the others in C. (Kept apart
from `ctgov_json`: msgspec reads the annotations below as they are written, which that module's
postponed annotations would hide.)
"""

from typing import Any

import msgspec


class _ConditionBrowse(msgspec.Struct):
    meshes: Any = msgspec.UNSET
    ancestors: Any = msgspec.UNSET


class _Derived(msgspec.Struct):
    conditionBrowseModule: _ConditionBrowse | list | str | int | float | bool | None | msgspec.UnsetType = msgspec.UNSET
    """Any JSON value, as `Any` would read it; only an object is read as its two lists."""


class _Parts(msgspec.Struct):
    protocolSection: Any = msgspec.UNSET
    derivedSection: _Derived | msgspec.UnsetType = msgspec.UNSET
    hasResults: Any = msgspec.UNSET


_DECODE = msgspec.json.Decoder(_Parts).decode


def study_parts(text: str | bytes) -> dict | None:
    """The study in `text` (or in its ASCII bytes) as `parse_ctgov_study` reads it: protocolSection,
    derivedSection's conditionBrowseModule (its meshes and ancestors) and hasResults, as Python's
    decoder gives them. None where msgspec does not read it so (not an object; no protocolSection; a
    derivedSection that is not an object; a lone surrogate escape, a NaN, a number past 64 bits or
    nesting past its limit anywhere): the whole text is then decoded as
    any JSON is (`json_values.loads`), with that decoder's answer."""
    try:
        parts = _DECODE(text)
    except (msgspec.MsgspecError, RecursionError, ValueError):
        return None
    if parts.protocolSection is msgspec.UNSET:
        return None
    study = {"protocolSection": parts.protocolSection}
    if parts.derivedSection is not msgspec.UNSET:
        browse = parts.derivedSection.conditionBrowseModule
        if type(browse) is _ConditionBrowse:
            browse = {key: value for key, value in (("meshes", browse.meshes), ("ancestors", browse.ancestors))
                      if value is not msgspec.UNSET}
        study["derivedSection"] = {} if browse is msgspec.UNSET else {"conditionBrowseModule": browse}
    if parts.hasResults is not msgspec.UNSET:
        study["hasResults"] = parts.hasResults
    return study
