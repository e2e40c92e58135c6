"""avl-backup-plan: data stores selected into a daily plan with enough retention; EFS backup policy enabled."""
import copy

import pytest
from pulumi_policy import PolicyProviderResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.avl_backup_plan import POLICY
from quome.check import check_plan
from quome.plan import plan_stack
from tests.policies.fakes import FakeResource, engine_props, resolved_config, run, stack_args, urn_for

PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
TABLE = "aws:dynamodb/table:Table"
EFS = "aws:efs/fileSystem:FileSystem"
EFS_POLICY = "aws:efs/backupPolicy:BackupPolicy"
RDS = "aws:rds/instance:Instance"
REQUIRED = ("required a Selection of a plan with a rule scheduled at least daily and lifecycle.deleteAfter of at "
            "least 35 days (minRetentionDays)")


def rule(name="daily", schedule="cron(0 5 ? * * *)", delete_after=35):
    body = {"ruleName": name, "targetVaultName": "quome-vault", "schedule": schedule}
    if delete_after is not None:
        body["lifecycle"] = {"deleteAfter": delete_after}
    return body


def stack(*rules, stores=("records", "files"), selected=("records", "files"), extra=(), efs_status="ENABLED",
          config=None):
    resources = [FakeResource(TABLE, "records", {"pointInTimeRecovery": {"enabled": True}}),
                 FakeResource(EFS, "files", {"encrypted": True})]
    resources = [r for r in resources if r.name in stores]
    resources.append(FakeResource(PLAN, "daily-plan", {"name": "quome-daily", "rules": list(rules) or [rule()]}))
    if selected:
        resources.append(FakeResource(SELECTION, "daily-selection", {"planId": "plan-1", "resources": ["arn:..."]},
                                      property_dependencies={"planId": "daily-plan", "resources": list(selected)}))
    if "files" in stores and efs_status is not None:
        resources.append(FakeResource(EFS_POLICY, "files-backup", {"backupPolicy": {"status": efs_status}},
                                      property_dependencies={"fileSystemId": "files"}))
    resources.extend(extra)
    return stack_args(resources, config=resolved_config(POLICY, config))


def test_passes_for_a_daily_plan_with_35_days_covering_every_store():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_points_are_kept_until_deleted():
    assert run(POLICY, stack(rule(delete_after=None))).violations == []


def test_one_qualifying_rule_is_enough():
    assert run(POLICY, stack(rule("monthly", "cron(0 5 1 * ? *)", 365), rule())).violations == []


def test_fails_for_a_store_in_no_selection():
    assert run(POLICY, stack(selected=("files",))).violations == [
        (f"DynamoDB table 'records' is in no backup Selection; {REQUIRED}", urn_for(TABLE, "records"))]


def test_fails_when_the_only_plan_runs_weekly():
    outcome = run(POLICY, stack(rule("weekly", "cron(0 5 ? * SUN *)"), stores=("records",), selected=("records",)))
    assert outcome.messages == [
        "DynamoDB table 'records' is selected only by plans that fall short (plan 'daily-plan' rule 'weekly' runs "
        f"'cron(0 5 ? * SUN *)', up to 7 days apart); {REQUIRED}"]


def test_fails_when_retention_is_too_short():
    outcome = run(POLICY, stack(rule(delete_after=14), stores=("records",), selected=("records",)))
    assert outcome.messages == [
        "DynamoDB table 'records' is selected only by plans that fall short (plan 'daily-plan' rule 'daily' keeps "
        f"recovery points 14 days); {REQUIRED}"]


def test_a_longer_configured_minimum_applies():
    outcome = run(POLICY, stack(stores=("records",), selected=("records",), config={"minRetentionDays": 90}))
    assert outcome.messages == [
        "DynamoDB table 'records' is selected only by plans that fall short (plan 'daily-plan' rule 'daily' keeps "
        "recovery points 35 days); required a Selection of a plan with a rule scheduled at least daily and "
        "lifecycle.deleteAfter of at least 90 days (minRetentionDays)"]


