"""acc-iam-no-admin: admin statements in every kind of policy document, and AdministratorAccess attachments."""
import json

from hipaa_pack.checks.acc_iam_no_admin import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
SCOPED = {"Sid": "ReadArtifacts", "Effect": "Allow", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::quome-artifacts/gvisor/*"}
ADMIN = {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def args(token, props, name="res", config=None):
    return resource_args(token, props, name=name, config=resolved_config(POLICY, config))


def policy(*statements, token="aws:iam/policy:Policy"):
    return args(token, {"policy": document(*statements)}, name="node-artifacts")


def test_passes_for_a_scoped_policy():
    outcome = run(POLICY, policy(SCOPED))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_action_star_on_resource_star():
    assert run(POLICY, policy(SCOPED, ADMIN)).messages == [
        "IAM policy 'node-artifacts': statement 'Everything' allows Action '*' on Resource '*'; "
        "required specific actions and resources"]


def test_fails_for_star_colon_star_in_an_action_list_without_a_sid():
    statement = {"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}
    assert run(POLICY, policy(SCOPED, statement)).messages == [
        "IAM policy 'node-artifacts': statement #2 allows Action '*:*' on Resource '*'; "
        "required specific actions and resources"]


def test_action_star_on_a_named_resource_or_denied_is_not_admin():
    on_one_bucket = {**ADMIN, "Resource": "arn:aws:s3:::quome-artifacts"}
    deny_all = {**ADMIN, "Effect": "Deny"}
    assert run(POLICY, policy(on_one_bucket, deny_all)).violations == []


def test_policy_documents_arrive_as_objects_too():
    outcome = run(POLICY, args("aws:iam/policy:Policy", {"policy": {"Statement": ADMIN}}, name="p"))
    assert outcome.messages == ["IAM policy 'p': statement 'Everything' allows Action '*' on Resource '*'; "
                                "required specific actions and resources"]


def test_inline_policy_resources_of_every_kind_are_read():
    for token, kind in (("aws:iam/rolePolicy:RolePolicy", "role policy"),
                        ("aws:iam/userPolicy:UserPolicy", "user policy"),
                        ("aws:iam/groupPolicy:GroupPolicy", "group policy")):
        assert run(POLICY, policy(ADMIN, token=token)).messages == [
            f"{kind} 'node-artifacts': statement 'Everything' allows Action '*' on Resource '*'; "
            f"required specific actions and resources"]


def test_fails_for_a_role_inline_policy():
    role = args("aws:iam/role:Role", {"name": "quome-dev-node", "inlinePolicies": [
        {"name": "scoped", "policy": document(SCOPED)}, {"name": "admin", "policy": document(ADMIN)}]},
        name="node-role")
    assert run(POLICY, role).messages == [
        "role 'node-role': inline policy 'admin': statement 'Everything' allows Action '*' on Resource '*'; "
        "required specific actions and resources"]


def test_the_empty_inline_policy_marker_is_ignored():
    role = args("aws:iam/role:Role", {"name": "quome-dev-node", "inlinePolicies": [{}]}, name="node-role")
    assert run(POLICY, role).violations == []


def test_a_policy_that_is_not_json_is_reported():
    assert run(POLICY, args("aws:iam/policy:Policy", {"policy": "{not json"}, name="p")).messages == [
        "IAM policy 'p': policy is not valid JSON (Expecting property name enclosed in double quotes at line 1 "
        "column 2); required a JSON policy document that can be checked"]


def test_fails_when_a_role_lists_administrator_access():
    role = args("aws:iam/role:Role", {"name": "quome-ops", "managedPolicyArns": [ADMIN_ARN]}, name="ops")
    assert run(POLICY, role).messages == [
        "role 'quome-ops': managedPolicyArns includes arn:aws:iam::aws:policy/AdministratorAccess; "
        "required AdministratorAccess only on roles listed in breakGlassRoles (none configured)"]


def test_a_break_glass_role_may_list_administrator_access():
    role = args("aws:iam/role:Role", {"name": "quome-break-glass", "managedPolicyArns": [ADMIN_ARN]},
                name="break-glass", config={"breakGlassRoles": ["quome-break-glass"]})
    outcome = run(POLICY, role)
    assert outcome.violations == []
    assert outcome.not_applicable == ("role 'quome-break-glass' is listed in breakGlassRoles, "
                                      "so it may hold AdministratorAccess")


def test_a_break_glass_role_still_fails_for_inline_admin_statements():
    role = args("aws:iam/role:Role", {"name": "quome-break-glass", "managedPolicyArns": [ADMIN_ARN],
                                      "inlinePolicies": [{"name": "all", "policy": document(ADMIN)}]},
                name="break-glass", config={"breakGlassRoles": ["quome-break-glass"]})
    outcome = run(POLICY, role)
    assert outcome.messages == ["role 'break-glass': inline policy 'all': statement 'Everything' allows Action '*' "
                                "on Resource '*'; required specific actions and resources"]
    assert outcome.not_applicable is None


def test_fails_when_a_role_policy_attachment_attaches_administrator_access():
    attachment = args("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                      {"policyArn": ADMIN_ARN, "role": "quome-deployer"}, name="deployer-admin",
                      config={"breakGlassRoles": ["quome-break-glass"]})
    assert run(POLICY, attachment).messages == [
        "role policy attachment 'deployer-admin' attaches arn:aws:iam::aws:policy/AdministratorAccess to role "
        "'quome-deployer'; required AdministratorAccess only on roles listed in breakGlassRoles ('quome-break-glass')"]


def test_other_partitions_administrator_access_is_recognised():
    attachment = args("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                      {"policyArn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess", "role": "ops"}, name="a")
    assert len(run(POLICY, attachment).violations) == 1


def test_a_narrow_managed_policy_attachment_passes():
    attachment = args("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                      {"policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "role": "quome-dev-node"})
    outcome = run(POLICY, attachment)
    assert outcome.violations == [] and outcome.not_applicable is None


def test_a_role_policy_attachment_to_a_break_glass_role_is_not_applicable():
    attachment = args("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                      {"policyArn": ADMIN_ARN, "role": "quome-break-glass"},
                      config={"breakGlassRoles": ["quome-break-glass"]})
    assert run(POLICY, attachment).not_applicable == (
        "role 'quome-break-glass' is listed in breakGlassRoles, so it may hold AdministratorAccess")


def test_a_policy_attachment_fails_for_users_groups_and_other_roles():
    attachment = args("aws:iam/policyAttachment:PolicyAttachment",
                      {"policyArn": ADMIN_ARN, "users": ["alice"], "groups": ["ops"],
                       "roles": ["quome-break-glass", "quome-deployer"]},
                      name="admins", config={"breakGlassRoles": ["quome-break-glass"]})
    required = "required AdministratorAccess only on roles listed in breakGlassRoles ('quome-break-glass')"
    assert run(POLICY, attachment).messages == [
        f"policy attachment 'admins' attaches {ADMIN_ARN} to user 'alice'; {required}",
        f"policy attachment 'admins' attaches {ADMIN_ARN} to group 'ops'; {required}",
        f"policy attachment 'admins' attaches {ADMIN_ARN} to role 'quome-deployer'; {required}"]


def test_a_policy_attachment_only_to_break_glass_roles_is_not_applicable():
    attachment = args("aws:iam/policyAttachment:PolicyAttachment",
                      {"policyArn": ADMIN_ARN, "roles": ["quome-break-glass"]},
                      config={"breakGlassRoles": ["quome-break-glass"]})
    outcome = run(POLICY, attachment)
    assert outcome.violations == []
    assert outcome.not_applicable == "AdministratorAccess is attached only to roles listed in breakGlassRoles"
