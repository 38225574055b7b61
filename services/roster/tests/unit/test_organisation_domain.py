"""The organisation aggregate: the tree's rules, without I/O."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from kite_roster.party.domain.organisation import (
    MAX_DEPTH,
    Organisation,
    OrganisationConflict,
    OrganisationDraft,
    OrganisationEdit,
    OrganisationRuleViolation,
    ParentInfo,
    area_prefix,
)
from kite_roster.party.domain.organisation_events import (
    Contact,
    OrganisationDissolved,
    OrganisationKind,
    OrganisationMoved,
    OrganisationRegistered,
    OrganisationUpdated,
)

K = OrganisationKind
LELING = "371481000000"  # 乐陵市
TOWN = "371481101000"  # a town of 乐陵
VILLAGE = "371481101001"
TODAY = date(2024, 6, 30)


def parent(kind: K, code: str = LELING, *, depth: int = 1, dissolved: bool = False) -> ParentInfo:
    ancestors = tuple(uuid.uuid4() for _ in range(depth))
    return ParentInfo(ancestors[-1], "乐陵市委", kind, code, dissolved, ancestors)


def registered(kind: K = K.OUTSTATION_BRANCH, code: str = LELING, host_city: str | None = "北京") -> Organisation:
    org = Organisation(uuid.uuid4())
    [event] = org.register(
        OrganisationDraft("铁营镇驻京流动党员党支部", kind, code, host_city), parent(K.PARTY_COMMITTEE), "u"
    )
    org.apply(event)
    return org


def refused(call, code: str) -> OrganisationRuleViolation:  # type: ignore[no-untyped-def]
    with pytest.raises(OrganisationRuleViolation) as caught:
        call()
    assert caught.value.code == code, caught.value
    return caught.value


def test_a_county_committee_is_a_root_and_an_outstation_branch_hangs_under_it_with_its_host_city():
    committee = Organisation(uuid.uuid4())
    [root] = committee.register(OrganisationDraft(" 乐陵市委 ", K.PARTY_COMMITTEE, LELING), None, "u")
    assert isinstance(root, OrganisationRegistered)
    assert (root.name, root.parent_id, root.host_city) == ("乐陵市委", None, None)

    contact = Contact(contact_id=uuid.uuid4(), name=" 高宝兴 ", role=" 支部书记 ")
    branch = Organisation(uuid.uuid4())
    [event] = branch.register(
        OrganisationDraft("铁营镇驻京流动党员党支部", K.OUTSTATION_BRANCH, LELING, " 北京 ", (contact,)),
        parent(K.PARTY_COMMITTEE),
        "u",
    )
    assert isinstance(event, OrganisationRegistered)
    assert event.host_city == "北京"
    assert [(c.name, c.role) for c in event.contacts] == [("高宝兴", "支部书记")]
    assert "phone" not in event.model_dump()["contacts"][0]


@pytest.mark.parametrize(
    ("draft", "parent_info", "code"),
    [
        (OrganisationDraft("某支部", K.BRANCH, LELING), None, "parent-required"),
        (OrganisationDraft("驻京支部", K.OUTSTATION_BRANCH, LELING), parent(K.PARTY_COMMITTEE), "host-city-required"),
        (OrganisationDraft("某村", K.VILLAGE, TOWN), parent(K.TOWNSHIP, TOWN), "division-level"),
        (OrganisationDraft("某镇", K.TOWNSHIP, TOWN, "北京"), None, "host-city-not-allowed"),
        (OrganisationDraft("某村", K.VILLAGE, VILLAGE), parent(K.PARTY_COMMITTEE), "parent-kind"),
        (OrganisationDraft("某支部", K.BRANCH, "522631101001"), parent(K.TOWNSHIP, TOWN), "outside-parent-area"),
        (OrganisationDraft("某支部", K.BRANCH, "371481102001"), parent(K.TOWNSHIP, TOWN), "outside-parent-area"),
        (OrganisationDraft("某支部", K.BRANCH, "999999000000"), parent(K.PARTY_COMMITTEE), "invalid-division-code"),
        (OrganisationDraft("  ", K.BRANCH, LELING), parent(K.PARTY_COMMITTEE), "name-required"),
        (OrganisationDraft("某支部", K.BRANCH, LELING), parent(K.PARTY_COMMITTEE, depth=MAX_DEPTH), "too-deep"),
    ],
)
def test_registration_refuses_what_does_not_fit_the_tree(draft, parent_info, code):
    refused(lambda: Organisation(uuid.uuid4()).register(draft, parent_info, "u"), code)


def test_nothing_hangs_under_a_dissolved_parent():
    error = refused(
        lambda: Organisation(uuid.uuid4()).register(
            OrganisationDraft("某支部", K.BRANCH, LELING), parent(K.PARTY_COMMITTEE, dissolved=True), "u"
        ),
        "parent-dissolved",
    )
    assert isinstance(error, OrganisationConflict)


def test_area_prefix_names_county_township_or_village():
    assert area_prefix(LELING) == "371481"
    assert area_prefix(TOWN) == "371481101"
    assert area_prefix(VILLAGE) == VILLAGE


def test_a_move_under_its_own_descendant_is_a_cycle():
    org = registered()
    descendant = ParentInfo(uuid.uuid4(), "下级", K.PARTY_COMMITTEE, LELING, False, (uuid.uuid4(), org.organisation_id))
    refused(lambda: org.move(descendant, subtree_height=2, moved_by="u"), "cycle")
    itself = ParentInfo(org.organisation_id, "自己", K.PARTY_COMMITTEE, LELING, False, (org.organisation_id,))
    refused(lambda: org.move(itself, subtree_height=1, moved_by="u"), "cycle")


def test_a_move_keeps_the_rules_and_the_depth_of_the_whole_subtree():
    org = registered()
    refused(lambda: org.move(None, 1, "u"), "parent-required")  # a branch cannot be a root
    deep = parent(K.PARTY_COMMITTEE, depth=MAX_DEPTH - 2)
    refused(lambda: org.move(deep, subtree_height=3, moved_by="u"), "too-deep")
    target = parent(K.PARTY_COMMITTEE)
    parent_before = org.parent_id  # a decision applies its event at once
    [event] = org.move(target, subtree_height=1, moved_by="u")
    assert isinstance(event, OrganisationMoved)
    assert event.from_parent_id == parent_before and event.to_parent_id == target.organisation_id
    org.apply(event)
    refused(lambda: org.move(target, 1, "u"), "already-there")


def test_an_edit_that_changes_nothing_stores_nothing_unless_a_phone_changed():
    org = registered()
    same = OrganisationEdit(org.name, org.host_city, tuple(org.contacts))
    assert org.update(same, "u") == []
    [touched] = org.update(same, "u", phones_changed=True)
    assert isinstance(touched, OrganisationUpdated)
    [renamed] = org.update(OrganisationEdit("铁营镇驻京党支部", "北京", ()), "u")
    assert isinstance(renamed, OrganisationUpdated) and renamed.name == "铁营镇驻京党支部"
    refused(lambda: org.update(OrganisationEdit("x", None, ()), "u"), "host-city-required")


def test_dissolution_needs_an_empty_organisation_a_reason_and_a_past_date():
    org = registered()
    assert refused(lambda: org.dissolve(TODAY, "合并", 2, 0, TODAY, "u"), "has-children").status == 409
    assert refused(lambda: org.dissolve(TODAY, "合并", 0, 5, TODAY, "u"), "has-members").status == 409
    refused(lambda: org.dissolve(TODAY, " ", 0, 0, TODAY, "u"), "reason-required")
    refused(lambda: org.dissolve(date(2024, 7, 1), "合并", 0, 0, TODAY, "u"), "date-in-future")
    [event] = org.dissolve(TODAY, "合并", 0, 0, TODAY, "u")
    assert isinstance(event, OrganisationDissolved)
    org.apply(event)
    refused(lambda: org.dissolve(TODAY, "合并", 0, 0, TODAY, "u"), "organisation-dissolved")
    refused(lambda: org.update(OrganisationEdit("x", "北京", ()), "u"), "organisation-dissolved")


def test_replay_rebuilds_the_state_from_events():
    org = registered()
    events = [
        OrganisationRegistered(
            organisation_id=org.organisation_id, name="a", kind=K.BRANCH, division_code=LELING, registered_by="u"
        ),
        OrganisationUpdated(organisation_id=org.organisation_id, name="b", host_city="杭州", updated_by="u"),
    ]
    again = Organisation.replay(org.organisation_id, events)
    assert (again.registered, again.name, again.host_city, again.kind) == (True, "b", "杭州", K.BRANCH)
    refused(lambda: again.register(OrganisationDraft("a", K.BRANCH, LELING), None, "u"), "organisation-exists")
