"""key-policy-least-privilege: no unpinned wildcard principal, no wildcard principal creating grants beyond
grants for AWS resources, an organization's key decrypts (or grants) only for its roles, and it names the roles
that create grants or EBS volumes with it.

The compliant fixtures are the shapes components/keys.py writes: named administrators (CreateGrant only for
AWS resources), and grants to the account root under kms:CallerAccount + kms:ViaService, narrowed to named
roles by ArnEquals aws:PrincipalArn (on an organization's key: its roles, the EBS CSI driver's and AWS Backup's)."""
import json

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.key_policy_least_privilege import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ACCOUNT = "111122223333"
ORGANIZATION_ID = "o-abc123def4"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/quome-deployer"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/quome-break-glass"
EBS_CSI = f"arn:aws:iam::{ACCOUNT}:role/quome-dev-ebs-csi"
BACKUP = f"arn:aws:iam::{ACCOUNT}:role/quome-backup-us-east-1"
ACME_WORKLOAD = f"arn:aws:iam::{ACCOUNT}:role/quome-acme-workload"
ACME_WRITERS = [f"arn:aws:iam::{ACCOUNT}:role/quome-acme-owner", f"arn:aws:iam::{ACCOUNT}:role/quome-acme-admin"]
SECRETS_MANAGER = "secretsmanager.us-east-1.amazonaws.com"
EC2 = "ec2.us-east-1.amazonaws.com"
GRANT_FOR_AWS_RESOURCE = {"Bool": {"kms:GrantIsForAWSResource": "true"}}

# -- what components/keys.py writes
ADMINISTRATION = {
    "Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": [DEPLOYER, BREAK_GLASS]},
    "Action": ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:CreateAlias", "kms:ListGrants",
               "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"], "Resource": "*"}
ADMINISTRATION_CREATE_GRANT = {
    "Sid": "KeyAdministrationCreateGrantForAwsResources", "Effect": "Allow",
    "Principal": {"AWS": [DEPLOYER, BREAK_GLASS]}, "Action": "kms:CreateGrant", "Resource": "*",
    "Condition": GRANT_FOR_AWS_RESOURCE}
