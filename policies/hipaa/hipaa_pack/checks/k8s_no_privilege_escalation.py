"""k8s-no-privilege-escalation: allowPrivilegeEscalation is explicitly false on every container."""
from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    SYSTEM_NAMESPACES_KEY,
    as_bool,
    container_ref,
    containers,
    dig,
    pod_spec,
    shown,
    skip_system_namespace,
    system_namespaces_schema,
    workload_ref,
)

CONTROL = CATALOG["k8s-no-privilege-escalation"]

CONFIG_SCHEMA = PolicyConfigSchema(properties={SYSTEM_NAMESPACES_KEY: system_namespaces_schema()})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    skip_system_namespace(args)
    workload = workload_ref(args.resource_type, args.props, args.name)
    for kind, container in containers(pod_spec(args.resource_type, args.props)):
        # Unset is not enough: the runtime then allows escalation (no_new_privs off).
        value = dig(container, "securityContext.allowPrivilegeEscalation")
        if as_bool(value) is not False:
            report_violation(f"{workload}: {container_ref(kind, container)}: "
                             f"securityContext.allowPrivilegeEscalation is {shown(value)}; required false", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
