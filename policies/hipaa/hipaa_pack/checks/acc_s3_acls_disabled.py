"""acc-s3-acls-disabled: every bucket enforces bucket-owner ownership (ACLs off), and no ACL grants access.

Ownership and ACLs are separate resources in pulumi-aws v7, joined to their bucket through `bucket`.
"""
from __future__ import annotations

from pulumi_policy import ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    BUCKET_ACL_TOKENS,
    BUCKET_OWNERSHIP_TOKENS,
    BUCKET_TOKENS,
    by_joined_urn,
    dig,
    joined,
    resources_of,
    shown,
    sole_companion,
)

CONTROL = CATALOG["acc-s3-acls-disabled"]

BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
PRIVATE_ACL = "private"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    ownership_by_bucket = by_joined_urn(resources_of(args, BUCKET_OWNERSHIP_TOKENS), "bucket")
    for bucket in resources_of(args, BUCKET_TOKENS):
        controls = sole_companion(bucket, ownership_by_bucket.get(bucket.urn, []), f"bucket '{bucket.name}'",
                                  "BucketOwnershipControls",
                                  "required one with rule.objectOwnership BucketOwnerEnforced", report_violation)
        if controls is None:
            continue
        ownership = dig(controls.props, "rule.objectOwnership")
        if ownership != BUCKET_OWNER_ENFORCED:
            report_violation(f"bucket '{bucket.name}': BucketOwnershipControls '{controls.name}' "
                             f"rule.objectOwnership is {shown(ownership)}; required 'BucketOwnerEnforced'",
                             bucket.urn)

    names = {resource.urn: resource.name for resource in args.resources}
    for acl in resources_of(args, BUCKET_ACL_TOKENS):
        value = acl.props.get("acl")
        if value == PRIVATE_ACL:
            continue
        buckets = [f"'{names[urn]}'" for urn in joined(acl, "bucket") if urn in names]
        of_bucket = f" of bucket {', '.join(buckets)}" if buckets else ""
        grants = (" (grants set through accessControlPolicy)"
                  if value is None and acl.props.get("accessControlPolicy") is not None else "")
        report_violation(f"BucketAcl '{acl.name}'{of_bucket}: acl is {shown(value)}{grants}; required 'private'",
                         acl.urn)


POLICY = stack_policy(CONTROL, validate)
