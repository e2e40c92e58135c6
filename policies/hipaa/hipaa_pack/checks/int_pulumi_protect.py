"""int-pulumi-protect: stateful resources carry Pulumi's protect option, and buckets and vaults are not
force-destroyable (forceDestroy would empty them on delete, protection or not)."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import BUCKET_TOKENS, as_bool, shown

CONTROL = CATALOG["int-pulumi-protect"]

KIND = {
    "aws:kms/key:Key": "KMS key",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:efs/fileSystem:FileSystem": "EFS file system",
    "aws:dynamodb/table:Table": "DynamoDB table",
    "aws:rds/instance:Instance": "RDS instance",
    "aws:eks/cluster:Cluster": "EKS cluster",
    "aws:secretsmanager/secret:Secret": "secret",
    "aws:backup/vault:Vault": "backup vault",
}
FORCE_DESTROY_TOKENS = BUCKET_TOKENS | {"aws:backup/vault:Vault"}


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    what = f"{KIND.get(args.resource_type, args.resource_type)} '{args.name}'"
    if args.opts.protect is not True:
        report_violation(f"{what}: resource option protect is {shown(args.opts.protect)}; required true", None)
    if args.resource_type in FORCE_DESTROY_TOKENS:
        force_destroy = args.props.get("forceDestroy")
        if as_bool(force_destroy) is True:
            report_violation(f"{what}: forceDestroy is {shown(force_destroy)}; required false or unset", None)


POLICY = resource_policy(CONTROL, validate)
