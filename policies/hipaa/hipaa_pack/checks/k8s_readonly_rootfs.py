"""k8s-readonly-rootfs (advisory): containers use a read-only root filesystem."""
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

CONTROL = CATALOG["k8s-readonly-rootfs"]

CONFIG_SCHEMA = PolicyConfigSchema(properties={SYSTEM_NAMESPACES_KEY: system_namespaces_schema()})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    skip_system_namespace(args)
    workload = workload_ref(args.resource_type, args.props, args.name)
    for kind, container in containers(pod_spec(args.resource_type, args.props)):
        value = dig(container, "securityContext.readOnlyRootFilesystem")
        if as_bool(value) is not True:
            report_violation(f"{workload}: {container_ref(kind, container)}: "
                             f"securityContext.readOnlyRootFilesystem is {shown(value)}; required true", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
