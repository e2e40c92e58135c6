"""k8s-drop-all-capabilities: containers drop ALL capabilities and add back at most NET_BIND_SERVICE."""
from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    SYSTEM_NAMESPACES_KEY,
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

CONTROL = CATALOG["k8s-drop-all-capabilities"]

CONFIG_SCHEMA = PolicyConfigSchema(properties={SYSTEM_NAMESPACES_KEY: system_namespaces_schema()})

REQUIRED_DROP = "ALL"
# Pod Security restricted compares capability names exactly, as written in the spec.
ALLOWED_ADD = frozenset({"NET_BIND_SERVICE"})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    skip_system_namespace(args)
    workload = workload_ref(args.resource_type, args.props, args.name)
    for kind, container in containers(pod_spec(args.resource_type, args.props)):
        where = f"{workload}: {container_ref(kind, container)}"
        drop = dig(container, "securityContext.capabilities.drop")
        if REQUIRED_DROP not in as_list(drop):
            report_violation(f"{where}: securityContext.capabilities.drop is {shown(drop)}; "
                             f"required to contain {REQUIRED_DROP}", None)
        add = dig(container, "securityContext.capabilities.add")
        extra = [c for c in as_list(add) if c not in ALLOWED_ADD]
        if extra:
            report_violation(f"{where}: securityContext.capabilities.add is {shown(add)}; "
                             f"only {', '.join(sorted(ALLOWED_ADD))} may be added", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
