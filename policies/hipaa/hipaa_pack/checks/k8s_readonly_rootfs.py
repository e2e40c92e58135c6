"""k8s-readonly-rootfs (advisory): containers use a read-only root filesystem."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, dig, shown
from ..workloads import Workload, workload_config_schema

CONTROL = CATALOG["k8s-readonly-rootfs"]

CONFIG_SCHEMA = workload_config_schema()


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for container in Workload(args).containers():
        value = dig(container.spec, "securityContext.readOnlyRootFilesystem")
        if as_bool(value) is not True:
            report_violation(f"{container.where}: securityContext.readOnlyRootFilesystem is {shown(value)}; "
                             f"required true", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
