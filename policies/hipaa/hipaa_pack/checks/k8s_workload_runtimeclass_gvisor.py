"""k8s-workload-runtimeclass-gvisor: tenant workloads run in the gVisor sandbox (runtimeClassName)."""
from __future__ import annotations

import fnmatch

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import pod_spec, shown, skip_system_namespace, workload_ref
from ..workloads import workload_config_schema

CONTROL = CATALOG["k8s-workload-runtimeclass-gvisor"]

CONFIG_SCHEMA = workload_config_schema({
    "gvisorRuntimeClasses": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "minItems": 1,
        "uniqueItems": True,
        "default": ["gvisor", "gvisor-*"],
        "description": "fnmatch globs of the RuntimeClasses whose handler is gVisor's runsc.",
    },
})


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    # Not Workload(args): this check reads the workload's name only when it reports, so an unknown
    # name does not keep a compliant workload from being checked during preview.
    skip_system_namespace(args)
    globs = list(args.get_config()["gvisorRuntimeClasses"])
    spec = pod_spec(args.resource_type, args.props) or {}
    runtime_class = spec.get("runtimeClassName")
    # Case-sensitive: RuntimeClass names are DNS labels, and "GVisor" would name another class.
    if not isinstance(runtime_class, str) or not any(fnmatch.fnmatchcase(runtime_class, g) for g in globs):
        report_violation(f"{workload_ref(args.resource_type, args.props, args.name)}: runtimeClassName is "
                         f"{shown(runtime_class)}; required one of {', '.join(globs)}", None)


POLICY = resource_policy(CONTROL, validate, CONFIG_SCHEMA)
