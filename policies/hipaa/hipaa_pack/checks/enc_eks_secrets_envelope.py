"""enc-eks-secrets-envelope: EKS envelope-encrypts Kubernetes secrets with a customer-managed key."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, customer_managed_key_problem, dig, shown

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
    problem = customer_managed_key_problem(where, "encryptionConfig.provider.keyArn", dig(config, "provider.keyArn"))
    if problem:
        report_violation(problem, None)


POLICY = resource_policy(CONTROL, validate)
