"""int-s3-versioning: every bucket keeps object versions.

Versioning is a separate resource (BucketVersioning) in pulumi-aws v7, joined to its bucket through the
`bucket` input.
"""
from __future__ import annotations

from pulumi_policy import ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import BUCKET_TOKENS, BUCKET_VERSIONING_TOKENS, by_joined_urn, dig, resources_of, shown, sole_companion

CONTROL = CATALOG["int-s3-versioning"]

ENABLED = "Enabled"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    versioning_by_bucket = by_joined_urn(resources_of(args, BUCKET_VERSIONING_TOKENS), "bucket")
    for bucket in resources_of(args, BUCKET_TOKENS):
        config = sole_companion(bucket, versioning_by_bucket.get(bucket.urn, []), f"bucket '{bucket.name}'",
                                "BucketVersioning", "required one with versioningConfiguration.status Enabled",
                                report_violation)
        if config is None:
            continue
        status = dig(config.props, "versioningConfiguration.status")
        if status != ENABLED:
            report_violation(f"bucket '{bucket.name}': BucketVersioning '{config.name}' "
                             f"versioningConfiguration.status is {shown(status)}; required 'Enabled'", bucket.urn)


POLICY = stack_policy(CONTROL, validate)