def test_fails_for_a_rule_without_schedule():
    outcome = run(POLICY, stack(rule(schedule=None), stores=("records",), selected=("records",)))
    assert outcome.messages == [
        "DynamoDB table 'records' is selected only by plans that fall short (plan 'daily-plan' rule 'daily' has no "
        f"schedule); {REQUIRED}"]


def test_fails_for_an_efs_file_system_without_backup_policy():
    assert run(POLICY, stack(efs_status=None)).violations == [
        ("EFS file system 'files' has no BackupPolicy; required one with backupPolicy.status ENABLED",
         urn_for(EFS, "files"))]


def test_fails_for_a_disabled_efs_backup_policy():
    assert run(POLICY, stack(efs_status="DISABLED")).messages == [
        "EFS file system 'files': BackupPolicy backupPolicy.status is 'DISABLED'; required ENABLED"]


def test_rds_instances_are_data_stores_too():
    db = FakeResource(RDS, "db", {"engine": "postgres"})
    assert run(POLICY, stack(extra=[db])).messages == [f"RDS instance 'db' is in no backup Selection; {REQUIRED}"]


def test_not_applicable_without_data_stores():
    outcome = run(POLICY, stack(stores=(), selected=()))
    assert outcome.violations == []
    assert outcome.not_applicable == ("the stack has no EFS file system, DynamoDB table, RDS instance or cluster, "
                                      "or EBS volume to back up")


# ------------------------------------------------------------------------------------ the platform's shape
# components/backup.py and components/cluster_k8s.py as the engine sends them (`quome plan --stack dev --json`):
# StorageClasses tag their volumes through tagSpecification_1, one Selection takes the tagged EBS volumes of
# the account and region by conditions.stringEquals. kmsKeyId and planId are other resources' outputs, unknown
# during preview: the check must reach its verdict without them. Every resource has the stack's aws provider
# (region us-east-1, allowedAccountIds JSON-encoded as the engine sends provider inputs).

STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
VOLUMES = "arn:aws:ec2:us-east-1:111111111111:volume/*"
BACKUP_CONDITION = {"key": "aws:ResourceTag/quome.io/backup", "value": "daily"}
DAILY = rule("daily", "cron(0 5 ? * * *)", 35)
MONTHLY = rule("monthly", "cron(0 5 1 * ? *)", 365)
TAGGED_REQUIRED = ("required its volumes tagged through a tagSpecification_N parameter 'key=value' that a Selection "
                   "matches (selectionTags STRINGEQUALS key and value, or conditions.stringEquals "
                   "'aws:ResourceTag/key' and value) with resources covering the EBS volumes of its region and "
                   "account ('arn:aws:ec2:*:*:volume/*'), of a plan with a rule scheduled at least daily and "
                   "lifecycle.deleteAfter of at least 35 days (minRetentionDays)")
ORG_CLASS = "quome-dev-org-acme-health-storage-class"


def storage_class(name, class_name, provisioner="ebs.csi.aws.com", tag="quome.io/backup=daily", default=False):
    parameters = {"type": "gp3", "encrypted": "true", "kmsKeyId": UNKNOWN_STRING_VALUE}
    if tag is not None:
        parameters["tagSpecification_1"] = tag
    return FakeResource(STORAGE_CLASS, name, {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": class_name,
                     "annotations": {"storageclass.kubernetes.io/is-default-class": "true" if default else "false"}},
        "provisioner": provisioner, "parameters": parameters, "reclaimPolicy": "Retain",
        "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": True})


PROVIDER = {"region": "us-east-1", "allowedAccountIds": '["111111111111"]', "skipRegionValidation": "true"}


def aws_provider(props):
    return PolicyProviderResource("pulumi:providers:aws", engine_props(props),
                                  urn_for("pulumi:providers:aws", "quome-dev-aws"), "quome-dev-aws")


