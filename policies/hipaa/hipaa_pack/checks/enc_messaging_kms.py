"""enc-messaging-kms: SNS topics and SQS queues are encrypted with a customer-managed key."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, is_aws_managed_alias, shown

CONTROL = CATALOG["enc-messaging-kms"]

TOPIC = "aws:sns/topic:Topic"
QUEUE = "aws:sqs/queue:Queue"
REQUIRED_KEY = "required a customer-managed KMS key"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    key = args.props.get("kmsMasterKeyId")
    if args.resource_type == TOPIC:
        where = f"SNS topic '{args.name}'"
        if not key:
            report_violation(f"{where}: kmsMasterKeyId is unset, so messages are stored unencrypted; {REQUIRED_KEY}",
                             None)
            return
    else:
        where = f"SQS queue '{args.name}'"
        if not key:
            managed = args.props.get("sqsManagedSseEnabled")
            if as_bool(managed) is True:
                # SSE-SQS uses keys SQS owns: there is no key policy to limit who reads the messages.
                report_violation(f"{where}: kmsMasterKeyId is unset and sqsManagedSseEnabled is true (SQS-owned "
                                 f"keys, no key policy); {REQUIRED_KEY}", None)
            else:
                report_violation(f"{where}: kmsMasterKeyId is unset and sqsManagedSseEnabled is {shown(managed)}; "
                                 f"{REQUIRED_KEY}", None)
            return
    if is_aws_managed_alias(key):
        report_violation(f"{where}: kmsMasterKeyId is {shown(key)} (AWS-managed); {REQUIRED_KEY}", None)


POLICY = resource_policy(CONTROL, validate)
