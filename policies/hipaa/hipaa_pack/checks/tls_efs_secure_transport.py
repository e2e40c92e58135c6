"""tls-efs-secure-transport: every EFS file system's policy denies access without TLS.

The file-system policy is a separate resource (FileSystemPolicy), joined through its `fileSystemId` input.
"""
from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import PolicyDocumentError, by_joined_urn, parse_policy_document, resources_of, sole_companion
from ..secure_transport import secure_transport_finding

CONTROL = CATALOG["tls-efs-secure-transport"]

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
REQUIRED = ('a Deny statement for Principal "*", Action "*" (or elasticfilesystem:*), '
            'Condition Bool aws:SecureTransport "false"')
EVERY_ACTION = ("*", "elasticfilesystem:*")


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    policies_by_fs = by_joined_urn(resources_of(args, FILE_SYSTEM_POLICY), "fileSystemId")
    for fs in resources_of(args, FILE_SYSTEM):
        policy = sole_companion(fs, policies_by_fs.get(fs.urn, []), f"EFS file system '{fs.name}'",
                                "FileSystemPolicy", f"required one with {REQUIRED}", report_violation)
        if policy is not None:
            _check_policy(fs, policy, report_violation)


def _check_policy(fs: PolicyResource, policy: PolicyResource, report_violation: ReportViolation) -> None:
    where = f"EFS file system '{fs.name}': FileSystemPolicy '{policy.name}'"
    try:
        document = parse_policy_document(policy.props.get("policy"))
    except PolicyDocumentError as e:
        report_violation(f"{where}: {e}; required {REQUIRED}", fs.urn)
        return
    # A file system is the policy's only resource, so there is no Resource to check.
    finding = secure_transport_finding(where, document, EVERY_ACTION)
    if finding:
        report_violation(f"{finding}; required {REQUIRED}", fs.urn)


POLICY = stack_policy(CONTROL, validate)
