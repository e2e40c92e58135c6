"""k8s-baseline-host-isolation: no host namespaces, no privileged containers, no host ports."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_int, as_list, dig, shown
from ..workloads import Workload, workload_config_schema

CONTROL = CATALOG["k8s-baseline-host-isolation"]

CONFIG_SCHEMA = workload_config_schema()

HOST_NAMESPACE_FIELDS = ("hostNetwork", "hostPID", "hostIPC")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    workload = Workload(args)

    for field in HOST_NAMESPACE_FIELDS:
        value = workload.spec.get(field)
        if as_bool(value) is True:
            report_violation(f"{workload.ref}: {field} is {shown(value)}; required false or unset", None)

    for container in workload.containers():
        where = container.where
        privileged = dig(container.spec, "securityContext.privileged")
        if as_bool(privileged) is True:
            report_violation(f"{where}: securityContext.privileged is {shown(privileged)}; "
                             f"required false or unset", None)
        for port in as_list(container.spec.get("ports")):
            host_port = dig(port, "hostPort")
            if host_port is not None and as_int(host_port) != 0:
                report_violation(f"{where}: ports[].hostPort is {shown(host_port)} (containerPort "
                                 f"{shown(dig(port, 'containerPort'))}); required 0 or unset", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
