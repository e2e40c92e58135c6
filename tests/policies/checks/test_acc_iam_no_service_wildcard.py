"""acc-iam-no-service-wildcard: whole-service wildcards and Allow + NotAction, in policies and role inline policies."""
import json

from hipaa_pack.checks.acc_iam_no_service_wildcard import POLICY
from tests.policies.fakes import resource_args, run

KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/5370a966-9811-e81a-2eb0-d5f59b00253b"
SCOPED = {"Sid": "UseStorageKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
          "Resource": KEY_ARN}
REQUIRED = "required the specific actions the role needs instead of a service wildcard"


def policy(*statements, token="aws:iam/policy:Policy"):
    return resource_args(token, {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})},
                         name="ebs-csi-kms")


def test_passes_for_listed_actions_and_prefix_wildcards():
    outcome = run(POLICY, policy(SCOPED))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_a_service_wildcard():
    statement = {"Sid": "AllKms", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:*"], "Resource": KEY_ARN}
    assert run(POLICY, policy(SCOPED, statement)).messages == [
        f"IAM policy 'ebs-csi-kms': statement 'AllKms' allows 'kms:*'; {REQUIRED}"]


def test_fails_for_a_wildcard_written_in_another_case():
    statement = {"Effect": "Allow", "Action": "SecretsManager:*", "Resource": "*"}
    assert run(POLICY, policy(statement)).messages == [
        f"IAM policy 'ebs-csi-kms': statement #1 allows 'SecretsManager:*'; {REQUIRED}"]


def test_fails_for_the_everything_wildcard_too():
    statement = {"Sid": "All", "Effect": "Allow", "Action": ["*"], "Resource": KEY_ARN}
    assert run(POLICY, policy(statement)).messages == [
        f"IAM policy 'ebs-csi-kms': statement 'All' allows '*'; {REQUIRED}"]


def test_fails_for_allow_with_not_action():
    statement = {"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    assert run(POLICY, policy(statement)).messages == [
        "IAM policy 'ebs-csi-kms': statement 'AllButIam' combines Allow with NotAction, which allows every action "
        "not listed; required Allow with an Action list"]


def test_deny_statements_may_use_wildcards_and_not_action():
    deny = {"Sid": "NoKms", "Effect": "Deny", "Action": "kms:*", "Resource": "*"}
    deny_not = {"Sid": "OnlyS3", "Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}
    assert run(POLICY, policy(SCOPED, deny, deny_not)).violations == []


def test_role_policies_and_role_inline_policies_are_checked():
    statement = {"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*"}
    assert run(POLICY, policy(statement, token="aws:iam/rolePolicy:RolePolicy")).messages == [
        f"role policy 'ebs-csi-kms': statement 'Logs' allows 'logs:*'; {REQUIRED}"]
    role = resource_args("aws:iam/role:Role", {"inlinePolicies": [
        {"name": "logs", "policy": json.dumps({"Statement": [statement]})}]}, name="flow-logs")
    assert run(POLICY, role).messages == [
        f"role 'flow-logs': inline policy 'logs': statement 'Logs' allows 'logs:*'; {REQUIRED}"]


def test_a_role_without_inline_policies_passes():
    outcome = run(POLICY, resource_args("aws:iam/role:Role", {"name": "quome-dev-node"}, name="node"))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_user_policies_belong_to_other_controls():
    statement = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    assert run(POLICY, policy(statement, token="aws:iam/userPolicy:UserPolicy")).violations == []
