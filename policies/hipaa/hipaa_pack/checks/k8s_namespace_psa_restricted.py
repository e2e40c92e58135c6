"""k8s-namespace-psa-restricted: tenant namespaces enforce, audit and warn at Pod Security "restricted"."""
from __future__ import annotations

import re

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import is_tenant_namespace, k8s_name, labels, not_a_tenant, shown

CONTROL = CATALOG["k8s-namespace-psa-restricted"]

PSA = "pod-security.kubernetes.io"
MODES = ("enforce", "audit", "warn")
REQUIRED_LEVEL = "restricted"
# "latest" follows the cluster, so an upgrade could change the rules without a code change.
PINNED_VERSION_RE = re.compile(r"^v1\.[0-9]+$")


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    namespace = k8s_name(args.props, args.name)
    if not is_tenant_namespace(args.props):
        args.not_applicable(not_a_tenant(namespace))

    found = labels(args.props)
    for mode in MODES:
        key = f"{PSA}/{mode}"
        value = found.get(key)
        if value != REQUIRED_LEVEL:
            report_violation(f"namespace '{namespace}': label {key} is {shown(value)}; "
                             f"required '{REQUIRED_LEVEL}'", None)

    key = f"{PSA}/enforce-version"
    version = found.get(key)
    if not isinstance(version, str) or not PINNED_VERSION_RE.match(version):
        report_violation(f"namespace '{namespace}': label {key} is {shown(version)}; "
                         f"required a pinned minor version such as 'v1.31'", None)


POLICY = resource_policy(CONTROL, validate)
