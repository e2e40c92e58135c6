"""iam-no-broad-kms-decrypt: no Allow statement decrypts with every KMS key."""
import json

from hipaa_pack.checks.iam_no_broad_kms_decrypt import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

POLICY_TYPE = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/46eec4d3-bf56-833d-8edc-36d3349260ad"

SCOPED_DECRYPT = {"Sid": "ReadOrgSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": KEY_ARN,
                  "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def policy(*statements, resource_type=POLICY_TYPE):
    return resource_args(resource_type, {"policy": document(*statements)}, name="workload",
                         config=resolved_config(POLICY))


def statement(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_passes_when_decrypt_is_scoped_to_key_arns():
    outcome = run(POLICY, policy(SCOPED_DECRYPT, statement("kms:DescribeKey")))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_decrypt_on_every_key():
    assert run(POLICY, policy(SCOPED_DECRYPT, statement(["kms:Decrypt", "kms:DescribeKey"], Sid="Broad"))).messages == [
        "IAM policy 'workload': statement 1 ('Broad') allows kms:Decrypt on Resource '*'; required a Resource list "
        "of key ARNs"]


def test_fails_for_reencrypt_wildcards():
    assert run(POLICY, policy(statement("kms:ReEncrypt*"))).messages == [
        "IAM policy 'workload': statement 0 allows kms:ReEncryptFrom, kms:ReEncryptTo on Resource '*'; required a "
        "Resource list of key ARNs"]


def test_wildcard_actions_match_with_iam_rules_and_any_case():
    assert run(POLICY, policy(statement("KMS:De*"))).messages == [
        "IAM policy 'workload': statement 0 allows kms:Decrypt on Resource '*'; required a Resource list of key ARNs"]


def test_fails_for_every_action():
    assert run(POLICY, policy(statement("*"))).messages == [
        "IAM policy 'workload': statement 0 allows kms:Decrypt, kms:ReEncryptFrom, kms:ReEncryptTo on Resource '*'; "
        "required a Resource list of key ARNs"]


def test_fails_for_not_action_that_leaves_decrypt_in():
    not_action = {"Effect": "Allow", "NotAction": ["iam:*", "kms:ReEncrypt*"], "Resource": "*"}
    assert run(POLICY, policy(not_action)).messages == [
        "IAM policy 'workload': statement 0 allows kms:Decrypt on Resource '*'; required a Resource list of key ARNs"]


def test_fails_for_a_key_arn_pattern_that_covers_every_key():
    pattern = "arn:aws:kms:us-east-1:111122223333:key/*"
    assert run(POLICY, policy(statement("kms:Decrypt", [KEY_ARN, pattern]))).messages == [
        f"IAM policy 'workload': statement 0 allows kms:Decrypt on Resource '{pattern}'; required a Resource list "
        f"of key ARNs"]


def test_fails_for_not_resource():
    assert run(POLICY, policy({"Effect": "Allow", "Action": "kms:Decrypt", "NotResource": KEY_ARN})).messages == [
        f"IAM policy 'workload': statement 0 allows kms:Decrypt on every resource except '{KEY_ARN}'; required a "
        f"Resource list of key ARNs"]


def test_deny_statements_and_non_decrypt_actions_pass():
    outcome = run(POLICY, policy({"Effect": "Deny", "Action": "kms:*", "Resource": "*"},
                                 statement(["kms:DescribeKey", "kms:GenerateDataKey", "kms:ListAliases"])))
    assert outcome.violations == []


def test_role_inline_policies_are_checked():
    args = resource_args(ROLE, {"assumeRolePolicy": document({"Effect": "Allow", "Action": "sts:AssumeRole",
                                                              "Principal": {"Service": "ec2.amazonaws.com"}}),
                                "inlinePolicies": [{"name": "ok", "policy": document(SCOPED_DECRYPT)},
                                                   {"name": "kms", "policy": document(statement("kms:*"))}]},
                         name="node-role", config=resolved_config(POLICY))
    assert run(POLICY, args).messages == [
        "role 'node-role' inlinePolicies[1] ('kms'): statement 0 allows kms:Decrypt, kms:ReEncryptFrom, "
        "kms:ReEncryptTo on Resource '*'; required a Resource list of key ARNs"]


def test_a_role_without_inline_policies_passes():
    args = resource_args(ROLE, {"assumeRolePolicy": document()}, name="node-role", config=resolved_config(POLICY))
    assert run(POLICY, args).violations == []


def test_role_user_and_group_policies_are_checked():
    for resource_type, kind in ((ROLE_POLICY, "role policy"), (USER_POLICY, "user policy"),
                                (GROUP_POLICY, "group policy")):
        assert run(POLICY, policy(statement("kms:Decrypt"), resource_type=resource_type)).messages == [
            f"{kind} 'workload': statement 0 allows kms:Decrypt on Resource '*'; required a Resource list of key ARNs"]


def test_fails_for_a_policy_that_is_not_json():
    args = resource_args(POLICY_TYPE, {"policy": "[]"}, name="workload", config=resolved_config(POLICY))
    assert run(POLICY, args).messages == [
        "IAM policy 'workload': policy is a JSON list, not an object; required a JSON policy document"]
