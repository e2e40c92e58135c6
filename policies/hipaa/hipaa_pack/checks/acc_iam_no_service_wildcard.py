"""acc-iam-no-service-wildcard: Allow statements list actions, never a whole service (s3:*) or
everything (*), and never allow by exclusion (NotAction)."""
from __future__ import annotations

import re

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list
from .acc_iam_no_admin import allow_statements, policy_documents

CONTROL = CATALOG["acc-iam-no-service-wildcard"]

# "s3:*", "KMS:*" (IAM action names are case-insensitive), "s3:**"; also "*" and "*:*", which allow
# every action of every service and so every whole service at once.
SERVICE_WILDCARD_RE = re.compile(r"^([A-Za-z0-9-]+:)?\*+$|^\*:\*+$")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for label, raw in policy_documents(args):
        for which, statement in allow_statements(label, raw, report_violation):
            if "NotAction" in statement:
                report_violation(f"{label}: {which} combines Allow with NotAction, which allows every action "
                                 f"not listed; required Allow with an Action list", None)
            wildcards = [a for a in as_list(statement.get("Action"))
                         if isinstance(a, str) and SERVICE_WILDCARD_RE.match(a.strip())]
            if wildcards:
                found = ", ".join(f"'{a}'" for a in wildcards)
                report_violation(f"{label}: {which} allows {found}; required the specific actions the role "
                                 f"needs instead of a service wildcard", None)


POLICY = resource_policy(CONTROL, validate)