def platform(*rules, org_tag="quome.io/backup=daily", provisioner="ebs.csi.aws.com", selection=None, planned=True,
             extra=(), provider=None):
    """The dev stack's backup resources; `selection` replaces keys of the Selection's properties, `provider`
    keys of its aws provider's (None drops the key)."""
    body = {"name": "quome-tagged-ebs-volumes", "planId": UNKNOWN_STRING_VALUE,
            "iamRoleArn": "arn:aws:iam::111111111111:role/quome-backup-us-east-1",
            "resources": [VOLUMES], "conditions": [{"stringEquals": [BACKUP_CONDITION]}]}
    body.update(selection or {})
    resources = [
        storage_class("quome-dev-cluster-storage-class", "gp3-encrypted", default=True),
        storage_class(ORG_CLASS, "org-acme-health-ebs", provisioner, org_tag),
        FakeResource(PLAN, "quome-dev-backup-plan", {"name": "quome-phi-volumes",
                                                     "rules": list(rules) or [DAILY, MONTHLY],
                                                     "tags": {"quome:purpose": "phi-volume-backups"}}),
        FakeResource(SELECTION, "quome-dev-backup-selection", body,
                     property_dependencies={"planId": "quome-dev-backup-plan"} if planned else {}),
        *extra,
    ]
    args = stack_args(resources, config=resolved_config(POLICY))
    provider_props = {key: value for key, value in {**PROVIDER, **(provider or {})}.items() if value is not None}
    for resource in args.resources:
        resource.provider = aws_provider(provider_props)
    return args


def org_violation(outcome, problem):
    assert outcome.violations == [
        (f"StorageClass 'org-acme-health-ebs' {problem}; {TAGGED_REQUIRED}", urn_for(STORAGE_CLASS, ORG_CLASS))]


def test_the_platforms_tagged_storage_classes_are_proven_backed_up():
    outcome = run(POLICY, platform())
    assert outcome.violations == [] and outcome.not_applicable is None and outcome.unknown is None


def test_fails_for_a_storage_class_that_tags_nothing():
    org_violation(run(POLICY, platform(org_tag=None)),
                  "sets no tagSpecification_N parameter, so its EBS volumes carry no backup tag, and no Selection "
                  "takes untagged EBS volumes")


def test_fails_for_a_tag_no_selection_picks_up():
    org_violation(run(POLICY, platform(org_tag="quome.io/backup=weekly")),
                  "tags its EBS volumes 'quome.io/backup=weekly', which no backup Selection selects")


def test_fails_when_the_selecting_selection_belongs_to_no_plan():
    outcome = run(POLICY, platform(planned=False))
    assert outcome.messages == [
        f"StorageClass '{name}' tags its EBS volumes 'quome.io/backup=daily': Selection 'quome-dev-backup-selection' "
        f"selects them but joins no backup Plan through planId; {TAGGED_REQUIRED}"
        for name in ("gp3-encrypted", "org-acme-health-ebs")]


def test_fails_when_the_plan_runs_too_rarely():
    outcome = run(POLICY, platform(rule("daily", "cron(0 5 ? * SUN *)", 35), MONTHLY))
    assert outcome.messages[1] == (
        "StorageClass 'org-acme-health-ebs' tags its EBS volumes 'quome.io/backup=daily', which only plans that fall "
        "short select (plan 'quome-dev-backup-plan' rule 'daily' runs 'cron(0 5 ? * SUN *)', up to 7 days apart, "
        f"rule 'monthly' runs 'cron(0 5 1 * ? *)', up to 31 days apart); {TAGGED_REQUIRED}")
    assert len(outcome.violations) == 2


def test_fails_when_the_plan_keeps_points_too_briefly():
    outcome = run(POLICY, platform(rule("daily", "cron(0 5 ? * * *)", 14), MONTHLY))
    assert outcome.messages[1] == (
        "StorageClass 'org-acme-health-ebs' tags its EBS volumes 'quome.io/backup=daily', which only plans that fall "
        "short select (plan 'quome-dev-backup-plan' rule 'daily' keeps recovery points 14 days, rule 'monthly' runs "
        f"'cron(0 5 1 * ? *)', up to 31 days apart); {TAGGED_REQUIRED}")


def test_fails_when_the_selections_resources_do_not_cover_volumes():
    outcome = run(POLICY, platform(selection={"resources": ["arn:aws:rds:us-east-1:111111111111:db:*"]}))
    assert outcome.messages[1] == (
        "StorageClass 'org-acme-health-ebs' tags its EBS volumes 'quome.io/backup=daily', which no backup Selection "
        "selects (Selection 'quome-dev-backup-selection' matches its tags, but resources is "
        '["arn:aws:rds:us-east-1:111111111111:db:*"], which does not cover EBS volumes); ' + TAGGED_REQUIRED)


