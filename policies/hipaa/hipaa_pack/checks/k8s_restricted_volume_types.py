"""k8s-restricted-volume-types: pods mount only the volume types Pod Security restricted allows."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import (
    SYSTEM_NAMESPACES_KEY,
    as_list,
    pod_spec,
    skip_system_namespace,
    system_namespaces_schema,
    workload_ref,
)

CONTROL = CATALOG["k8s-restricted-volume-types"]

CONFIG_SCHEMA = PolicyConfigSchema(properties={SYSTEM_NAMESPACES_KEY: system_namespaces_schema()})

ALLOWED_TYPES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                 "projected", "secret")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    skip_system_namespace(args)
    workload = workload_ref(args.resource_type, args.props, args.name)
    spec = pod_spec(args.resource_type, args.props) or {}
    for index, volume in enumerate(as_list(spec.get("volumes"))):
        if not isinstance(volume, Mapping):
            continue
        name = volume.get("name") or f"#{index}"
        # Every key besides the name is a volume source; the API server makes a volume without any
        # source an emptyDir, which is allowed.
        sources = [key for key in volume if key != "name" and volume[key] is not None]
        for source in sources:
            if source not in ALLOWED_TYPES:
                report_violation(f"{workload}: volume '{name}' is of type {source}; allowed types are "
                                 f"{', '.join(ALLOWED_TYPES)}", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
