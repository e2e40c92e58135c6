"""k8s-restricted-volume-types: pods mount only the volume types Pod Security restricted allows."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_list
from ..workloads import Workload, workload_config_schema

CONTROL = CATALOG["k8s-restricted-volume-types"]

CONFIG_SCHEMA = workload_config_schema()

ALLOWED_TYPES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                 "projected", "secret")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    workload = Workload(args)
    for index, volume in enumerate(as_list(workload.spec.get("volumes"))):
        if not isinstance(volume, Mapping):
            continue
        name = volume.get("name") or f"#{index}"
        # Every key besides the name is a volume source; the API server makes a volume without any
        # source an emptyDir, which is allowed.
        sources = [key for key in volume if key != "name" and volume[key] is not None]
        for source in sources:
            if source not in ALLOWED_TYPES:
                report_violation(f"{workload.ref}: volume '{name}' is of type {source}; allowed types are "
                                 f"{', '.join(ALLOWED_TYPES)}", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
