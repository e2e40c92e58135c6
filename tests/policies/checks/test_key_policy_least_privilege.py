"""key-policy-least-privilege: no unpinned wildcard principal; an organization's key decrypts only for its roles."""
import json

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.key_policy_least_privilege import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/quome-deployer"
ACME_WORKLOAD = f"arn:aws:iam::{ACCOUNT}:role/quome-acme-workload"
USE = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]

ADMIN = {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": [DEPLOYER]},
         "Action": ["kms:Create*", "kms:Describe*", "kms:Put*", "kms:ScheduleKeyDeletion"], "Resource": "*"}
VIA_SERVICE_FOR_ANYONE_IN_ACCOUNT = {
    "Sid": "UseViaSecretsmanager", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": USE, "Resource": "*",
    "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT,
                                   "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}
ACME_ROLE_USE = {"Sid": "WorkloadUse", "Effect": "Allow", "Principal": {"AWS": ACME_WORKLOAD}, "Action": USE,
                 "Resource": "*", "Condition": {"StringEquals": {
                     "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def key(*statements, organization=None, policy="build"):
    props = {"description": "test key", "enableKeyRotation": True}
    if organization:
        props["tags"] = {"quome:key-purpose": "organization", "quome:organization": organization}
    if policy == "build":
        props["policy"] = document(*statements)
    elif policy is not None:
        props["policy"] = policy
    return resource_args(KEY, props, name="org-key" if organization else "data-key",
                         config=resolved_config(POLICY))


def org_key(*statements, policy="build"):
    return key(ADMIN, *statements, organization="acme", policy=policy)


# -- rule 1: wildcard principals need a pinning condition

def test_passes_for_named_principals_and_a_wildcard_pinned_to_the_account():
    outcome = run(POLICY, key(ADMIN, VIA_SERVICE_FOR_ANYONE_IN_ACCOUNT))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_the_organization_id_pins_the_wildcard():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}
    assert run(POLICY, key(ADMIN, statement)).violations == []


def test_fails_for_an_unconditioned_wildcard_principal():
    statement = {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    assert run(POLICY, key(ADMIN, statement)).messages == [
        "KMS key 'data-key': statement 1 ('Open') allows 'kms:Decrypt' to Principal '*' with no condition on "
        "aws:PrincipalOrgID, aws:PrincipalAccount, kms:CallerAccount or kms:ViaService; required a named "
        "principal or such a condition"]


def test_fails_for_an_aws_wildcard_with_a_condition_that_pins_nothing():
    statement = {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["kms:Encrypt"], "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}}
    assert run(POLICY, key(statement)).messages == [
        "KMS key 'data-key': statement 0 allows [\"kms:Encrypt\"] to Principal {\"AWS\": [\"*\"]} with no condition "
        "on aws:PrincipalOrgID, aws:PrincipalAccount, kms:CallerAccount or kms:ViaService; required a named "
        "principal or such a condition"]


def test_an_if_exists_condition_does_not_pin_the_caller():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "kms:DescribeKey", "Resource": "*",
                 "Condition": {"StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT}}}
    assert run(POLICY, key(statement)).messages == [
        "KMS key 'data-key': statement 0 allows 'kms:DescribeKey' to Principal '*' with no condition on "
        "aws:PrincipalOrgID, aws:PrincipalAccount, kms:CallerAccount or kms:ViaService; required a named "
        "principal or such a condition"]


def test_a_bare_wildcard_value_does_not_pin_the_caller():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "kms:DescribeKey", "Resource": "*",
                 "Condition": {"StringLike": {"kms:ViaService": "*"}}}
    assert run(POLICY, key(statement)).messages == [
        "KMS key 'data-key': statement 0 allows 'kms:DescribeKey' to Principal '*' with no condition on "
        "aws:PrincipalOrgID, aws:PrincipalAccount, kms:CallerAccount or kms:ViaService; required a named "
        "principal or such a condition"]


def test_fails_for_allow_with_not_principal():
    statement = {"Effect": "Allow", "NotPrincipal": {"AWS": DEPLOYER}, "NotAction": "kms:ScheduleKeyDeletion",
                 "Resource": "*"}
    assert run(POLICY, key(statement)).messages == [
        f"KMS key 'data-key': statement 0 allows every action except 'kms:ScheduleKeyDeletion' to every principal "
        f"except {{\"AWS\": \"{DEPLOYER}\"}} with no condition on aws:PrincipalOrgID, aws:PrincipalAccount, "
        f"kms:CallerAccount or kms:ViaService; required a named principal or such a condition"]


def test_deny_statements_with_wildcards_are_fine():
    statement = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert run(POLICY, key(ADMIN, statement)).violations == []


def test_a_standalone_key_policy_is_held_to_the_wildcard_rule():
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}
    args = resource_args(KEY_POLICY, {"keyId": "1234", "policy": {"Version": "2012-10-17", "Statement": [statement]}},
                         name="extra-policy", config=resolved_config(POLICY))
    assert run(POLICY, args).messages == [
        "KMS key policy 'extra-policy': statement 0 allows 'kms:*' to Principal {\"AWS\": \"*\"} with no condition "
        "on aws:PrincipalOrgID, aws:PrincipalAccount, kms:CallerAccount or kms:ViaService; required a named "
        "principal or such a condition"]


def test_fails_for_a_policy_that_is_not_json():
    assert run(POLICY, key(policy="{not json")).messages == [
        "KMS key 'data-key': policy is not valid JSON (Expecting property name enclosed in double quotes at line 1 "
        "column 2); required a JSON key policy"]


def test_a_key_without_a_policy_outside_any_organization_passes():
    assert run(POLICY, key(policy=None)).violations == []


# -- rule 2: an organization's key decrypts only for that organization's roles

def test_passes_when_only_the_organizations_role_may_decrypt():
    outcome = run(POLICY, org_key(ACME_ROLE_USE))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_a_principal_tag_condition_pins_decrypt_to_the_organization():
    statement = {**VIA_SERVICE_FOR_ANYONE_IN_ACCOUNT,
                 "Condition": {"StringEquals": {**VIA_SERVICE_FOR_ANYONE_IN_ACCOUNT["Condition"]["StringEquals"],
                                                "aws:PrincipalTag/quome:organization": "acme"}}}
    assert run(POLICY, org_key(statement)).violations == []


def test_passes_when_a_principal_arn_condition_names_only_organization_roles():
    statement = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:Decrypt", "Resource": "*",
                 "Condition": {"ArnEquals": {"aws:PrincipalArn": [ACME_WORKLOAD,
                                                                   f"arn:aws:iam::{ACCOUNT}:role/quome-acme-owner"]}}}
    assert run(POLICY, org_key(statement)).violations == []


def test_statements_that_cannot_decrypt_may_name_the_account():
    statement = {"Sid": "CreateGrant", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:CreateGrant",
                 "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}
    assert run(POLICY, org_key(statement)).violations == []


def test_fails_when_every_principal_of_the_account_may_decrypt_an_organizations_key():
    statement = {**VIA_SERVICE_FOR_ANYONE_IN_ACCOUNT, "Principal": {"AWS": ROOT}}
    assert run(POLICY, org_key(statement)).messages == [
        f"KMS key 'org-key' (organization acme): statement 1 ('UseViaSecretsmanager') allows kms:Decrypt to AWS "
        f"'{ROOT}'; required only acme's roles (quome-acme-<role>) or a condition aws:PrincipalTag/quome:organization "
        f"equal to 'acme'"]


def test_another_organizations_role_is_not_one_of_this_organizations_roles():
    # Organization "acme-health" must not read organization "acme"'s key through the shared name prefix.
    other = f"arn:aws:iam::{ACCOUNT}:role/quome-acme-health-workload"
    statement = {"Effect": "Allow", "Principal": {"AWS": [ACME_WORKLOAD, other]}, "Action": "kms:*", "Resource": "*"}
    assert run(POLICY, org_key(statement)).messages == [
        f"KMS key 'org-key' (organization acme): statement 1 allows kms:Decrypt to AWS '{other}'; required only "
        f"acme's roles (quome-acme-<role>) or a condition aws:PrincipalTag/quome:organization equal to 'acme'"]


def test_a_service_principal_is_not_one_of_the_organizations_roles():
    statement = {"Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                 "Action": ["kms:Encrypt", "kms:De*"], "Resource": "*"}
    assert run(POLICY, org_key(statement)).messages == [
        "KMS key 'org-key' (organization acme): statement 1 allows kms:Decrypt to Service "
        "'logs.us-east-1.amazonaws.com'; required only acme's roles (quome-acme-<role>) or a condition "
        "aws:PrincipalTag/quome:organization equal to 'acme'"]


def test_an_organizations_key_without_a_policy_gets_the_account_wide_default():
    assert run(POLICY, org_key(policy=None)).messages == [
        "KMS key 'org-key' (organization acme): policy is unset, so AWS applies the default key policy (kms:* for "
        "every principal of the account); required a policy that lets only acme's roles decrypt"]


def test_a_policy_unknown_during_preview_defers_the_check():
    outcome = run(POLICY, org_key(policy=UNKNOWN_STRING_VALUE))
    assert outcome.unknown == "string value at .policy can't be known during preview"
    assert outcome.violations == []
