"""k8s-run-as-non-root: every container runs as a non-root user (Pod Security restricted).

Mirrors pod-security-admission's runAsNonRoot and runAsUser checks: a container's own
securityContext.runAsNonRoot wins over the pod's, so a container setting false fails even under a
pod-level true, and an explicit false at pod level fails on its own.
"""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_int, dig, shown
from ..workloads import Workload, workload_config_schema

CONTROL = CATALOG["k8s-run-as-non-root"]

CONFIG_SCHEMA = workload_config_schema()


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    workload = Workload(args)

    pod_non_root = dig(workload.spec, "securityContext.runAsNonRoot")
    if pod_non_root is not None and as_bool(pod_non_root) is not True:
        report_violation(f"{workload.ref}: pod securityContext.runAsNonRoot is {shown(pod_non_root)}; "
                         f"required true or unset", None)
    _check_user(f"{workload.ref}: pod ", workload.spec, report_violation)

    for container in workload.containers():
        where = container.where
        own = dig(container.spec, "securityContext.runAsNonRoot")
        if own is not None:
            if as_bool(own) is not True:
                report_violation(f"{where}: securityContext.runAsNonRoot is {shown(own)}; required true", None)
        elif as_bool(pod_non_root) is not True:
            report_violation(f"{where}: securityContext.runAsNonRoot is unset and the pod does not set it "
                             f"to true; required true at pod or container level", None)
        _check_user(f"{where}: ", container.spec, report_violation)


def _check_user(prefix: str, holder: Mapping, report_violation: ReportViolation) -> None:
    user = dig(holder, "securityContext.runAsUser")
    if user is not None and as_int(user) == 0:
        report_violation(f"{prefix}securityContext.runAsUser is 0 (root); required a non-zero uid or unset", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