def test_a_selection_without_resources_does_not_cover_volumes():
    # Tags alone fall back on the region's AWS Backup opt-in, which the stack does not show.
    outcome = run(POLICY, platform(selection={"resources": None}))
    assert outcome.messages[1] == (
        "StorageClass 'org-acme-health-ebs' tags its EBS volumes 'quome.io/backup=daily', which no backup Selection "
        "selects (Selection 'quome-dev-backup-selection' matches its tags, but resources is unset, which does not "
        "cover EBS volumes); " + TAGGED_REQUIRED)


def test_fails_when_not_resources_exclude_volumes():
    outcome = run(POLICY, platform(selection={"notResources": ["arn:aws:ec2:*:*:volume/*"]}))
    assert outcome.messages[1] == (
        "StorageClass 'org-acme-health-ebs' tags its EBS volumes 'quome.io/backup=daily', which no backup Selection "
        "selects (Selection 'quome-dev-backup-selection' matches its tags, but notResources "
        '["arn:aws:ec2:*:*:volume/*"] can exclude EBS volumes); ' + TAGGED_REQUIRED)


@pytest.mark.parametrize("pattern", ["*", "arn:aws:ec2:*:*:volume/*", VOLUMES, "arn:aws:ec2:*"])
def test_resources_that_cover_every_volume_pass(pattern):
    assert run(POLICY, platform(selection={"resources": ["arn:aws:rds:*:*:db:*", pattern]})).violations == []


@pytest.mark.parametrize("pattern", ["arn:aws:ec2:*:*:volume/vol-0abc*", "arn:aws:ec2:*:*:instance/*",
                                     "arn:aws:ec2:*:*:volume/vol-0123456789abcdef0"])
def test_resources_covering_only_some_volumes_or_others_fail(pattern):
    assert len(run(POLICY, platform(selection={"resources": [pattern]})).violations) == 2


def elsewhere(pattern, region_required="'*' or 'us-east-1', the Selection's region",
              account_required="'*' or '111111111111', the account of its iamRoleArn "
                               "'arn:aws:iam::111111111111:role/quome-backup-us-east-1'"):
    return ("StorageClass 'org-acme-health-ebs' tags its EBS volumes 'quome.io/backup=daily', which no backup "
            f"Selection selects (Selection 'quome-dev-backup-selection' matches its tags, but resources '{pattern}' "
            "does not cover the EBS volumes of its own region and account (required region segment "
            f"{region_required} and account segment {account_required})); {TAGGED_REQUIRED}")


@pytest.mark.parametrize("pattern", ["arn:aws:ec2:eu-west-1:111111111111:volume/*",
                                     "arn:aws:ec2:us-east-1:999999999999:volume/*",
                                     "arn:aws:ec2:eu-west-1:999999999999:volume/*", "arn:aws:ec2:eu-*"])
def test_fails_when_resources_cover_the_volumes_of_another_region_or_account(pattern):
    outcome = run(POLICY, platform(selection={"resources": [pattern]}))
    assert outcome.messages[1] == elsewhere(pattern)
    assert len(outcome.violations) == 2


def test_the_selections_own_region_input_overrides_its_providers():
    outcome = run(POLICY, platform(selection={"region": "eu-west-1"}))
    assert outcome.messages[1] == elsewhere(VOLUMES, region_required="'*' or 'eu-west-1', the Selection's region")


def test_an_unknown_region_is_only_covered_by_a_wildcard():
    outcome = run(POLICY, platform(provider={"region": None}))
    assert outcome.messages[1] == elsewhere(
        VOLUMES, region_required="'*', since the Selection's region is not known (no region input, no provider "
                                 "region)")
    wildcard_region = {"resources": ["arn:aws:ec2:*:111111111111:volume/*"]}
    assert run(POLICY, platform(provider={"region": None}, selection=wildcard_region)).violations == []


