"""res-region-allowlist: provider and resource regions, key/table/bucket/backup copies, and the region-deny SCP."""
import json

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.res_region_allowlist import POLICY
from tests.policies.fakes import FakeResource, PolicyConfigError, resolved_config, run, stack_args, urn_for

PROVIDER = "pulumi:providers:aws"
KEY = "aws:kms/key:Key"
TABLE = "aws:dynamodb/table:Table"
BUCKET = "aws:s3/bucket:Bucket"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
PLAN = "aws:backup/plan:Plan"
ORG_POLICY = "aws:organizations/policy:Policy"
EU = ["eu-central-1", "eu-west-1"]
REQUIRED = "required one of allowedRegions (eu-central-1, eu-west-1)"


def stack(*extra, region="eu-central-1", allowed=EU, config=None):
    resources = [FakeResource(PROVIDER, "eu-aws", {"region": region} if region else {}),
                 FakeResource(KEY, "data-key", {"enableKeyRotation": True}),
                 FakeResource(BUCKET, "phi", {"bucket": "quome-phi"}), *extra]
    return stack_args(resources, config=resolved_config(POLICY, {"allowedRegions": allowed, **(config or {})}))


def region_deny_scp(regions, name="region-deny", policy_type="SERVICE_CONTROL_POLICY", effect="Deny"):
    content = {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyOutsideResidency", "Effect": effect, "NotAction": ["iam:*", "organizations:*", "sts:*"],
        "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": regions}}}]}
    return FakeResource(ORG_POLICY, name, {"type": policy_type, "content": json.dumps(content)})


def test_passes_when_everything_stays_in_the_allowed_regions():
    outcome = run(POLICY, stack(FakeResource(TABLE, "records", {"region": "eu-west-1",
                                                                "replicas": [{"regionName": "eu-west-1"}]})))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_an_empty_allow_list_fails_and_names_the_setting():
    assert run(POLICY, stack(allowed=[])).violations == [
        ("aws provider 'eu-aws': region is 'eu-central-1'; required a region listed in allowedRegions, which is "
         "empty: set allowedRegions in this policy's config to the stack's residency regions",
         urn_for(PROVIDER, "eu-aws"))]


def test_fails_for_a_provider_outside_the_list():
    assert run(POLICY, stack(region="us-east-1")).messages == [
        f"aws provider 'eu-aws': region is 'us-east-1'; {REQUIRED}"]


def test_fails_for_a_provider_without_region():
    assert run(POLICY, stack(region=None)).messages == [
        f"aws provider 'eu-aws' sets no region, so its resources go wherever the environment points; {REQUIRED}"]


def test_fails_for_a_resource_level_region_override():
    logs = FakeResource("aws:cloudwatch/logGroup:LogGroup", "us-logs", {"region": "us-east-1"})
    assert run(POLICY, stack(logs)).violations == [
        (f"LogGroup 'us-logs': region is 'us-east-1'; {REQUIRED}", urn_for("aws:cloudwatch/logGroup:LogGroup",
                                                                           "us-logs"))]


def test_fails_for_a_multi_region_key():
    assert run(POLICY, stack(FakeResource(KEY, "global-key", {"multiRegion": True}))).messages == [
        "KMS key 'global-key': multiRegion is true; required false, so no replica of the key can leave "
        "allowedRegions"]


def test_fails_for_a_replica_key_outside_the_list():
    replica = FakeResource("aws:kms/replicaKey:ReplicaKey", "key-replica", {"region": "us-west-2"})
    assert run(POLICY, stack(replica)).messages == [f"ReplicaKey 'key-replica': region is 'us-west-2'; {REQUIRED}"]


def test_fails_for_a_table_replica_outside_the_list():
    table = FakeResource(TABLE, "records", {"replicas": [{"regionName": "eu-west-1"}, {"regionName": "us-east-1"}]})
    assert run(POLICY, stack(table)).messages == [
        f"DynamoDB table 'records': replica regionName is 'us-east-1'; {REQUIRED}"]


def replication(destination_region, destination_in_stack=True):
    target = FakeResource(BUCKET, "phi-replica", {"bucket": "quome-phi-replica", "region": destination_region})
    config = FakeResource(REPLICATION, "phi-replication",
                          {"bucket": "quome-phi", "role": "arn:aws:iam::1:role/replication",
                           "rules": [{"id": "all", "status": "Enabled",
                                      "destination": {"bucket": "arn:aws:s3:::quome-phi-replica"}}]},
                          property_dependencies={"bucket": "phi",
                                                 **({"rules": "phi-replica"} if destination_in_stack else {})})
    return [target, config]


def test_passes_for_replication_inside_the_list():
    assert run(POLICY, stack(*replication("eu-west-1"))).violations == []


def test_fails_for_replication_to_another_region():
    outcome = run(POLICY, stack(*replication("us-east-1")))
    assert outcome.messages == [
        f"Bucket 'phi-replica': region is 'us-east-1'; {REQUIRED}",
        f"replication 'phi-replication': destination bucket 'phi-replica': region is 'us-east-1'; {REQUIRED}"]


def test_replication_destinations_are_found_while_their_arns_are_unknown():
    target, config = replication("us-east-1")
    config.props["rules"][0]["destination"]["bucket"] = UNKNOWN_STRING_VALUE
    outcome = run(POLICY, stack(target, config))
    assert outcome.unknown is None
    assert outcome.messages[-1] == (
        f"replication 'phi-replication': destination bucket 'phi-replica': region is 'us-east-1'; {REQUIRED}")


