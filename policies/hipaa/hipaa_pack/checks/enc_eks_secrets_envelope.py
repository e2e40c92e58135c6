"""enc-eks-secrets-envelope: EKS envelope-encrypts Kubernetes secrets with a customer-managed key."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, dig, is_aws_managed_alias, shown

CONTROL = CATALOG["enc-eks-secrets-envelope"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"EKS cluster '{args.name}'"
    config = args.props.get("encryptionConfig")
    if not isinstance(config, Mapping):
        report_violation(f"{where}: encryptionConfig is unset, so Kubernetes secrets are not envelope-encrypted; "
                         f"required resources [\"secrets\"] with provider.keyArn naming a customer-managed KMS key",
                         None)
        return
    resources = config.get("resources")
    if "secrets" not in as_list(resources):
        report_violation(f"{where}: encryptionConfig.resources is {shown(resources)}; required to contain "
                         f"\"secrets\"", None)
    key = dig(config, "provider.keyArn")
    if not key:
        report_violation(f"{where}: encryptionConfig.provider.keyArn is unset; required a customer-managed KMS key",
                         None)
    elif is_aws_managed_alias(key):
        report_violation(f"{where}: encryptionConfig.provider.keyArn is {shown(key)} (AWS-managed); "
                         f"required a customer-managed KMS key", None)


POLICY = resource_policy(CONTROL, validate)
