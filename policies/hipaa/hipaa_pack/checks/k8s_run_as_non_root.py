"""k8s-run-as-non-root: every container runs as a non-root user (Pod Security restricted).

Mirrors pod-security-admission's runAsNonRoot and runAsUser checks: a container's own
securityContext.runAsNonRoot wins over the pod's, so a container setting false fails even under a
pod-level true, and an explicit false at pod level fails on its own.
"""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    SYSTEM_NAMESPACES_KEY,
    as_bool,
    as_int,
    container_ref,
    containers,
    dig,
    pod_spec,
    shown,
    skip_system_namespace,
    system_namespaces_schema,
    workload_ref,
)

CONTROL = CATALOG["k8s-run-as-non-root"]

CONFIG_SCHEMA = PolicyConfigSchema(properties={SYSTEM_NAMESPACES_KEY: system_namespaces_schema()})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    skip_system_namespace(args)
    workload = workload_ref(args.resource_type, args.props, args.name)
    spec = pod_spec(args.resource_type, args.props) or {}

    pod_non_root = dig(spec, "securityContext.runAsNonRoot")
    if pod_non_root is not None and as_bool(pod_non_root) is not True:
        report_violation(f"{workload}: pod securityContext.runAsNonRoot is {shown(pod_non_root)}; "
                         f"required true or unset", None)
    _check_user(f"{workload}: pod ", spec, report_violation)

    for kind, container in containers(spec):
        where = f"{workload}: {container_ref(kind, container)}"
        own = dig(container, "securityContext.runAsNonRoot")
        if own is not None:
            if as_bool(own) is not True:
                report_violation(f"{where}: securityContext.runAsNonRoot is {shown(own)}; required true", None)
        elif as_bool(pod_non_root) is not True:
            report_violation(f"{where}: securityContext.runAsNonRoot is unset and the pod does not set it "
                             f"to true; required true at pod or container level", None)
        _check_user(f"{where}: ", container, report_violation)


def _check_user(prefix: str, holder: Mapping, report_violation: ReportViolation) -> None:
    user = dig(holder, "securityContext.runAsUser")
    if user is not None and as_int(user) == 0:
        report_violation(f"{prefix}securityContext.runAsUser is 0 (root); required a non-zero uid or unset", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
