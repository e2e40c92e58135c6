"""enc-k8s-storageclass: StorageClasses provision encrypted volumes with a customer-managed key."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import is_aws_managed_alias, k8s_name, shown

CONTROL = CATALOG["enc-k8s-storageclass"]

EBS_CSI = "ebs.csi.aws.com"
EFS_CSI = "efs.csi.aws.com"
IN_TREE_EBS = "kubernetes.io/aws-ebs"
# The EBS CSI driver takes the key's full ARN (a key or a customer alias).
KMS_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"StorageClass '{k8s_name(args.props, args.name)}'"
    provisioner = args.props.get("provisioner")
    parameters = args.props.get("parameters")
    parameters = parameters if isinstance(parameters, Mapping) else {}

    if provisioner == EBS_CSI:
        encrypted = _parameter(parameters, "encrypted")
        # Exactly "true": older drivers compare the string (value == "true"), so "True" means unencrypted.
        if encrypted != "true":
            report_violation(f"{where}: parameters encrypted is {shown(encrypted)}; required \"true\"", None)
        key = _parameter(parameters, "kmsKeyId")
        if not key:
            report_violation(f"{where}: parameters kmsKeyId is unset, which means the account's default EBS key; "
                             f"required a customer-managed KMS key ARN", None)
        elif is_aws_managed_alias(key) or not KMS_ARN_RE.match(str(key)):
            report_violation(f"{where}: parameters kmsKeyId is {shown(key)}; required a customer-managed KMS "
                             f"key ARN", None)
    elif provisioner == EFS_CSI:
        # The file system itself is held to enc-efs-cmk; the class must name it.
        if not _parameter(parameters, "fileSystemId"):
            report_violation(f"{where}: parameters fileSystemId is unset; required the id of an EFS file system "
                             f"that passes enc-efs-cmk", None)
    elif provisioner == IN_TREE_EBS:
        report_violation(f"{where}: provisioner is '{IN_TREE_EBS}' (in-tree, no customer-managed key); required "
                         f"'{EBS_CSI}' with encrypted \"true\" and a kmsKeyId", None)
    else:
        report_violation(f"{where}: provisioner is {shown(provisioner)}; required '{EBS_CSI}' or '{EFS_CSI}' "
                         f"(another provisioner needs an exemption saying why its volumes are safe)", None)


def _parameter(parameters: Mapping[str, Any], name: str) -> Optional[Any]:
    """A StorageClass parameter; the CSI drivers match parameter keys case-insensitively."""
    wanted = name.lower()
    for key in parameters:
        if isinstance(key, str) and key.lower() == wanted:
            return parameters[key]
    return None


POLICY = resource_policy(CONTROL, validate)
