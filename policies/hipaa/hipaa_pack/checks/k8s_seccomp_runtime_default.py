"""k8s-seccomp-runtime-default: pods run under the RuntimeDefault or a Localhost seccomp profile.

Mirrors pod-security-admission's seccompProfile_restricted check: a valid pod-level profile covers
containers that set none; containers must set one when the pod does not; an explicit Unconfined (or
any other type) fails at either level.
"""
from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    SYSTEM_NAMESPACES_KEY,
    container_ref,
    containers,
    dig,
    pod_spec,
    shown,
    skip_system_namespace,
    system_namespaces_schema,
    workload_ref,
)

CONTROL = CATALOG["k8s-seccomp-runtime-default"]

CONFIG_SCHEMA = PolicyConfigSchema(properties={SYSTEM_NAMESPACES_KEY: system_namespaces_schema()})

ALLOWED_TYPES = ("RuntimeDefault", "Localhost")
_REQUIRED = " or ".join(ALLOWED_TYPES)


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    skip_system_namespace(args)
    workload = workload_ref(args.resource_type, args.props, args.name)
    spec = pod_spec(args.resource_type, args.props) or {}

    pod_type = dig(spec, "securityContext.seccompProfile.type")
    if pod_type is not None and pod_type not in ALLOWED_TYPES:
        report_violation(f"{workload}: pod securityContext.seccompProfile.type is {shown(pod_type)}; "
                         f"required {_REQUIRED}", None)

    for kind, container in containers(spec):
        where = f"{workload}: {container_ref(kind, container)}"
        own = dig(container, "securityContext.seccompProfile.type")
        if own is not None:
            if own not in ALLOWED_TYPES:
                report_violation(f"{where}: securityContext.seccompProfile.type is {shown(own)}; "
                                 f"required {_REQUIRED}", None)
        elif pod_type is None:
            report_violation(f"{where}: securityContext.seccompProfile.type is unset and so is the pod's; "
                             f"required {_REQUIRED} at pod or container level", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
