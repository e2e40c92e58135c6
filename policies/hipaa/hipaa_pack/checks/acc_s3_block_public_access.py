"""acc-s3-block-public-access: every bucket, and the account, blocks public ACLs and public policies.

The bucket-level block is a separate resource joined through its `bucket` input. The account-level
block exists once per account, so only the stack that owns the account baseline declares it.
"""
from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import (
    BUCKET_PUBLIC_ACCESS_BLOCK_TOKENS,
    BUCKET_TOKENS,
    as_bool,
    by_joined_urn,
    owns_account_baseline,
    owns_account_baseline_schema,
    resources_of,
    shown,
    sole_companion,
)

CONTROL = CATALOG["acc-s3-block-public-access"]

ACCOUNT_BLOCK_TOKEN = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
# Every flag defaults to false in the S3 API, so unset fails like false.
FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
ALL_FLAGS = "blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true"

CONFIG_SCHEMA = owns_account_baseline_schema("This stack owns the account-wide settings of its account and region, "
                                             "so it must declare the AccountPublicAccessBlock.")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    blocks_by_bucket = by_joined_urn(resources_of(args, BUCKET_PUBLIC_ACCESS_BLOCK_TOKENS), "bucket")
    for bucket in resources_of(args, BUCKET_TOKENS):
        block = sole_companion(bucket, blocks_by_bucket.get(bucket.urn, []), f"bucket '{bucket.name}'",
                               "BucketPublicAccessBlock", f"required one with {ALL_FLAGS}", report_violation)
        if block is not None:
            _check_flags(f"bucket '{bucket.name}': BucketPublicAccessBlock '{block.name}'", block, bucket.urn,
                         report_violation)

    account_blocks = resources_of(args, ACCOUNT_BLOCK_TOKEN)
    if not owns_account_baseline(args):
        for block in account_blocks:
            args.not_applicable_to(block, "ownsAccountBaseline is false: the stack owning the account "
                                          "baseline is held to the account-level block")
        return
    if not account_blocks:
        report_violation(f"the stack has no AccountPublicAccessBlock; required one with {ALL_FLAGS} "
                         f"(ownsAccountBaseline is true)", None)
    for block in account_blocks:
        _check_flags(f"AccountPublicAccessBlock '{block.name}'", block, block.urn, report_violation)


def _check_flags(where: str, block: PolicyResource, urn: str, report_violation: ReportViolation) -> None:
    for flag in FLAGS:
        value = block.props.get(flag)
        if as_bool(value) is not True:
            report_violation(f"{where} {flag} is {shown(value)}; required true", urn)


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
