"""k8s-netpol-enforcement: something enforces NetworkPolicies (by default the VPC CNI's agent).

Kubernetes stores NetworkPolicies whether or not any component enforces them, so a default-deny
policy without an enforcer is a silent no-op.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

from pulumi_policy import PolicyConfigSchema, PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import resources_of, shown

CONTROL = CATALOG["k8s-netpol-enforcement"]

ADDON_TOKEN = "aws:eks/addon:Addon"
VPC_CNI = "vpc-cni"
# CNIs that enforce NetworkPolicies themselves (on EKS usually in policy-only or chaining mode).
OTHER_ENFORCERS = ("antrea", "calico", "cilium")

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "enforcingCni": {
        "type": "string",
        "enum": ["", *OTHER_ENFORCERS],
        "default": "",
        "description": ("The CNI that enforces NetworkPolicies when it is not the VPC CNI's network-policy "
                        "agent; empty (the default) requires the vpc-cni add-on with enableNetworkPolicy."),
    },
})


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    enforcer = args.get_config()["enforcingCni"]
    if enforcer:
        args.not_applicable(f"NetworkPolicies are enforced by {enforcer} (policy config enforcingCni)")

    vpc_cni = []
    for addon in resources_of(args, ADDON_TOKEN):
        name = addon.props.get("addonName")
        if name == VPC_CNI:
            vpc_cni.append(addon)
        else:
            args.not_applicable_to(addon, f"add-on {shown(name)} is not the VPC CNI")

    if not vpc_cni:
        report_violation(f"the stack has no {VPC_CNI} Addon; required one with configurationValues "
                         f"enableNetworkPolicy \"true\" (or enforcingCni naming another enforcing CNI)", None)
    for addon in vpc_cni:
        _check_addon(addon, report_violation)


def _check_addon(addon: PolicyResource, report_violation: ReportViolation) -> None:
    raw = addon.props.get("configurationValues")
    required = 'required configurationValues with enableNetworkPolicy "true"'
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        report_violation(f"Addon '{addon.name}' ({VPC_CNI}): configurationValues is unset; {required}", addon.urn)
        return
    try:
        values = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as e:
        report_violation(f"Addon '{addon.name}' ({VPC_CNI}): configurationValues is not valid JSON "
                         f"({e.msg} at line {e.lineno} column {e.colno}); {required}", addon.urn)
        return
    if not isinstance(values, Mapping):
        report_violation(f"Addon '{addon.name}' ({VPC_CNI}): configurationValues is {shown(raw)}, not a JSON "
                         f"object; {required}", addon.urn)
        return
    # The add-on's configuration schema types the setting as a string ("true" / "false").
    enabled = values.get("enableNetworkPolicy")
    if enabled != "true":
        found = f"{shown(enabled)} (a JSON boolean)" if isinstance(enabled, bool) else shown(enabled)
        report_violation(f"Addon '{addon.name}' ({VPC_CNI}): enableNetworkPolicy is {found}; "
                         f"required the string \"true\"", addon.urn)


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
