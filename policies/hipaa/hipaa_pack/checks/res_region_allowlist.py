"""res-region-allowlist: everything the stack creates, and every copy of its data, stays in the
regions the stack's policy config allows.

Where a region comes from: each aws provider's `region` (the default for all of its resources), and
the per-resource `region` input pulumi-aws v7 adds to every regional resource (ReplicaKey included).
Copies: multi-Region KMS keys, DynamoDB global-table replicas, S3 replication destinations (whose
region is the destination bucket's, so the bucket must be one of this stack's) and AWS Backup copy
destinations (the region in the vault ARN). The organization-management stack also proves the
region-deny SCP exists (requireRegionScp).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import PolicyConfigSchema, PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    AWS_PROVIDER_TOKENS,
    BUCKET_TOKENS,
    as_bool,
    as_list,
    dig,
    joined,
    region_input,
    resources_of,
    shown,
    statements,
)

CONTROL = CATALOG["res-region-allowlist"]

KEY_TOKEN = "aws:kms/key:Key"
TABLE_TOKEN = "aws:dynamodb/table:Table"
REPLICATION_TOKEN = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
PLAN_TOKEN = "aws:backup/plan:Plan"
VAULT_TOKEN = "aws:backup/vault:Vault"
ORG_POLICY_TOKEN = "aws:organizations/policy:Policy"
SCP_TYPE = "SERVICE_CONTROL_POLICY"
REGION_KEY = "aws:requestedregion"
# Condition operators that make a Deny apply to requests for every region NOT listed.
NEGATED_OPERATORS = ("stringnotequals", "stringnotequalsignorecase", "stringnotlike")

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "allowedRegions": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]+$"},
        "uniqueItems": True,
        "default": [],
        "description": "Regions this stack may create resources and data copies in; empty fails every region, "
                       "so each stack must set it.",
    },
    "requireRegionScp": {
        "type": "boolean",
        "default": False,
        "description": "True for the organization-management stack, which must hold the region-deny SCP.",
    },
})


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    allowed = [region.lower() for region in config["allowedRegions"]]
    if allowed:
        required = f"required one of allowedRegions ({', '.join(allowed)})"
    else:
        required = ("required a region listed in allowedRegions, which is empty: set allowedRegions in this "
                    "policy's config to the stack's residency regions")

    def check(region: Any, what: str, urn: str) -> None:
        if str(region).strip().lower() not in allowed:
            report_violation(f"{what} is {shown(region)}; {required}", urn)

    for provider in resources_of(args, AWS_PROVIDER_TOKENS):
        region = provider.props.get("region")
        if not region:
            report_violation(f"aws provider '{provider.name}' sets no region, so its resources go wherever the "
                             f"environment points; {required}", provider.urn)
        else:
            check(region, f"aws provider '{provider.name}': region", provider.urn)

    for resource in args.resources:
        if resource.resource_type.startswith("aws:"):
            region = resource.props.get("region")
            if region:
                check(region, f"{_kind(resource)} '{resource.name}': region", resource.urn)

    for key in resources_of(args, KEY_TOKEN):
        multi = key.props.get("multiRegion")
        if as_bool(multi) is True:
            report_violation(f"KMS key '{key.name}': multiRegion is {shown(multi)}; required false, so no replica "
                             f"of the key can leave allowedRegions", key.urn)

    for table in resources_of(args, TABLE_TOKEN):
        for replica in as_list(table.props.get("replicas")):
            if isinstance(replica, Mapping):
                check(replica.get("regionName"), f"DynamoDB table '{table.name}': replica regionName", table.urn)

    _check_replication(args, check, required, report_violation)

    _check_backup_copies(args, check, required, report_violation)

    if as_bool(config["requireRegionScp"]) is True:
        _check_scp(args, allowed, report_violation)


def _kind(resource: PolicyResource) -> str:
    """'aws:kms/key:Key' -> 'Key', for messages about any resource type."""
    return resource.resource_type.rsplit(":", 1)[-1]


def _arn_region(arn: Any) -> Optional[str]:
    parts = str(arn).split(":") if arn else []
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def _resource_region(resource: PolicyResource) -> Optional[str]:
    """The region a resource is created in: its own region input, else its provider's."""
    region = region_input(resource)
    return str(region) if region else None


def _check_destination(resource: PolicyResource, where: str, check: Any, required: str,
                       report_violation: ReportViolation, urn: str) -> None:
    region = _resource_region(resource)
    if region is None:
        report_violation(f"{where} has no known region; {required}", urn)
    else:
        check(region, f"{where}: region", urn)


