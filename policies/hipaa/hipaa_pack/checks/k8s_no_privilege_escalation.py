"""k8s-no-privilege-escalation: allowPrivilegeEscalation is explicitly false on every container."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, dig, shown
from ..workloads import Workload, workload_config_schema

CONTROL = CATALOG["k8s-no-privilege-escalation"]

CONFIG_SCHEMA = workload_config_schema()


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for container in Workload(args).containers():
        # Unset is not enough: the runtime then allows escalation (no_new_privs off).
        value = dig(container.spec, "securityContext.allowPrivilegeEscalation")
        if as_bool(value) is not False:
            report_violation(f"{container.where}: securityContext.allowPrivilegeEscalation is {shown(value)}; "
                             f"required false", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
