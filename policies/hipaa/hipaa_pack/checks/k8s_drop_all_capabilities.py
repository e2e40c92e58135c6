"""k8s-drop-all-capabilities: containers drop ALL capabilities and add back at most NET_BIND_SERVICE."""
from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list, dig, shown
from ..workloads import Workload, workload_config_schema

CONTROL = CATALOG["k8s-drop-all-capabilities"]

CONFIG_SCHEMA = workload_config_schema()

REQUIRED_DROP = "ALL"
# Pod Security restricted compares capability names exactly, as written in the spec.
ALLOWED_ADD = frozenset({"NET_BIND_SERVICE"})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for container in Workload(args).containers():
        where = container.where
        drop = dig(container.spec, "securityContext.capabilities.drop")
        if REQUIRED_DROP not in as_list(drop):
            report_violation(f"{where}: securityContext.capabilities.drop is {shown(drop)}; "
                             f"required to contain {REQUIRED_DROP}", None)
        add = dig(container.spec, "securityContext.capabilities.add")
        extra = [c for c in as_list(add) if c not in ALLOWED_ADD]
        if extra:
            report_violation(f"{where}: securityContext.capabilities.add is {shown(add)}; "
                             f"only {', '.join(sorted(ALLOWED_ADD))} may be added", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