def test_the_account_comes_from_the_providers_single_allowed_account_when_the_role_arn_is_unknown():
    outcome = run(POLICY, platform(selection={"iamRoleArn": UNKNOWN_STRING_VALUE}))
    assert outcome.violations == [] and outcome.unknown is None


def test_an_unknown_account_is_only_covered_by_a_wildcard():
    unknown_account = {"iamRoleArn": UNKNOWN_STRING_VALUE}
    outcome = run(POLICY, platform(selection=unknown_account, provider={"allowedAccountIds": None}))
    assert outcome.messages[1] == elsewhere(
        VOLUMES, account_required="'*', since the Selection's account is not known (no iamRoleArn account, no "
                                  "single provider allowedAccountIds)")
    wildcard_account = {**unknown_account, "resources": ["arn:aws:ec2:us-east-1:*:volume/*"]}
    assert run(POLICY, platform(selection=wildcard_account, provider={"allowedAccountIds": None})).violations == []


def test_not_resources_of_another_region_or_account_leave_the_selection_whole():
    others = ["arn:aws:ec2:eu-west-1:*:volume/*", "arn:aws:ec2:*:999999999999:volume/*"]
    assert run(POLICY, platform(selection={"notResources": others})).violations == []


def test_not_resources_of_the_selections_region_and_account_exclude_its_volumes():
    outcome = run(POLICY, platform(selection={"notResources": [VOLUMES]}))
    assert outcome.messages[1] == (
        "StorageClass 'org-acme-health-ebs' tags its EBS volumes 'quome.io/backup=daily', which no backup Selection "
        f"selects (Selection 'quome-dev-backup-selection' matches its tags, but notResources [\"{VOLUMES}\"] can "
        f"exclude EBS volumes); {TAGGED_REQUIRED}")


def test_an_unknown_resources_entry_is_skipped_when_a_known_one_covers_the_volumes():
    outcome = run(POLICY, platform(selection={"resources": [UNKNOWN_STRING_VALUE, "arn:aws:ec2:*:*:volume/*"]}))
    assert outcome.violations == [] and outcome.unknown is None


def test_an_unknown_resources_entry_leaves_the_check_undecided_when_no_known_one_covers():
    outcome = run(POLICY, platform(selection={"resources": [UNKNOWN_STRING_VALUE, "arn:aws:rds:*:*:db:*"]}))
    assert outcome.violations == []
    assert outcome.unknown == "string value at .resources.0 can't be known during preview"


def test_an_unknown_not_resources_entry_leaves_the_check_undecided():
    outcome = run(POLICY, platform(selection={"notResources": [UNKNOWN_STRING_VALUE]}))
    assert outcome.violations == []
    assert outcome.unknown == "string value at .notResources.0 can't be known during preview"


def test_an_undecidable_selection_is_skipped_when_another_takes_the_volumes():
    undecidable = FakeResource(SELECTION, "preview-selection", {"planId": UNKNOWN_STRING_VALUE,
                                                                "resources": [UNKNOWN_STRING_VALUE]},
                               property_dependencies={"planId": "quome-dev-backup-plan"})
    outcome = run(POLICY, platform(extra=[undecidable]))
    assert outcome.violations == [] and outcome.unknown is None


def test_not_resources_that_cannot_match_a_volume_leave_the_selection_whole():
    not_volumes = ["arn:aws:ec2:*:*:instance/*", "arn:aws:rds:*"]
    assert run(POLICY, platform(selection={"notResources": not_volumes})).violations == []


def test_selection_tags_match_too_and_any_one_of_them_is_enough():
    tags = [{"type": "STRINGEQUALS", "key": "team", "value": "data"},
            {"type": "STRINGEQUALS", "key": "quome.io/backup", "value": "daily"}]
    assert run(POLICY, platform(selection={"conditions": None, "selectionTags": tags})).violations == []


def test_a_selection_tag_with_another_value_selects_nothing():
    tags = [{"type": "STRINGEQUALS", "key": "quome.io/backup", "value": "weekly"}]
    outcome = run(POLICY, platform(selection={"conditions": None, "selectionTags": tags}))
    assert outcome.messages[1] == ("StorageClass 'org-acme-health-ebs' tags its EBS volumes 'quome.io/backup=daily', "
                                   f"which no backup Selection selects; {TAGGED_REQUIRED}")


