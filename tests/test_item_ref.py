"""Item references, roles and health words: the values the domain and the stored state share."""

from __future__ import annotations

import json

import pytest

from connectors.model import ItemRef, Marker, Role, Target
from mappings.forecast import Health


def test_a_github_ref_names_its_repository_and_number_and_keeps_the_stored_form():
    ref = ItemRef.github("web", "acme/web", 12)
    assert (ref.source, ref.key, ref.repo, ref.number) == ("web", "acme/web#12", "acme/web", 12)
    assert str(ref) == "web:acme/web#12"
    assert ItemRef.parse("web:acme/web#12") == ref == ItemRef("web", "acme/web#12")
    assert (ref.issue, ref.short_key) == ("12", "web#12")


def test_a_jira_ref_is_its_key():
    ref = ItemRef.parse("plat:PLAT-7")
    assert (ref.source, ref.key, ref.repo, ref.number) == ("plat", "PLAT-7", None, None)
    assert (str(ref), ref.issue, ref.short_key) == ("plat:PLAT-7", "PLAT-7", "PLAT-7")


@pytest.mark.parametrize("text", ["web:acme/web#12", "plat:PLAT-7", "a-b:x/y-z#3", "p:PLAT-10"])
def test_the_stored_form_reads_back_as_the_same_ref(text):
    assert str(ItemRef.parse(text)) == text
    assert hash(ItemRef.parse(text)) == hash(ItemRef.parse(text))


def test_github_issues_sort_by_number_and_jira_keys_as_text():
    refs = [ItemRef.github("web", "acme/web", n) for n in (10, 9, 100)]
    refs += [ItemRef("plat", key) for key in ("PLAT-7", "PLAT-10")]
    ordered = sorted(refs, key=lambda r: r.order)
    assert [r.key for r in ordered] == [
        "PLAT-10",
        "PLAT-7",
        "acme/web#9",
        "acme/web#10",
        "acme/web#100",
    ]


def test_role_and_health_values_are_the_contract_words():
    assert [r.value for r in Role] == ["delivery-lead", "project-manager"]
    assert [r.words for r in Role] == ["delivery lead", "project manager"]
    assert {h.value for h in Health} == {"On track", "At risk", "Off track", "Done", "No due date"}
    assert json.dumps({"status": Health.AT_RISK}) == '{"status": "At risk"}'


def test_a_marker_with_a_role_writes_the_same_json_as_before():
    marker = Marker(Role.DELIVERY_LEAD, deliverable="checkout-v2")
    assert json.dumps(marker.to_dict()) == (
        '{"deliverable": "checkout-v2", "role": "delivery-lead"}'
    )
    assert marker == Marker("delivery-lead", deliverable="checkout-v2")
    assert marker.key == Marker("delivery-lead", deliverable="checkout-v2").key


def test_a_read_marker_carries_a_known_role_as_role_and_keeps_an_unknown_one_as_written():
    known = Marker.from_dict({"deliverable": "a", "role": "project-manager"})
    assert known is not None and known.role is Role.PROJECT_MANAGER
    unknown = Marker.from_dict({"deliverable": "a", "role": "sponsor"})
    assert unknown is not None and unknown.role == "sponsor"
    assert unknown.to_dict() == {"deliverable": "a", "role": "sponsor"}


@pytest.mark.parametrize("text", ["web:42", "plat:PLAT-100"])
def test_a_report_target_reads_back_from_its_stored_form(text):
    target = Target.parse(text)
    assert str(target) == text and target == Target(*text.split(":"))
