"""k8s-seccomp-runtime-default: pods run under the RuntimeDefault or a Localhost seccomp profile.

Mirrors pod-security-admission's seccompProfile_restricted check: a valid pod-level profile covers
containers that set none; containers must set one when the pod does not; an explicit Unconfined (or
any other type) fails at either level.
"""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import dig, shown
from ..workloads import Workload, workload_config_schema

CONTROL = CATALOG["k8s-seccomp-runtime-default"]

CONFIG_SCHEMA = workload_config_schema()

ALLOWED_TYPES = ("RuntimeDefault", "Localhost")
_REQUIRED = " or ".join(ALLOWED_TYPES)


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    workload = Workload(args)

    pod_type = dig(workload.spec, "securityContext.seccompProfile.type")
    if pod_type is not None and pod_type not in ALLOWED_TYPES:
        report_violation(f"{workload.ref}: pod securityContext.seccompProfile.type is {shown(pod_type)}; "
                         f"required {_REQUIRED}", None)

    for container in workload.containers():
        where = container.where
        own = dig(container.spec, "securityContext.seccompProfile.type")
        if own is not None:
            if own not in ALLOWED_TYPES:
                report_violation(f"{where}: securityContext.seccompProfile.type is {shown(own)}; "
                                 f"required {_REQUIRED}", None)
        elif pod_type is None:
            report_violation(f"{where}: securityContext.seccompProfile.type is unset and so is the pod's; "
                             f"required {_REQUIRED} at pod or container level", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
