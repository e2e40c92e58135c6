"""k8s-baseline-host-isolation: no host namespaces, no privileged containers, no host ports."""
from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    SYSTEM_NAMESPACES_KEY,
    as_bool,
    as_int,
    as_list,
    container_ref,
    containers,
    dig,
    pod_spec,
    shown,
    skip_system_namespace,
    system_namespaces_schema,
    workload_ref,
)

CONTROL = CATALOG["k8s-baseline-host-isolation"]

CONFIG_SCHEMA = PolicyConfigSchema(properties={SYSTEM_NAMESPACES_KEY: system_namespaces_schema()})

HOST_NAMESPACE_FIELDS = ("hostNetwork", "hostPID", "hostIPC")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    skip_system_namespace(args)
    workload = workload_ref(args.resource_type, args.props, args.name)
    spec = pod_spec(args.resource_type, args.props) or {}

    for field in HOST_NAMESPACE_FIELDS:
        value = spec.get(field)
        if as_bool(value) is True:
            report_violation(f"{workload}: {field} is {shown(value)}; required false or unset", None)

    for kind, container in containers(spec):
        where = f"{workload}: {container_ref(kind, container)}"
        privileged = dig(container, "securityContext.privileged")
        if as_bool(privileged) is True:
            report_violation(f"{where}: securityContext.privileged is {shown(privileged)}; "
                             f"required false or unset", None)
        for port in as_list(container.get("ports")):
            host_port = dig(port, "hostPort")
            if host_port is not None and as_int(host_port) != 0:
                report_violation(f"{where}: ports[].hostPort is {shown(host_port)} (containerPort "
                                 f"{shown(dig(port, 'containerPort'))}); required 0 or unset", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
