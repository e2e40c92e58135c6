"""acc-iam-managed-policies-only (advisory): inline policies and user attachments are reported."""
import json

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.acc_iam_managed_policies_only import POLICY
from tests.policies.fakes import resource_args, run

DOCUMENT = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
REQUIRED = "required an aws.iam.Policy attached to a role with RolePolicyAttachment"


def test_passes_for_a_role_without_inline_policies():
    role = resource_args("aws:iam/role:Role", {"name": "quome-dev-node", "assumeRolePolicy": DOCUMENT}, name="node")
    outcome = run(POLICY, role)
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_the_empty_inline_policy_marker():
    role = resource_args("aws:iam/role:Role", {"inlinePolicies": [{}]}, name="node")
    assert run(POLICY, role).violations == []


def test_fails_for_role_inline_policies():
    role = resource_args("aws:iam/role:Role", {"inlinePolicies": [{"name": "read", "policy": DOCUMENT},
                                                                  {"policy": DOCUMENT}]}, name="node")
    assert run(POLICY, role).messages == [f"role 'node': inlinePolicies holds 'read', '#2'; {REQUIRED}"]


def test_fails_for_inline_policy_resources():
    cases = [("aws:iam/rolePolicy:RolePolicy", "role", "role policy"),
             ("aws:iam/userPolicy:UserPolicy", "user", "user policy"),
             ("aws:iam/groupPolicy:GroupPolicy", "group", "group policy")]
    for token, principal, kind in cases:
        args = resource_args(token, {principal: "ops", "policy": DOCUMENT}, name="read")
        assert run(POLICY, args).messages == [f"{kind} 'read' is an inline policy; {REQUIRED}"]


def test_fails_for_a_policy_attached_to_a_user():
    args = resource_args("aws:iam/userPolicyAttachment:UserPolicyAttachment",
                         {"user": "alice", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, name="alice-ro")
    assert run(POLICY, args).messages == [
        "user policy attachment 'alice-ro' attaches a policy directly to an IAM user; required access through roles "
        "or IAM Identity Center"]


def test_a_role_that_is_unknown_during_preview_does_not_defer_the_finding():
    args = resource_args("aws:iam/rolePolicy:RolePolicy", {"role": UNKNOWN_STRING_VALUE, "policy": DOCUMENT},
                         name="read")
    outcome = run(POLICY, args)
    assert outcome.unknown is None
    assert outcome.messages == [f"role policy 'read' is an inline policy; {REQUIRED}"]


def test_the_policy_is_advisory():
    assert POLICY.enforcement_level.value == "advisory"