def test_every_condition_must_hold():
    conditions = [{"stringEquals": [BACKUP_CONDITION, {"key": "aws:ResourceTag/stage", "value": "prod"}]}]
    assert len(run(POLICY, platform(selection={"conditions": conditions})).violations) == 2


def test_like_and_not_conditions_are_evaluated_on_the_classs_own_tags():
    conditions = [{"stringEquals": [], "stringLikes": [{"key": "aws:ResourceTag/quome.io/backup", "value": "da*"}],
                   "stringNotEquals": [{"key": "aws:ResourceTag/quome.io/backup", "value": "never"}],
                   "stringNotLikes": [{"key": "aws:ResourceTag/quome.io/backup", "value": "w?ekly"}]}]
    assert run(POLICY, platform(selection={"conditions": conditions})).violations == []


def test_a_selection_of_every_volume_takes_untagged_classes_too():
    every_volume = {"conditions": [], "resources": ["arn:aws:ec2:*:*:volume/*"]}
    assert run(POLICY, platform(org_tag=None, selection=every_volume)).violations == []


def test_the_in_tree_ebs_provisioner_is_held_to_the_check():
    # It creates EBS volumes too (on EKS the CSI driver serves it): checked, and here proven, not skipped.
    outcome = run(POLICY, platform(provisioner="kubernetes.io/aws-ebs"))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_a_class_of_another_provisioner_is_not_applicable():
    outcome = run(POLICY, platform(provisioner="efs.csi.aws.com"))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        ORG_CLASS: "provisioner 'efs.csi.aws.com' creates no EBS volumes (an EFS file system behind it is checked "
                   "as a data store of its own)"}


def test_a_stack_whose_only_classes_create_no_ebs_volumes_is_not_applicable():
    args = stack_args([storage_class("shared-files", "efs-shared", "efs.csi.aws.com", tag=None)],
                      config=resolved_config(POLICY))
    outcome = run(POLICY, args)
    assert outcome.violations == []
    assert outcome.not_applicable == (
        "the stack has no EFS file system, DynamoDB table, RDS instance or cluster, or EBS volume to back up; "
        "StorageClass 'efs-shared': provisioner 'efs.csi.aws.com' creates no EBS volumes (an EFS file system behind "
        "it is checked as a data store of its own)")


# ------------------------------------------------------------------------------------ the real stacks


@pytest.fixture(scope="module")
def dev_plan():
    return plan_stack("dev")


def test_the_dev_stack_is_proven_compliant_not_skipped(dev_plan):
    # Its three StorageClasses (the default and two organizations') are the stack's only data stores.
    classes = [r["inputs"]["metadata"]["name"] for r in dev_plan["resources"] if r["type"] == STORAGE_CLASS]
    assert sorted(classes) == ["gp3-encrypted", "org-acme-health-ebs", "org-bluebird-ebs"]
    result = check_plan(dev_plan, in_process=True)
    assert [v.message for v in result.violations if v.policy == "avl-backup-plan"] == []
    assert [n.reason for n in result.not_applicable if n.policy == "avl-backup-plan"] == []


def test_the_dev_stack_fails_once_a_class_stops_tagging(dev_plan):
    plan = copy.deepcopy(dev_plan)
    default = next(r for r in plan["resources"]
                   if r["type"] == STORAGE_CLASS and r["inputs"]["metadata"]["name"] == "gp3-encrypted")
    del default["inputs"]["parameters"]["tagSpecification_1"]
    result = check_plan(plan, in_process=True)
    # The analyzer puts the policy's description above the check's message.
    assert [(v.name, v.message) for v in result.violations if v.policy == "avl-backup-plan"] == [
        ("quome-dev-cluster-storage-class", f"{POLICY.description}\n"
         "StorageClass 'gp3-encrypted' sets no tagSpecification_N parameter, so its EBS volumes carry no backup tag, "
         f"and no Selection takes untagged EBS volumes; {TAGGED_REQUIRED}")]
