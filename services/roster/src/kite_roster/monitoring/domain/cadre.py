"""The cadre aggregate (帮扶人): a leading or ordinary cadre, a social-force helper or a county task
force, with the households it is paired with (结对帮扶). The pairing rules are data handed in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from kite_common.domain import Aggregate, Conflict
from kite_common.events import EventPayload

from kite_roster.monitoring.domain.monitoring_events import (
    CadreRank,
    CadreRegistered,
    HouseholdPaired,
    HouseholdUnpaired,
)
from kite_roster.monitoring.domain.rules import (
    CadreNotFound,
    MonitoringRuleViolation,
    PairingRule,
    free_text,
    yuan_text,
)
from kite_roster.shared.divisions import division_problem

RANK_LABELS: dict[str, str] = {
    "leading": "科级及以上领导干部",
    "ordinary": "一般干部",
    "social-force": "社会力量",
    "task-force": "县级专班",
}


class PairingRuleBroken(MonitoringRuleViolation):
    code = "pairing-rule-broken"

    def __init__(self, rule: PairingRule, why: str) -> None:
        super().__init__(f"违反结对规则「{rule.name}」：{why}", "cadre_id", code="pairing-rule-broken")


@dataclass
class Cadre(Aggregate):
    stream_prefix: ClassVar[str] = "cadre"
    label: ClassVar[str] = "该帮扶人信息"

    cadre_id: uuid.UUID
    rank: CadreRank | None = None
    organisation_code: str | None = None
    households: dict[uuid.UUID, str] = field(default_factory=dict)  # paired household → its village

    @property
    def id(self) -> uuid.UUID:
        return self.cadre_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, CadreRegistered):
            self.rank, self.organisation_code = event.rank, event.organisation_code
        elif isinstance(event, HouseholdPaired):
            self.households[event.household_id] = event.division_code
        elif isinstance(event, HouseholdUnpaired):
            self.households.pop(event.household_id, None)

    @property
    def registered(self) -> bool:
        return self.rank is not None

    def register(self, name: str, rank: CadreRank, organisation: str, organisation_code: str, by: str) -> None:
        if self.registered:
            raise Conflict("该帮扶人已登记", code="cadre-already-registered")
        # a county, township or village code is checked as its 12-digit form (padded with 000)
        problem = division_problem(organisation_code.ljust(12, "0")) if len(organisation_code) in (6, 9, 12) else None
        if (
            len(organisation_code) not in (2, 4, 6, 9, 12)
            or not (organisation_code.isascii() and organisation_code.isdigit())
            or problem
        ):
            raise MonitoringRuleViolation(
                problem or "单位所在地应为2、4、6、9或12位区划代码", "organisation_code", code="invalid-division-code"
            )
        who = free_text(name, "name", "姓名", required=True)
        org = free_text(organisation, "organisation", "单位名称", required=True)
        assert who is not None and org is not None
        self._record(
            CadreRegistered(
                cadre_id=self.cadre_id,
                name=who,
                rank=rank,
                organisation=org,
                organisation_code=organisation_code,
                registered_by=by,
            )
        )

    def _require_registered(self) -> None:
        if not self.registered:
            raise CadreNotFound()

    def pair(
        self,
        household_id: uuid.UUID,
        division_code: str,
        per_capita_fen: int | None,
        rule: PairingRule | None,
        today: date,
        by: str,
    ) -> None:
        """Pair one household, checked against the rule of the cadre's rank (none for social forces and
        task forces). Pairing a household already paired with this cadre changes nothing."""
        self._require_registered()
        if household_id in self.households:
            return
        if rule is not None:
            if per_capita_fen is None:
                raise PairingRuleBroken(rule, "该户尚未填报年度收入，无法确认人均纯收入")
            if not rule.min_fen <= per_capita_fen <= rule.max_fen:
                raise PairingRuleBroken(
                    rule, f"该户年人均纯收入{yuan_text(per_capita_fen)}元，不在{rule.band_text()}范围内"
                )
            if len(self.households) >= rule.max_households:
                raise PairingRuleBroken(
                    rule, f"该帮扶人已结对{len(self.households)}户，已达上限{rule.max_households}户"
                )
        self._record(
            HouseholdPaired(
                cadre_id=self.cadre_id,
                household_id=household_id,
                division_code=division_code,
                per_capita_fen=per_capita_fen,
                rule=rule.name if rule else None,
                paired_on=today,
                paired_by=by,
            )
        )

    def unpair(self, household_id: uuid.UUID, reason: str, today: date, by: str) -> None:
        self._require_registered()
        division_code = self.households.get(household_id)
        if division_code is None:
            raise Conflict("该户未与该帮扶人结对", code="not-paired")
        text = free_text(reason, "reason", "解除结对原因", required=True)
        assert text is not None
        self._record(
            HouseholdUnpaired(
                cadre_id=self.cadre_id,
                household_id=household_id,
                division_code=division_code,
                reason=text,
                unpaired_on=today,
                unpaired_by=by,
            )
        )
