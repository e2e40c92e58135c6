"""int-pulumi-protect: stateful resources are protected, and buckets and vaults are not force-destroyable."""
import datetime

import pytest

from hipaa_pack.catalog import CATALOG
from hipaa_pack.checks.int_pulumi_protect import KIND, POLICY
from tests.policies.fakes import resolved_config, resource_args, run

BUCKET = "aws:s3/bucket:Bucket"
VAULT = "aws:backup/vault:Vault"


def resource(token=BUCKET, protect=True, name="phi", **props):
    return resource_args(token, props, name=name, opts={"protect": protect}, config=resolved_config(POLICY))


def test_every_listed_type_has_a_readable_kind():
    assert set(KIND) == set(CATALOG["int-pulumi-protect"].resource_types)


@pytest.mark.parametrize("token", sorted(KIND))
def test_passes_for_a_protected_resource(token):
    outcome = run(POLICY, resource(token))
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("token, kind", [
    ("aws:kms/key:Key", "KMS key"),
    ("aws:s3/bucketV2:BucketV2", "bucket"),
    ("aws:efs/fileSystem:FileSystem", "EFS file system"),
    ("aws:dynamodb/table:Table", "DynamoDB table"),
    ("aws:rds/instance:Instance", "RDS instance"),
    ("aws:eks/cluster:Cluster", "EKS cluster"),
    ("aws:secretsmanager/secret:Secret", "secret"),
    (VAULT, "backup vault"),
])
def test_fails_when_protect_is_off(token, kind):
    assert run(POLICY, resource(token, protect=False)).messages == [
        f"{kind} 'phi': resource option protect is false; required true"]


def test_fails_for_a_force_destroyable_bucket():
    assert run(POLICY, resource(BUCKET, forceDestroy=True)).messages == [
        "bucket 'phi': forceDestroy is true; required false or unset"]


def test_fails_for_a_force_destroyable_vault():
    assert run(POLICY, resource(VAULT, name="backups", forceDestroy=True)).messages == [
        "backup vault 'backups': forceDestroy is true; required false or unset"]


def test_passes_when_force_destroy_is_explicitly_false():
    assert run(POLICY, resource(BUCKET, forceDestroy=False)).violations == []


def test_an_unprotected_force_destroyable_bucket_reports_both():
    assert run(POLICY, resource(BUCKET, protect=False, forceDestroy=True)).messages == [
        "bucket 'phi': resource option protect is false; required true",
        "bucket 'phi': forceDestroy is true; required false or unset"]


def test_other_resource_types_are_not_evaluated():
    outcome = run(POLICY, resource("aws:kms/alias:Alias", protect=False))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_an_exemption_makes_a_resource_not_applicable():
    config = resolved_config(POLICY, {"exemptions": [{"resource": "scratch-*", "reason": "throw-away load-test data",
                                                      "expires": "2026-06-30"}]})
    args = resource_args(BUCKET, {}, name="scratch-1", opts={"protect": False}, config=config)
    outcome = run(POLICY, args, today=datetime.date(2026, 1, 15))
    assert outcome.not_applicable == "exempted until 2026-06-30: throw-away load-test data"
    assert outcome.violations == []
