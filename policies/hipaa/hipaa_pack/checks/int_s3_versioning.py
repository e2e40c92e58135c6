"""int-s3-versioning: every bucket keeps object versions.

Versioning is a separate resource (BucketVersioning) in pulumi-aws v7, joined to its bucket through the
`bucket` input.
"""
from __future__ import annotations

from pulumi_policy import ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import BUCKET_TOKENS, BUCKET_VERSIONING_TOKENS, by_joined_urn, dig, resources_of, shown

CONTROL = CATALOG["int-s3-versioning"]

ENABLED = "Enabled"


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    versioning_by_bucket = by_joined_urn(resources_of(args, BUCKET_VERSIONING_TOKENS), "bucket")
    for bucket in resources_of(args, BUCKET_TOKENS):
        configs = versioning_by_bucket.get(bucket.urn, [])
        if not configs:
            report_violation(f"bucket '{bucket.name}' has no BucketVersioning; required one with "
                             f"versioningConfiguration.status Enabled", bucket.urn)
            continue
        if len(configs) > 1:
            # Two versioning resources overwrite each other on every update; one owner per bucket.
            names = ", ".join(f"'{c.name}'" for c in configs)
            report_violation(f"bucket '{bucket.name}' has {len(configs)} BucketVersioning resources ({names}); "
                             f"required exactly one", bucket.urn)
            continue
        status = dig(configs[0].props, "versioningConfiguration.status")
        if status != ENABLED:
            report_violation(f"bucket '{bucket.name}': BucketVersioning '{configs[0].name}' "
                             f"versioningConfiguration.status is {shown(status)}; required 'Enabled'", bucket.urn)


POLICY = stack_policy(CONTROL, validate)
