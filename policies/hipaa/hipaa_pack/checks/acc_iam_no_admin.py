"""acc-iam-no-admin: no IAM policy allows every action on every resource, and AdministratorAccess is
attached only to the break-glass roles the policy config names.

`policy_documents` and `allow_statements` are shared with acc-iam-no-service-wildcard, which reads
the same documents.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import PolicyDocumentError, as_list, parse_policy_document, shown, statements

CONTROL = CATALOG["acc-iam-no-admin"]

ROLE_TOKEN = "aws:iam/role:Role"
ROLE_POLICY_ATTACHMENT_TOKEN = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT_TOKEN = "aws:iam/policyAttachment:PolicyAttachment"
# Resources whose `policy` input is one policy document, and what messages call them.
DOCUMENT_KINDS = {
    "aws:iam/policy:Policy": "IAM policy",
    "aws:iam/rolePolicy:RolePolicy": "role policy",
    "aws:iam/userPolicy:UserPolicy": "user policy",
    "aws:iam/groupPolicy:GroupPolicy": "group policy",
}

ADMIN_ACTIONS = ("*", "*:*")
# Every partition's AWS-managed AdministratorAccess (aws, aws-us-gov, aws-cn, ...).
ADMINISTRATOR_ACCESS_RE = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/AdministratorAccess$")

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "breakGlassRoles": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": [],
        "description": "IAM role names that may have arn:aws:iam::aws:policy/AdministratorAccess attached.",
    },
})


def policy_documents(args: ResourceValidationArgs) -> Iterator[tuple[str, Any]]:
    """(label, raw document) for every policy document the resource carries: the `policy` of
    Policy/RolePolicy/UserPolicy/GroupPolicy, and each of a Role's inlinePolicies."""
    kind = DOCUMENT_KINDS.get(args.resource_type)
    if kind is not None:
        yield f"{kind} '{args.name}'", args.props.get("policy")
    elif args.resource_type == ROLE_TOKEN:
        for index, inline in enumerate(as_list(args.props.get("inlinePolicies"))):
            # An entry without a policy is pulumi-aws's marker for "no inline policies at all".
            if isinstance(inline, Mapping) and inline.get("policy"):
                name = inline.get("name") or f"#{index + 1}"
                yield f"role '{args.name}': inline policy '{name}'", inline.get("policy")


def allow_statements(label: str, raw: Any,
                     report_violation: ReportViolation) -> Iterator[tuple[str, dict[str, Any]]]:
    """(statement label, statement) for each Allow statement; a document that is not JSON is reported."""
    try:
        document = parse_policy_document(raw)
    except PolicyDocumentError as e:
        report_violation(f"{label}: {e}; required a JSON policy document that can be checked", None)
        return
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") == "Allow":
            sid = statement.get("Sid")
            yield (f"statement '{sid}'" if sid else f"statement #{index + 1}"), statement


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    admin_statements = 0
    for label, raw in policy_documents(args):
        for which, statement in allow_statements(label, raw, report_violation):
            actions = [a for a in as_list(statement.get("Action")) if a in ADMIN_ACTIONS]
            if actions and "*" in as_list(statement.get("Resource")):
                admin_statements += 1
                report_violation(f"{label}: {which} allows Action {shown(actions[0])} on Resource '*'; "
                                 f"required specific actions and resources", None)

    break_glass = list(args.get_config()["breakGlassRoles"])
    if args.resource_type == ROLE_TOKEN:
        _check_role(args, break_glass, admin_statements == 0, report_violation)
    elif args.resource_type == ROLE_POLICY_ATTACHMENT_TOKEN:
        _check_role_policy_attachment(args, break_glass, report_violation)
    elif args.resource_type == POLICY_ATTACHMENT_TOKEN:
        _check_policy_attachment(args, break_glass, report_violation)


def _allowed_roles(break_glass: list[str]) -> str:
    listed = ", ".join(f"'{name}'" for name in break_glass) if break_glass else "none configured"
    return f"required AdministratorAccess only on roles listed in breakGlassRoles ({listed})"


def _check_role(args: ResourceValidationArgs, break_glass: list[str], otherwise_clean: bool,
                report_violation: ReportViolation) -> None:
    arns = [arn for arn in as_list(args.props.get("managedPolicyArns")) if ADMINISTRATOR_ACCESS_RE.match(str(arn))]
    if not arns:
        return
    role = args.props.get("name") or args.name
    if role in break_glass:
        # Its inline admin statements (already reported) are not covered by the break-glass listing.
        if otherwise_clean:
            args.not_applicable(f"role '{role}' is listed in breakGlassRoles, so it may hold AdministratorAccess")
        return
    report_violation(f"role '{role}': managedPolicyArns includes {arns[0]}; {_allowed_roles(break_glass)}", None)


def _check_role_policy_attachment(args: ResourceValidationArgs, break_glass: list[str],
                                  report_violation: ReportViolation) -> None:
    arn = args.props.get("policyArn")
    if not ADMINISTRATOR_ACCESS_RE.match(str(arn)):
        return
    role = args.props.get("role")
    if role in break_glass:
        args.not_applicable(f"role '{role}' is listed in breakGlassRoles, so it may hold AdministratorAccess")
    report_violation(f"role policy attachment '{args.name}' attaches {arn} to role {shown(role)}; "
                     f"{_allowed_roles(break_glass)}", None)


def _check_policy_attachment(args: ResourceValidationArgs, break_glass: list[str],
                             report_violation: ReportViolation) -> None:
    arn = args.props.get("policyArn")
    if not ADMINISTRATOR_ACCESS_RE.match(str(arn)):
        return
    targets = [(kind[:-1], target) for kind in ("users", "groups", "roles") for target in as_list(args.props.get(kind))]
    outside = [(kind, target) for kind, target in targets if not (kind == "role" and target in break_glass)]
    for kind, target in outside:
        report_violation(f"policy attachment '{args.name}' attaches {arn} to {kind} {shown(target)}; "
                         f"{_allowed_roles(break_glass)}", None)
    if targets and not outside:
        args.not_applicable("AdministratorAccess is attached only to roles listed in breakGlassRoles")


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