def _check_replication(args: StackArgs, check: Any, required: str, report_violation: ReportViolation) -> None:
    """Destination buckets of this stack are found through the rules' dependencies (their ARNs are
    unknown during preview); a destination named by a literal ARN lies outside the stack."""
    buckets = {b.urn: b for b in resources_of(args, BUCKET_TOKENS)}
    for config in resources_of(args, REPLICATION_TOKEN):
        targets = [buckets[urn] for urn in joined(config, "rules") if urn in buckets]
        for target in targets:
            _check_destination(target, f"replication '{config.name}': destination bucket '{target.name}'", check,
                               required, report_violation, config.urn)
        rules = [r for r in as_list(config.props.get("rules")) if isinstance(r, Mapping) and r.get("destination")]
        if len(rules) <= len(targets):
            continue  # every destination is one of the stack's buckets
        names = {str(t.props.get("bucket")) for t in targets}
        for rule in rules:
            destination = dig(rule, "destination.bucket")
            if str(destination).rsplit(":", 1)[-1] not in names:
                report_violation(f"replication '{config.name}': destination {shown(destination)} is not a bucket of "
                                 f"this stack, so its region cannot be checked; {required}", config.urn)


def _check_backup_copies(args: StackArgs, check: Any, required: str, report_violation: ReportViolation) -> None:
    """Copy-destination vaults of this stack are the vaults the plan's rules depend on other than their
    targetVaultName (destination ARNs are unknown during preview); literal ARNs carry their region."""
    vaults = {v.urn: v for v in resources_of(args, VAULT_TOKEN)}
    for plan in resources_of(args, PLAN_TOKEN):
        rules = [r for r in as_list(plan.props.get("rules")) if isinstance(r, Mapping)]
        targets = {str(r.get("targetVaultName")) for r in rules}
        copies = [vaults[urn] for urn in dict.fromkeys(joined(plan, "rules"))
                  if urn in vaults and str(vaults[urn].props.get("name")) not in targets]
        for vault in copies:
            _check_destination(vault, f"backup plan '{plan.name}': copy destination vault '{vault.name}'", check,
                               required, report_violation, plan.urn)
        actions = [a for r in rules for a in as_list(r.get("copyActions")) if isinstance(a, Mapping)]
        if len(actions) <= len(copies):
            continue  # every copy goes to one of the stack's vaults
        for action in actions:
            arn = action.get("destinationVaultArn")
            if any(arn == vault.props.get("arn") for vault in copies):
                continue
            region = _arn_region(arn)
            where = f"backup plan '{plan.name}': copy action to {shown(arn)}"
            if region is None:
                report_violation(f"{where} names no region; {required}", plan.urn)
            else:
                check(region, f"{where}: region", plan.urn)


def _check_scp(args: StackArgs, allowed: list[str], report_violation: ReportViolation) -> None:
    required = ("required a SERVICE_CONTROL_POLICY with a Deny statement (NotAction for global services) whose "
                f"condition StringNotEquals aws:RequestedRegion lists only allowedRegions ({', '.join(allowed)})")
    too_wide: list[str] = []
    for policy in resources_of(args, ORG_POLICY_TOKEN):
        if policy.props.get("type") != SCP_TYPE:
            continue
        for regions in _region_denies(policy.props.get("content")):
            extra = sorted(set(regions) - set(allowed))
            if not extra:
                return
            too_wide.append(f"SCP '{policy.name}' lets requests through in {', '.join(extra)}")
    found = f" ({'; '.join(too_wide)})" if too_wide else ""
    report_violation(f"requireRegionScp is true, but no SCP denies every region outside allowedRegions{found}; "
                     f"{required}", None)


def _region_denies(content: Any) -> list[list[str]]:
    """For each Deny statement that covers every action (Action "*", or NotAction listing the global
    services) and is conditioned on aws:RequestedRegion NOT matching a list: that list."""
    try:
        document = json.loads(content) if isinstance(content, str) else content
    except json.JSONDecodeError:
        return []
    if not isinstance(document, Mapping):
        return []
    found = []
    for statement in statements(document):
        if statement.get("Effect") != "Deny":
            continue
        if "NotAction" not in statement and "*" not in as_list(statement.get("Action")):
            continue  # denies only some services in other regions
        for operator, condition in (statement.get("Condition") or {}).items():
            if operator.lower().removeprefix("forallvalues:").removeprefix("foranyvalue:") not in NEGATED_OPERATORS:
                continue
            for key, values in (condition or {}).items():
                if key.lower() == REGION_KEY:
                    found.append([str(v).lower() for v in as_list(values)])
    return found


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
