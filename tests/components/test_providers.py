"""The one AWS provider factory: pinned account, default tags, regions only inside the residency zone."""

from __future__ import annotations

import json

import pytest

from components.providers import aws_provider, default_tags
from tests.harness import build, make_spec, one


def test_provider_pins_region_account_and_default_tags():
    spec = make_spec(tags={"cost-center": "platform"})
    plan = build(lambda: aws_provider("stack-aws", spec))
    provider = one(plan, "pulumi:providers:aws", "stack-aws")
    assert provider.inputs["region"] == "us-east-1"
    assert json.loads(provider.inputs["allowedAccountIds"]) == ["111111111111"]
    assert json.loads(provider.inputs["defaultTags"]) == {"tags": {
        "cost-center": "platform", "environment": "dev", "residency": "us",
        "data-classification": "phi", "managed-by": "quome-platform",
    }}


def test_platform_tags_cannot_be_overridden_by_config_tags():
    spec = make_spec(tags={"environment": "prod", "managed-by": "someone"})
    assert default_tags(spec)["environment"] == "dev"
    assert default_tags(spec)["managed-by"] == "quome-platform"


def test_extra_region_provider_inside_the_zone_is_allowed():
    spec = make_spec()
    plan = build(lambda: aws_provider("replica-aws", spec, region="us-west-2"))
    assert one(plan, "pulumi:providers:aws", "replica-aws").inputs["region"] == "us-west-2"


def test_extra_region_provider_outside_the_zone_is_refused_before_anything_is_created():
    spec = make_spec()
    with pytest.raises(ValueError) as caught:
        aws_provider("replica-aws", spec, region="eu-central-1")
    assert str(caught.value) == (
        "provider 'replica-aws': region 'eu-central-1' is outside residency zone 'us' "
        "(allowed: us-east-1, us-east-2, us-west-2)"
    )