EC2_CONDITION = {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": EC2}}
EBS_USE = {"Sid": "UseViaEc2", "Effect": "Allow", "Principal": {"AWS": ROOT},
           "Action": ["kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo", "kms:DescribeKey"],
           "Resource": "*", "Condition": EC2_CONDITION}
EBS_CREATE_GRANT = {"Sid": "UseViaEc2CreateGrant", "Effect": "Allow", "Principal": {"AWS": ROOT},
                    "Action": "kms:CreateGrant", "Resource": "*",
                    "Condition": {**EC2_CONDITION, **GRANT_FOR_AWS_RESOURCE}}
EBS_CSI_USE = {**EBS_USE, "Sid": "EbsCsiDriverVolumes",
               "Condition": {**EC2_CONDITION, "ArnEquals": {"aws:PrincipalArn": [EBS_CSI]}}}
EBS_CSI_CREATE_GRANT = {**EBS_CREATE_GRANT, "Sid": "EbsCsiDriverVolumesCreateGrant",
                        "Condition": {**EBS_CSI_USE["Condition"], **GRANT_FOR_AWS_RESOURCE}}
SECRETS_CONDITION = {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": SECRETS_MANAGER}}
WORKLOAD_USE = {"Sid": "UseViaSecretsmanager", "Effect": "Allow", "Principal": {"AWS": ROOT},
                "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*",
                "Condition": {**SECRETS_CONDITION, "ArnEquals": {"aws:PrincipalArn": [ACME_WORKLOAD]}}}
SECRETS_WRITERS = {
    "Sid": "SecretsManagerWriters", "Effect": "Allow", "Principal": {"AWS": ROOT},
    "Action": ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"], "Resource": "*",
    "Condition": {**SECRETS_CONDITION, "ArnEquals": {"aws:PrincipalArn": ACME_WRITERS}, "StringLike": {
        "kms:EncryptionContext:SecretARN": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:quome/acme/*"}}}
SECRETS_WRITERS_DESCRIBE_KEY = {
    "Sid": "SecretsManagerWritersDescribeKey", "Effect": "Allow", "Principal": {"AWS": ROOT},
    "Action": ["kms:DescribeKey"], "Resource": "*",
    "Condition": {**SECRETS_CONDITION, "ArnEquals": {"aws:PrincipalArn": ACME_WRITERS}}}
# components/backup.py: the backup role restores an organization's EBS snapshots through EC2
BACKUP_USE = {**EBS_USE, "Condition": {**EC2_CONDITION, "ArnEquals": {"aws:PrincipalArn": [BACKUP]}}}
BACKUP_CREATE_GRANT = {**EBS_CREATE_GRANT, "Condition": {**BACKUP_USE["Condition"], **GRANT_FOR_AWS_RESOURCE}}
PLATFORM_KEY = [ADMINISTRATION, ADMINISTRATION_CREATE_GRANT, EBS_USE, EBS_CREATE_GRANT, EBS_CSI_USE,
                EBS_CSI_CREATE_GRANT]
ORGANIZATION_KEY = [ADMINISTRATION, ADMINISTRATION_CREATE_GRANT, WORKLOAD_USE, SECRETS_WRITERS,
                    SECRETS_WRITERS_DESCRIBE_KEY, EBS_CSI_USE, EBS_CSI_CREATE_GRANT, BACKUP_USE, BACKUP_CREATE_GRANT]
ORG_EXTRA = len(ORGANIZATION_KEY)
"""The index of the first statement a test adds to an organization's key."""
ACME_KEY = "KMS key 'org-key' (organization acme)"

# -- a wildcard principal pinned to the account (not written by keys.py, but allowed)
PINNED_WILDCARD = {"Sid": "AnyoneOfTheAccount", "Effect": "Allow", "Principal": {"AWS": "*"},
                   "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
                   "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}}}

PIN_REQUIRED = (
    "required a named principal or a condition StringEquals, StringEqualsIgnoreCase or StringLike (optionally "
    "ForAnyValue:) pinning aws:PrincipalOrgID to an organization id (o-...) or aws:PrincipalAccount or "
    "kms:CallerAccount to 12-digit account ids, with no wildcard (kms:ViaService, ...IfExists and ForAllValues: "
    "do not pin)")
ACME_REQUIRED = ("required only acme's roles (quome-acme-<role>) or a condition aws:PrincipalTag/quome:organization "
                 "equal to 'acme'")
ACME_GRANTS_REQUIRED = f"{ACME_REQUIRED} (kms:CreateGrant may go to others only with Bool " \
                       f"kms:GrantIsForAWSResource \"true\")"


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


def platform_key(*extra):
    return key(*PLATFORM_KEY, *extra)


def org_key(*extra, policy="build"):
    return key(*ORGANIZATION_KEY, *extra, organization="acme", policy=policy)


def wildcard(condition, action=("kms:Decrypt",), sid="Open", principal="*"):
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": list(action), "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def unpinned(condition_text, action='["kms:Decrypt"]', principal="Principal '*'", index=6):
    return (f"KMS key 'data-key': statement {index} ('Open') allows {action} to {principal} with Condition "
            f"{condition_text}, which pins neither the caller's account nor its organization; {PIN_REQUIRED}")


# -- the platform's own policies

def test_the_platform_keys_policy_shapes_pass():
    outcome = run(POLICY, platform_key())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_the_organization_keys_policy_shapes_pass():
    outcome = run(POLICY, org_key())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_a_wildcard_pinned_to_the_account_passes():
    assert run(POLICY, platform_key(PINNED_WILDCARD)).violations == []


# -- rule 1: a wildcard principal needs a condition that pins the caller's account or organization

def test_passes_when_the_organization_id_pins_the_wildcard():
    statement = wildcard({"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}})
    assert run(POLICY, platform_key(statement)).violations == []


def test_passes_when_principal_account_pins_the_wildcard_with_string_like_and_no_wildcard():
    statement = wildcard({"StringLike": {"aws:PrincipalAccount": [ACCOUNT, "444455556666"]}})
    assert run(POLICY, platform_key(statement)).violations == []


def test_passes_with_string_equals_ignore_case_and_a_condition_key_in_another_case():
    statement = wildcard({"StringEqualsIgnoreCase": {"KMS:CallerAccount": ACCOUNT}})
    assert run(POLICY, platform_key(statement)).violations == []


def test_passes_with_for_any_value_which_fails_on_a_missing_key():
    statement = wildcard({"ForAnyValue:StringEquals": {"kms:CallerAccount": ACCOUNT}})
    assert run(POLICY, platform_key(statement)).violations == []


def test_fails_for_an_unconditioned_wildcard_principal():
    assert run(POLICY, platform_key(wildcard(None))).messages == [unpinned("unset")]


def test_via_service_alone_does_not_pin_the_caller():
    statement = wildcard({"StringEquals": {"kms:ViaService": SECRETS_MANAGER}})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned(f'{{"StringEquals": {{"kms:ViaService": "{SECRETS_MANAGER}"}}}}')]


def test_an_account_with_a_wildcard_does_not_pin_the_caller():
    statement = wildcard({"StringLike": {"kms:CallerAccount": "1111*"}})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned('{"StringLike": {"kms:CallerAccount": "1111*"}}')]


def test_one_wildcard_among_the_accounts_does_not_pin_the_caller():
    statement = wildcard({"StringLike": {"aws:PrincipalAccount": [ACCOUNT, "*"]}})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned(f'{{"StringLike": {{"aws:PrincipalAccount": ["{ACCOUNT}", "*"]}}}}')]


def test_a_policy_variable_is_not_an_account():
    statement = wildcard({"StringEquals": {"kms:CallerAccount": "${aws:PrincipalAccount}"}})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned('{"StringEquals": {"kms:CallerAccount": "${aws:PrincipalAccount}"}}')]


def test_an_organization_id_with_a_wildcard_does_not_pin_the_caller():
    statement = wildcard({"StringLike": {"aws:PrincipalOrgID": "o-*"}})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned('{"StringLike": {"aws:PrincipalOrgID": "o-*"}}')]


def test_an_if_exists_condition_does_not_pin_the_caller():
    statement = wildcard({"StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT}})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned(f'{{"StringEqualsIfExists": {{"kms:CallerAccount": "{ACCOUNT}"}}}}')]


def test_for_all_values_does_not_pin_the_caller_because_an_empty_key_set_passes():
    statement = wildcard({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned(f'{{"ForAllValues:StringEquals": {{"aws:PrincipalOrgID": "{ORGANIZATION_ID}"}}}}')]


def test_a_negated_condition_does_not_pin_the_caller():
    statement = wildcard({"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}, principal={"AWS": ["*"]})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned(f'{{"StringNotEquals": {{"aws:PrincipalAccount": "{ACCOUNT}"}}}}',
                 principal='Principal {"AWS": ["*"]}')]


def test_fails_for_allow_with_not_principal():
    statement = {"Sid": "Open", "Effect": "Allow", "NotPrincipal": {"AWS": DEPLOYER}, "Action": ["kms:Decrypt"],
                 "Resource": "*"}
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned("unset", principal=f'every principal except {{"AWS": "{DEPLOYER}"}}')]


def test_deny_statements_with_wildcards_are_fine():
    statement = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert run(POLICY, platform_key(statement)).violations == []


def test_a_standalone_key_policy_is_held_to_the_wildcard_rule():
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Encrypt", "Resource": "*"}
    args = resource_args(KEY_POLICY, {"keyId": "1234", "policy": {"Version": "2012-10-17", "Statement": [statement]}},
                         name="extra-policy", config=resolved_config(POLICY))
    assert run(POLICY, args).messages == [
        f"KMS key policy 'extra-policy': statement 0 allows 'kms:Encrypt' to Principal {{\"AWS\": \"*\"}} with "
        f"Condition unset, which pins neither the caller's account nor its organization; {PIN_REQUIRED}"]


def test_fails_for_a_policy_that_is_not_json():
    assert run(POLICY, key(policy="{not json")).messages == [
        "KMS key 'data-key': policy is not valid JSON (Expecting property name enclosed in double quotes at line 1 "
        "column 2); required a JSON key policy"]


def test_a_key_without_a_policy_outside_any_organization_passes():
    assert run(POLICY, key(policy=None)).violations == []


# -- rule 2: a wildcard principal may create grants only for AWS resources

def unrestricted_grants(action, principal="Principal {\"AWS\": \"*\"}", index=6, where="KMS key 'data-key'",
                        sid="Open"):
    return (f"{where}: statement {index} ('{sid}') allows kms:CreateGrant (through {action}) to {principal} "
            f"without Bool kms:GrantIsForAWSResource \"true\", so a caller can grant itself or anyone kms:Decrypt; "
            f"required Bool kms:GrantIsForAWSResource \"true\" in its Condition, or a named principal")


def test_a_pinned_wildcard_may_create_grants_for_aws_resources():
    statement = {**PINNED_WILDCARD, "Action": "kms:CreateGrant",
                 "Condition": {**PINNED_WILDCARD["Condition"], **GRANT_FOR_AWS_RESOURCE}}
    assert run(POLICY, platform_key(statement)).violations == []


def test_fails_when_a_pinned_wildcard_may_create_any_grant():
    statement = {**PINNED_WILDCARD, "Action": "kms:CreateGrant"}
    assert run(POLICY, platform_key(statement)).messages == [
        unrestricted_grants("'kms:CreateGrant'", sid="AnyoneOfTheAccount")]


def test_a_create_wildcard_includes_create_grant():
    statement = {**PINNED_WILDCARD, "Action": ["kms:Create*"]}
    assert run(POLICY, platform_key(statement)).messages == [
        unrestricted_grants('["kms:Create*"]', sid="AnyoneOfTheAccount")]


def test_not_action_that_leaves_create_grant_in_includes_it():
    statement = {key_: value for key_, value in PINNED_WILDCARD.items() if key_ != "Action"}
    statement["NotAction"] = ["kms:Decrypt", "kms:ScheduleKeyDeletion"]
    assert run(POLICY, platform_key(statement)).messages == [
        unrestricted_grants('every action except ["kms:Decrypt", "kms:ScheduleKeyDeletion"]',
                            sid="AnyoneOfTheAccount")]


def test_bool_if_exists_does_not_restrict_grants_to_aws_resources():
    statement = {**PINNED_WILDCARD, "Action": "kms:CreateGrant", "Condition": {
        **PINNED_WILDCARD["Condition"], "BoolIfExists": {"kms:GrantIsForAWSResource": "true"}}}
    assert run(POLICY, platform_key(statement)).messages == [
        unrestricted_grants("'kms:CreateGrant'", sid="AnyoneOfTheAccount")]


def test_grant_is_for_aws_resource_false_does_not_restrict_grants():
    statement = {**PINNED_WILDCARD, "Action": "kms:CreateGrant", "Condition": {
        **PINNED_WILDCARD["Condition"], "Bool": {"kms:GrantIsForAWSResource": "false"}}}
    assert run(POLICY, platform_key(statement)).messages == [
        unrestricted_grants("'kms:CreateGrant'", sid="AnyoneOfTheAccount")]


def test_an_unpinned_wildcard_creating_any_grant_breaks_both_rules():
    statement = wildcard(None, action=("kms:CreateGrant",), principal={"AWS": "*"})
    assert run(POLICY, platform_key(statement)).messages == [
        unpinned("unset", action='["kms:CreateGrant"]', principal='Principal {"AWS": "*"}'),
        unrestricted_grants('["kms:CreateGrant"]')]


def test_a_named_administrator_of_a_platform_key_may_create_any_grant():
    # Outside an organization's key a named principal is the key's own business; only wildcards are held.
    statement = {**ADMINISTRATION, "Sid": "Admin", "Action": ["kms:Create*"]}
    assert run(POLICY, platform_key(statement)).violations == []


# -- rule 3: an organization's key decrypts, or grants beyond AWS resources, only for its roles

def test_passes_when_only_the_organizations_role_may_decrypt_as_a_principal():
    statement = {"Sid": "Workload", "Effect": "Allow", "Principal": {"AWS": ACME_WORKLOAD},
                 "Action": ["kms:Decrypt", "kms:CreateGrant"], "Resource": "*"}
    assert run(POLICY, org_key(statement)).violations == []


def test_passes_when_a_principal_tag_condition_pins_decrypt_to_the_organization():
    statement = {**WORKLOAD_USE, "Sid": "Tagged", "Condition": {"StringEquals": {
        **SECRETS_CONDITION["StringEquals"], "aws:PrincipalTag/quome:organization": "acme"}}}
    assert run(POLICY, org_key(statement)).violations == []


def test_fails_when_every_principal_of_the_account_may_decrypt_an_organizations_key():
    statement = {**WORKLOAD_USE, "Condition": SECRETS_CONDITION}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('UseViaSecretsmanager') allows kms:Decrypt (through "
        f"[\"kms:Decrypt\", \"kms:DescribeKey\"]) to AWS '{ROOT}'; {ACME_REQUIRED}"]


def test_fails_when_the_principal_arn_names_a_role_of_another_organization():
    # Organization "acme-health" must not read organization "acme"'s key through the shared name prefix.
    other = f"arn:aws:iam::{ACCOUNT}:role/quome-acme-health-workload"
    statement = {**WORKLOAD_USE, "Condition": {**SECRETS_CONDITION,
                                               "ArnEquals": {"aws:PrincipalArn": [ACME_WORKLOAD, other]}}}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('UseViaSecretsmanager') allows kms:Decrypt (through "
        f"[\"kms:Decrypt\", \"kms:DescribeKey\"]) to AWS '{ROOT}'; {ACME_REQUIRED}"]


def test_a_service_principal_is_not_one_of_the_organizations_roles():
    statement = {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                 "Action": ["kms:Encrypt", "kms:De*"], "Resource": "*"}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('Logs') allows kms:Decrypt (through [\"kms:Encrypt\", "
        f"\"kms:De*\"]) to Service 'logs.us-east-1.amazonaws.com'; {ACME_REQUIRED}"]


def test_fails_when_the_account_may_create_any_grant_on_an_organizations_key():
    statement = {**EBS_CSI_CREATE_GRANT, "Condition": EBS_CSI_USE["Condition"]}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('EbsCsiDriverVolumesCreateGrant') allows "
        f"kms:CreateGrant (through 'kms:CreateGrant') to AWS '{ROOT}'; {ACME_GRANTS_REQUIRED}"]


def test_fails_when_an_administrator_gets_create_grant_through_a_create_wildcard():
    statement = {**ADMINISTRATION, "Sid": "Admin", "Action": ["kms:Create*", "kms:Describe*"]}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('Admin') allows kms:CreateGrant (through "
        f"[\"kms:Create*\", \"kms:Describe*\"]) to AWS '{DEPLOYER}', AWS '{BREAK_GLASS}'; {ACME_GRANTS_REQUIRED}"]


def test_kms_star_to_another_organizations_role_names_decrypt_and_create_grant():
    other = f"arn:aws:iam::{ACCOUNT}:role/quome-acme-health-workload"
    statement = {"Sid": "Everything", "Effect": "Allow", "Principal": {"AWS": [ACME_WORKLOAD, other]},
                 "Action": "kms:*", "Resource": "*"}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('Everything') allows kms:Decrypt, kms:ReEncryptFrom, "
        f"kms:CreateGrant "
        f"(through 'kms:*') to AWS '{other}'; {ACME_GRANTS_REQUIRED}"]


def test_a_pinned_wildcard_is_still_outside_the_organization():
    assert run(POLICY, org_key(PINNED_WILDCARD)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('AnyoneOfTheAccount') allows kms:Decrypt (through "
        f"[\"kms:Encrypt\", \"kms:Decrypt\"]) to AWS '*'; {ACME_REQUIRED}"]


def test_an_organizations_key_without_a_policy_gets_the_account_wide_default():
    assert run(POLICY, org_key(policy=None)).messages == [
        "KMS key 'org-key' (organization acme): policy is unset, so AWS applies the default key policy (kms:* for "
        "every principal of the account); required a policy that lets only acme's roles decrypt"]


def test_a_policy_unknown_during_preview_defers_the_check():
    outcome = run(POLICY, org_key(policy=UNKNOWN_STRING_VALUE))
    assert outcome.unknown == "string value at .policy can't be known during preview"
    assert outcome.violations == []


def test_re_encrypt_from_counts_as_decrypt_on_an_organizations_key():
    # ReEncrypt can move the org's data under a key the caller decrypts with.
    statement = {**EBS_CSI_USE, "Action": [*EBS_CSI_USE["Action"], "kms:ReEncryptFrom"]}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('EbsCsiDriverVolumes') allows kms:ReEncryptFrom "
        f"(through [\"kms:GenerateDataKeyWithoutPlaintext\", \"kms:ReEncryptTo\", \"kms:DescribeKey\", "
        f"\"kms:ReEncryptFrom\"]) to AWS '{ROOT}'; {ACME_REQUIRED}"]


def test_a_re_encrypt_wildcard_counts_as_decrypt_on_an_organizations_key():
    statement = {"Sid": "AutoScaling", "Effect": "Allow", "Principal": {"AWS": DEPLOYER},
                 "Action": ["kms:Encrypt", "kms:ReEncrypt*"], "Resource": "*"}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('AutoScaling') allows kms:ReEncryptFrom (through "
        f"[\"kms:Encrypt\", \"kms:ReEncrypt*\"]) to AWS '{DEPLOYER}'; {ACME_REQUIRED}"]


# -- rule 4: an organization's key names the roles that create grants (even for AWS resources) or EBS volumes

NAMED_REQUIRED = ("required IAM role ARNs as Principal, or a condition ArnEquals or ArnLike on aws:PrincipalArn "
                  "whose values are all role ARNs with no wildcard")
EBS_USE_ACTIONS_TEXT = '["kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo", "kms:DescribeKey"]'


def unnamed(sid, actions, through, principals):
    return (f"{ACME_KEY}: statement {ORG_EXTRA} ('{sid}') allows {actions} (through {through}) to {principals} "
            f"without naming its roles, so any principal it admits can have EC2 create or attach volumes under "
            f"acme's key and read them; {NAMED_REQUIRED}")


def backup_grant(principal_arn):
    """The backup role's CreateGrant statement with its aws:PrincipalArn condition replaced."""
    return {**BACKUP_CREATE_GRANT, "Sid": "Backup",
            "Condition": {**EBS_CREATE_GRANT["Condition"], "ArnLike": {"aws:PrincipalArn": principal_arn}}}


def test_the_account_root_creating_grants_for_aws_resources_must_name_its_roles():
    # The reviewer's case: without ArnEquals, every principal of the account has EC2 attach the org's volumes.
    statement = {**BACKUP_CREATE_GRANT, "Condition": EBS_CREATE_GRANT["Condition"]}
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("UseViaEc2CreateGrant", "kms:CreateGrant", "'kms:CreateGrant'", f"AWS '{ROOT}'")]


def test_the_account_root_using_the_key_through_ec2_must_name_its_roles():
    statement = {**BACKUP_USE, "Condition": EC2_CONDITION}
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("UseViaEc2", "kms:GenerateDataKeyWithoutPlaintext, kms:ReEncryptTo", EBS_USE_ACTIONS_TEXT,
                f"AWS '{ROOT}'")]


def test_the_account_root_may_create_grants_for_aws_resources_on_a_platform_key():
    # Platform keys are not held to rule 4: EBS_CREATE_GRANT is already part of PLATFORM_KEY.
    assert run(POLICY, platform_key({**EBS_CREATE_GRANT, "Sid": "Again"})).violations == []


def test_a_pinned_wildcard_creating_grants_for_aws_resources_must_name_its_roles():
    statement = {**PINNED_WILDCARD, "Action": "kms:CreateGrant",
                 "Condition": {**PINNED_WILDCARD["Condition"], **GRANT_FOR_AWS_RESOURCE}}
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("AnyoneOfTheAccount", "kms:CreateGrant", "'kms:CreateGrant'", "AWS '*'")]


def test_a_platform_role_as_principal_names_its_principal():
    # Not one of acme's roles, and need not be: the EBS CSI driver's role is the platform's.
    statement = {**BACKUP_CREATE_GRANT, "Sid": "Csi", "Principal": {"AWS": [EBS_CSI]},
                 "Condition": GRANT_FOR_AWS_RESOURCE}
    assert run(POLICY, org_key(statement)).violations == []


def test_a_role_with_a_path_in_arn_like_names_its_principal():
    role = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    assert run(POLICY, org_key(backup_grant([BACKUP, role]))).violations == []


def test_a_principal_arn_with_a_wildcard_does_not_name_the_roles():
    statement = backup_grant([BACKUP, f"arn:aws:iam::{ACCOUNT}:role/quome-*"])
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("Backup", "kms:CreateGrant", "'kms:CreateGrant'", f"AWS '{ROOT}'")]


def test_a_principal_arn_with_a_single_character_wildcard_does_not_name_the_role():
    statement = backup_grant(f"arn:aws:iam::{ACCOUNT}:role/quome-backup-us-east-?")
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("Backup", "kms:CreateGrant", "'kms:CreateGrant'", f"AWS '{ROOT}'")]


def test_a_principal_arn_with_a_policy_variable_does_not_name_the_role():
    statement = backup_grant(f"arn:aws:iam::{ACCOUNT}:role/${{aws:username}}")
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("Backup", "kms:CreateGrant", "'kms:CreateGrant'", f"AWS '{ROOT}'")]


def test_a_principal_arn_naming_a_user_does_not_name_a_role():
    statement = backup_grant(f"arn:aws:iam::{ACCOUNT}:user/alice")
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("Backup", "kms:CreateGrant", "'kms:CreateGrant'", f"AWS '{ROOT}'")]


def test_string_equals_on_the_principal_arn_does_not_count_as_naming():
    statement = {**BACKUP_CREATE_GRANT, "Sid": "Backup", "Condition": {
        "StringEquals": {**EC2_CONDITION["StringEquals"], "aws:PrincipalArn": BACKUP}, **GRANT_FOR_AWS_RESOURCE}}
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("Backup", "kms:CreateGrant", "'kms:CreateGrant'", f"AWS '{ROOT}'")]


def test_the_account_root_beside_a_role_in_principal_is_not_named():
    statement = {**BACKUP_CREATE_GRANT, "Principal": {"AWS": [BACKUP, ROOT]},
                 "Condition": EBS_CREATE_GRANT["Condition"]}
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("UseViaEc2CreateGrant", "kms:CreateGrant", "'kms:CreateGrant'", f"AWS '{ROOT}'")]


def test_a_service_principal_creating_grants_for_aws_resources_is_not_a_named_role():
    statement = {**BACKUP_CREATE_GRANT, "Principal": {"Service": "ec2.amazonaws.com"},
                 "Condition": GRANT_FOR_AWS_RESOURCE}
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("UseViaEc2CreateGrant", "kms:CreateGrant", "'kms:CreateGrant'", "Service 'ec2.amazonaws.com'")]


def test_a_principal_tag_condition_does_not_name_the_roles_that_create_grants():
    statement = {**BACKUP_CREATE_GRANT, "Condition": {
        "StringEquals": {**EC2_CONDITION["StringEquals"], "aws:PrincipalTag/quome:organization": "acme"},
        **GRANT_FOR_AWS_RESOURCE}}
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("UseViaEc2CreateGrant", "kms:CreateGrant", "'kms:CreateGrant'", f"AWS '{ROOT}'")]


def test_a_generate_data_key_wildcard_through_ec2_counts():
    statement = {**BACKUP_USE, "Action": ["kms:GenerateDataKey*"], "Condition": EC2_CONDITION}
    assert run(POLICY, org_key(statement)).messages == [
        unnamed("UseViaEc2", "kms:GenerateDataKeyWithoutPlaintext", '["kms:GenerateDataKey*"]', f"AWS '{ROOT}'")]


def test_create_grant_already_reported_as_reaching_outsiders_is_not_reported_twice():
    statement = {**BACKUP_CREATE_GRANT, "Condition": EC2_CONDITION}
    assert run(POLICY, org_key(statement)).messages == [
        f"{ACME_KEY}: statement {ORG_EXTRA} ('UseViaEc2CreateGrant') allows kms:CreateGrant (through "
        f"'kms:CreateGrant') to AWS '{ROOT}'; {ACME_GRANTS_REQUIRED}"]
