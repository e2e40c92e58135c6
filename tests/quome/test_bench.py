"""`quome bench` builds valid synthetic stacks and rejects bad arguments; its figures are not asserted."""

from __future__ import annotations

import argparse

import pytest
import yaml

from components.config import parse_spec
from quome.bench import ENTERPRISE_EVERY, _org_counts, synthetic_stack
from quome.plan import PROJECT_ROOT


def test_synthetic_stack_is_a_valid_dev_stack_with_n_organizations():
    base = yaml.safe_load((PROJECT_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    document = synthetic_stack(base, 100)
    spec = parse_spec(document["config"], "bench")
    assert len(spec.organizations) == 100
    assert sum(org.dedicated for org in spec.organizations) == 100 // ENTERPRISE_EVERY
    assert {org.residency for org in spec.organizations} == {"us"}
    assert base["config"]["quome:organizations"][0]["id"] == "acme-health", "the base document is not mutated"


@pytest.mark.parametrize("text", ["", "a,b", "-1", "501"])
def test_org_counts_are_validated(text):
    with pytest.raises(argparse.ArgumentTypeError):
        _org_counts(text)


def test_org_counts_parse():
    assert _org_counts("2,25,100") == [2, 25, 100]
