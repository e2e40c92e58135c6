"""acc-eks-access-entries: cluster access goes through EKS access entries only, the creator gets no
implicit admin, cluster-wide admin policies go only to break-glass principals and every other access
policy is scoped to namespaces."""
from __future__ import annotations

import re

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_list, dig, shown

CONTROL = CATALOG["acc-eks-access-entries"]

CLUSTER_TOKEN = "aws:eks/cluster:Cluster"
ACCESS_ENTRY_TOKEN = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION_TOKEN = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
ADMIN_POLICY_RE = re.compile(
    r"^arn:aws[a-z-]*:eks::aws:cluster-access-policy/(AmazonEKSClusterAdminPolicy|AmazonEKSAdminPolicy)$")

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "breakGlassPrincipalArns": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": [],
        "description": "IAM principal ARNs that may hold AmazonEKSClusterAdminPolicy or AmazonEKSAdminPolicy "
                       "cluster-wide.",
    },
})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == CLUSTER_TOKEN:
        _check_cluster(args, report_violation)
    elif args.resource_type == ASSOCIATION_TOKEN:
        _check_association(args, report_violation)
    elif args.resource_type == ACCESS_ENTRY_TOKEN:
        args.not_applicable(f"access entry '{args.name}' grants nothing by itself; its access policy associations "
                            f"and Kubernetes RBAC bindings decide what it may do")


def _check_cluster(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    cluster = f"EKS cluster '{args.props.get('name') or args.name}'"
    mode = dig(args.props, "accessConfig.authenticationMode")
    if mode != "API":
        found = "unset (AWS default CONFIG_MAP)" if mode is None else shown(mode)
        report_violation(f"{cluster}: accessConfig.authenticationMode is {found}; required 'API', so the "
                         f"aws-auth ConfigMap grants nothing", None)
    bootstrap = dig(args.props, "accessConfig.bootstrapClusterCreatorAdminPermissions")
    if as_bool(bootstrap) is not False:
        found = "unset (AWS default true)" if bootstrap is None else shown(bootstrap)
        report_violation(f"{cluster}: accessConfig.bootstrapClusterCreatorAdminPermissions is {found}; required "
                         f"false, so the creator holds no implicit cluster-admin", None)


def _check_association(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    # principalArn is usually a role's ARN, unknown during preview: read it only where it decides.
    props = args.props
    policy = str(props.get("policyArn"))
    scope = dig(props, "accessScope.type")
    where = f"access policy association '{args.name}' ({policy.rsplit('/', 1)[-1]})"

    if scope == "cluster" and ADMIN_POLICY_RE.match(policy):
        principal = props.get("principalArn")
        break_glass = list(args.get_config()["breakGlassPrincipalArns"])
        if principal in break_glass:
            args.not_applicable(f"cluster-wide {policy.rsplit('/', 1)[-1]} for {principal}, which is listed in "
                                f"breakGlassPrincipalArns")
        listed = ", ".join(break_glass) if break_glass else "none configured"
        report_violation(f"{where}: cluster-scoped admin access for {shown(principal)}, which is not listed in "
                         f"breakGlassPrincipalArns ({listed}); required accessScope.type namespace", None)
        return
    if scope != "namespace":
        report_violation(f"{where}: accessScope.type is {shown(scope)}; required 'namespace'", None)
    elif not [n for n in as_list(dig(props, "accessScope.namespaces")) if n]:
        report_violation(f"{where}: accessScope.namespaces is empty; required the organization's namespaces", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
