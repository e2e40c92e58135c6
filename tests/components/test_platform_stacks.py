"""Whole stacks: every stack file plans cleanly, and protection and providers hold for every resource.

These checks are generic over resource types, so components added later are covered without edits:
a new stateful type only needs adding to STATEFUL_TYPES.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from quome.plan import PROJECT_ROOT, load_spec, plan_stack

STACKS = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (PROJECT_ROOT / "stacks").glob("Pulumi.*.yaml"))
PROD_STACKS = [s for s in STACKS if s.endswith("prod")]

# Leaves that hold data or key material: losing one loses data (or the ability to read it).
STATEFUL_TYPES = frozenset(
    {
        "aws:kms/key:Key",
        "aws:kms/customKeyStore:CustomKeyStore",
        "aws:cloudhsmv2/cluster:Cluster",
        "aws:cloudhsmv2/hsm:Hsm",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:cloudtrail/trail:Trail",
        "aws:eks/cluster:Cluster",
        "aws:secretsmanager/secret:Secret",
        "aws:backup/vault:Vault",
        "aws:efs/fileSystem:FileSystem",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:dynamodb/table:Table",
    }
)
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
LOCK_TYPES = (
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
)
# Account/region singletons: in a baseline-owning stack, exactly one of each.
BASELINE_SINGLETONS = (
    "aws:ebs/encryptionByDefault:EncryptionByDefault",
    "aws:ebs/defaultKmsKey:DefaultKmsKey",
    "aws:guardduty/detector:Detector",
    "aws:securityhub/account:Account",
    "aws:cfg/recorder:Recorder",
    "aws:cfg/deliveryChannel:DeliveryChannel",
    "aws:inspector2/enabler:Enabler",
)

_plans: dict[str, dict[str, Any]] = {}


def planned(stack: str) -> dict[str, Any]:
    if stack not in _plans:
        _plans[stack] = plan_stack(stack)
    return _plans[stack]


def resources(stack: str) -> list[dict[str, Any]]:
    return planned(stack)["resources"]


def of_type(stack: str, *tokens: str) -> list[dict[str, Any]]:
    return [r for r in resources(stack) if r["type"] in tokens]


def leaves(stack: str) -> list[dict[str, Any]]:
    return [r for r in resources(stack) if r["custom"] and not r["type"].startswith("pulumi:providers:")]


def test_the_three_stacks_exist():
    assert STACKS == ["dev", "eu-prod", "us-prod"]
    assert PROD_STACKS == ["eu-prod", "us-prod"]


@pytest.mark.parametrize("stack", STACKS)
def test_stack_plans_cleanly(stack):
    document = planned(stack)
    assert document["stack"] == stack
    assert len(leaves(stack)) > 0
    urns = [r["urn"] for r in resources(stack)]
    assert len(urns) == len(set(urns))
    known = set(urns)
    root = f"pulumi:pulumi:Stack::quome-platform-{stack}"
    for resource in resources(stack):
        parent = resource["parent"]
        assert parent is None or parent in known or parent.endswith(root), resource["urn"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_aws_resource_uses_an_explicit_non_default_provider(stack):
    providers = {r["urn"] for r in of_type(stack, "pulumi:providers:aws")}
    assert providers, "the stack declares no explicit AWS provider"
    for resource in leaves(stack):
        provider = resource["provider"]
        assert provider, f"{resource['urn']} has no provider"
        assert "::default" not in provider, f"{resource['urn']} uses a default provider"
        if resource["type"].startswith("aws:"):
            assert provider.rsplit("::", 1)[0] in providers, f"{resource['urn']} uses an undeclared provider {provider}"


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_prod_protects_every_stateful_leaf(stack):
    stateful = [r for r in resources(stack) if r["type"] in STATEFUL_TYPES]
    assert {r["type"] for r in stateful} >= {
        "aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:cloudwatch/logGroup:LogGroup", "aws:cloudtrail/trail:Trail"
    }
    unprotected = [r["urn"] for r in stateful if not r["protect"]]
    assert unprotected == []


@pytest.mark.parametrize("stack", STACKS)
def test_no_component_and_no_provider_is_ever_protected(stack):
    # Protection is inherited: a protected component would freeze every child, launch templates included.
    protected = [
        r["urn"]
        for r in resources(stack)
        if r["protect"] and (not r["custom"] or r["type"].startswith("pulumi:providers:"))
    ]
    assert protected == []


@pytest.mark.parametrize("stack", PROD_STACKS)
def test_prod_protects_only_stateful_leaves(stack):
    extra = sorted({r["type"] for r in resources(stack) if r["protect"] and r["type"] not in STATEFUL_TYPES})
    assert extra == []


def test_dev_protects_nothing_but_keeps_object_locked_buckets_and_their_lock_on_destroy():
    assert [r["urn"] for r in resources("dev") if r["protect"]] == []
    locked = [r for r in of_type("dev", *BUCKET_TYPES) if r["inputs"].get("objectLockEnabled") is True]
    assert locked, "dev has no object-locked bucket"
    for bucket in locked:
        assert bucket["retainOnDelete"] is True, bucket["urn"]
    locked_urns = {b["urn"] for b in locked}
    for lock in of_type("dev", *LOCK_TYPES):
        assert set(lock["propertyDependencies"]["bucket"]) <= locked_urns, lock["urn"]
        assert lock["retainOnDelete"] is True, lock["urn"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_object_locked_bucket_has_a_compliance_mode_lock(stack):
    locks = {
        urn: lock
        for lock in of_type(stack, *LOCK_TYPES)
        for urn in lock["propertyDependencies"]["bucket"]
    }
    for bucket in of_type(stack, *BUCKET_TYPES):
        if bucket["inputs"].get("objectLockEnabled"):
            assert locks[bucket["urn"]]["inputs"]["rule"]["defaultRetention"]["mode"] == "COMPLIANCE"


@pytest.mark.parametrize("stack", STACKS)
def test_each_bucket_and_key_has_exactly_one_policy_owner(stack):
    policies_per_bucket = Counter(
        urn
        for policy in of_type(stack, "aws:s3/bucketPolicy:BucketPolicy")
        for urn in policy["propertyDependencies"].get("bucket", [])
    )
    assert [urn for urn, count in policies_per_bucket.items() if count > 1] == []
    # Keys carry their one policy inline (components/keys.py); a separate KeyPolicy would be a second writer.
    assert of_type(stack, "aws:kms/keyPolicy:KeyPolicy") == []
    for key in of_type(stack, "aws:kms/key:Key"):
        document = json.loads(key["inputs"]["policy"])
        for stmt in document["Statement"]:
            if stmt["Effect"] == "Allow":
                assert stmt["Principal"] not in ("*", {"AWS": "*"}), (key["urn"], stmt.get("Sid"))
                actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
                assert "kms:*" not in actions, (key["urn"], stmt.get("Sid"))


@pytest.mark.parametrize("stack", STACKS)
def test_baseline_singletons_exist_once_in_baseline_stacks_and_never_elsewhere(stack):
    counts = Counter(r["type"] for r in resources(stack))
    expected = 1 if load_spec(stack).spec.owns_account_baseline else 0
    for token in BASELINE_SINGLETONS:
        assert counts[token] == expected, token
    assert counts["aws:cloudtrail/trail:Trail"] == 1
