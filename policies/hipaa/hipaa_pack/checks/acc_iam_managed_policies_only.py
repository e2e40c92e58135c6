"""acc-iam-managed-policies-only (advisory): permissions live in managed policies attached to roles,
never inline and never on IAM users."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, shown

CONTROL = CATALOG["acc-iam-managed-policies-only"]

ROLE_TOKEN = "aws:iam/role:Role"
USER_POLICY_ATTACHMENT_TOKEN = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
# Inline-policy resources: what messages call them and the input naming their principal.
INLINE_POLICY_TOKENS = {
    "aws:iam/rolePolicy:RolePolicy": ("role policy", "role"),
    "aws:iam/userPolicy:UserPolicy": ("user policy", "user"),
    "aws:iam/groupPolicy:GroupPolicy": ("group policy", "group"),
}
REQUIRED = "required an aws.iam.Policy attached to a role with RolePolicyAttachment"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    if args.resource_type in INLINE_POLICY_TOKENS:
        kind, principal = INLINE_POLICY_TOKENS[args.resource_type]
        report_violation(f"{kind} '{args.name}' is an inline policy of {principal} {shown(props.get(principal))}; "
                         f"{REQUIRED}", None)
    elif args.resource_type == USER_POLICY_ATTACHMENT_TOKEN:
        report_violation(f"user policy attachment '{args.name}' attaches {shown(props.get('policyArn'))} directly "
                         f"to IAM user {shown(props.get('user'))}; required access through roles or IAM Identity "
                         f"Center", None)
    elif args.resource_type == ROLE_TOKEN:
        # An entry without a policy is pulumi-aws's marker for "no inline policies at all".
        names = [str(p.get("name") or f"#{i + 1}") for i, p in enumerate(as_list(props.get("inlinePolicies")))
                 if isinstance(p, Mapping) and p.get("policy")]
        if names:
            listed = ", ".join(f"'{name}'" for name in names)
            report_violation(f"role '{args.name}': inlinePolicies holds {listed}; {REQUIRED}", None)


POLICY = resource_policy(CONTROL, validate)
