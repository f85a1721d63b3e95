"""The patient check over a whole list, as a query over the library's derived data.

Each library trial's current version carries what the check reads (`store.derived`): its limits
as a `check_key`, its eligible sex and healthy volunteers, and what it studies. Trials naming the
same conditions share one condition match, and trials with the same limits share one evaluation,
so a list of hundreds of thousands of trials costs about as many distinct sets as it holds. The
verdict is `patient_check.assemble_fit` of those parts: the one the trial's own check gives.
"""

from __future__ import annotations

from trialtui.eligibility.facts import TrialFacts
from trialtui.eligibility.patient import PatientProfile
from trialtui.patient_check import ConditionPart, ThresholdPart, TrialFit, assemble_fit, condition_part, threshold_part
from trialtui.store.derived import key_limits


class ListCheck:
    """One patient against stored rows, each distinct condition list and limit set weighed once."""

    def __init__(self, profile: PatientProfile) -> None:
        self.profile = profile
        self._studied: dict[str, ConditionPart] = {}
        self._limits: dict[str, ThresholdPart] = {}
        self._fits: dict[tuple, TrialFit] = {}

    def fit(self, check_key: str, sex: str, healthy: int | None, studied: str) -> TrialFit:
        """The verdict of a trial stored with these values (shared by every trial stored alike)."""
        key = (check_key, sex, healthy, studied)
        fit = self._fits.get(key)
        if fit is None:
            fit = self._fits[key] = self._assembled(check_key, sex, healthy, studied)
        return fit

    def _assembled(self, check_key: str, sex: str, healthy: int | None, studied: str) -> TrialFit:
        conditions = self._studied.get(studied)
        if conditions is None:
            facts = TrialFacts.from_stored(sex, healthy, studied)
            conditions = self._studied[studied] = condition_part(self.profile, facts)
        limits = self._limits.get(check_key)
        if limits is None:
            limits = self._limits[check_key] = threshold_part(self.profile, *key_limits(check_key))
        return assemble_fit(self.profile, sex, None if healthy is None else bool(healthy), conditions, limits)
