"""acc-iam-managed-policies-only (advisory): permissions live in managed policies attached to roles,
never inline and never on IAM users."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list

CONTROL = CATALOG["acc-iam-managed-policies-only"]

ROLE_TOKEN = "aws:iam/role:Role"
USER_POLICY_ATTACHMENT_TOKEN = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
# Inline-policy resources and what messages call them. Messages name the resource only: the role,
# user or group input is often another resource's output, unknown during preview, and the finding
# does not depend on it.
INLINE_POLICY_TOKENS = {
    "aws:iam/rolePolicy:RolePolicy": "role policy",
    "aws:iam/userPolicy:UserPolicy": "user policy",
    "aws:iam/groupPolicy:GroupPolicy": "group policy",
}
REQUIRED = "required an aws.iam.Policy attached to a role with RolePolicyAttachment"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    if args.resource_type in INLINE_POLICY_TOKENS:
        report_violation(f"{INLINE_POLICY_TOKENS[args.resource_type]} '{args.name}' is an inline policy; {REQUIRED}",
                         None)
    elif args.resource_type == USER_POLICY_ATTACHMENT_TOKEN:
        report_violation(f"user policy attachment '{args.name}' attaches a policy directly to an IAM user; required "
                         f"access through roles or IAM Identity Center", None)
    elif args.resource_type == ROLE_TOKEN:
        # An entry without a policy is pulumi-aws's marker for "no inline policies at all".
        names = [str(p.get("name") or f"#{i + 1}") for i, p in enumerate(as_list(props.get("inlinePolicies")))
                 if isinstance(p, Mapping) and p.get("policy")]
        if names:
            listed = ", ".join(f"'{name}'" for name in names)
            report_violation(f"role '{args.name}': inlinePolicies holds {listed}; {REQUIRED}", None)


POLICY = resource_policy(CONTROL, validate)