def test_fails_for_replication_to_a_bucket_outside_the_stack():
    outcome = run(POLICY, stack(replication("eu-west-1", destination_in_stack=False)[1]))
    assert outcome.messages == [
        "replication 'phi-replication': destination 'arn:aws:s3:::quome-phi-replica' is not a bucket of this stack, "
        f"so its region cannot be checked; {REQUIRED}"]


def test_fails_for_a_backup_copy_to_another_region():
    plan = FakeResource(PLAN, "daily", {"rules": [{"ruleName": "daily", "copyActions": [
        {"destinationVaultArn": "arn:aws:backup:eu-west-1:333333333333:backup-vault:dr"},
        {"destinationVaultArn": "arn:aws:backup:us-east-1:333333333333:backup-vault:dr"}]}]})
    assert run(POLICY, stack(plan)).messages == [
        "backup plan 'daily': copy action to 'arn:aws:backup:us-east-1:333333333333:backup-vault:dr': region is "
        f"'us-east-1'; {REQUIRED}"]


def vault(name, region=None):
    props = {"name": f"quome-{name}", **({"region": region} if region else {})}
    return FakeResource("aws:backup/vault:Vault", name, props)


def test_copies_to_vaults_of_the_stack_are_judged_by_the_vault_region_while_arns_are_unknown():
    plan = FakeResource(PLAN, "daily", {"rules": [{"ruleName": "daily", "targetVaultName": "quome-main",
                                                   "copyActions": [{"destinationVaultArn": UNKNOWN_STRING_VALUE}]}]},
                        property_dependencies={"rules": ["main", "dr"]})
    outcome = run(POLICY, stack(vault("main"), vault("dr", "us-east-1"), plan))
    assert outcome.unknown is None
    assert outcome.messages == [
        f"Vault 'dr': region is 'us-east-1'; {REQUIRED}",
        f"backup plan 'daily': copy destination vault 'dr': region is 'us-east-1'; {REQUIRED}"]


def test_a_literal_copy_destination_next_to_a_stack_target_vault_is_read():
    plan = FakeResource(PLAN, "daily", {"rules": [{"ruleName": "daily", "targetVaultName": "quome-main",
                                                   "copyActions": [{"destinationVaultArn":
                                                                    "arn:aws:backup:us-west-2:1:backup-vault:dr"}]}]},
                        property_dependencies={"rules": ["main"]})
    assert run(POLICY, stack(vault("main"), plan)).messages == [
        "backup plan 'daily': copy action to 'arn:aws:backup:us-west-2:1:backup-vault:dr': region is 'us-west-2'; "
        f"{REQUIRED}"]


def test_fails_for_a_backup_copy_whose_region_cannot_be_read():
    plan = FakeResource(PLAN, "daily", {"rules": [{"ruleName": "daily", "copyActions": [
        {"destinationVaultArn": "dr-vault"}]}]})
    assert run(POLICY, stack(plan)).messages == [
        f"backup plan 'daily': copy action to 'dr-vault' names no region; {REQUIRED}"]


def test_the_region_scp_is_only_required_when_configured():
    assert run(POLICY, stack()).violations == []
    outcome = run(POLICY, stack(config={"requireRegionScp": True}))
    assert outcome.violations == [
        ("requireRegionScp is true, but no SCP denies every region outside allowedRegions; required a "
         "SERVICE_CONTROL_POLICY with a Deny statement (NotAction for global services) whose condition "
         "StringNotEquals aws:RequestedRegion lists only allowedRegions (eu-central-1, eu-west-1)", None)]


def test_passes_with_a_region_deny_scp():
    assert run(POLICY, stack(region_deny_scp(["eu-central-1"]), config={"requireRegionScp": True})).violations == []


def test_fails_for_an_scp_that_lets_another_region_through():
    outcome = run(POLICY, stack(region_deny_scp(["eu-central-1", "us-east-1"]), config={"requireRegionScp": True}))
    assert outcome.messages == [
        "requireRegionScp is true, but no SCP denies every region outside allowedRegions (SCP 'region-deny' lets "
        "requests through in us-east-1); required a SERVICE_CONTROL_POLICY with a Deny statement (NotAction for "
        "global services) whose condition StringNotEquals aws:RequestedRegion lists only allowedRegions "
        "(eu-central-1, eu-west-1)"]


def test_a_region_deny_for_some_services_only_does_not_count():
    partial = region_deny_scp(["eu-central-1"])
    content = json.loads(partial.props["content"])
    del content["Statement"][0]["NotAction"]
    content["Statement"][0]["Action"] = ["ec2:*", "s3:*"]
    partial.props["content"] = json.dumps(content)
    assert len(run(POLICY, stack(partial, config={"requireRegionScp": True})).violations) == 1
    content["Statement"][0]["Action"] = "*"
    partial.props["content"] = json.dumps(content)
    assert run(POLICY, stack(partial, config={"requireRegionScp": True})).violations == []


def test_other_policy_types_and_allows_do_not_count_as_the_scp():
    extra = [region_deny_scp(["eu-central-1"], name="tags", policy_type="TAG_POLICY"),
             region_deny_scp(["eu-central-1"], name="allow", effect="Allow")]
    assert len(run(POLICY, stack(*extra, config={"requireRegionScp": True})).violations) == 1


def test_the_config_rejects_names_that_are_not_regions():
    with pytest.raises(PolicyConfigError, match="allowedRegions.0: 'Frankfurt' does not match"):
        resolved_config(POLICY, {"allowedRegions": ["Frankfurt"]})
