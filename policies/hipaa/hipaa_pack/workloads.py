"""The part every Kubernetes workload check shares: leave the system namespaces alone, find the pod
spec, walk its containers and say which one a message is about.

    CONFIG_SCHEMA = workload_config_schema()

    def validate(args, report_violation):
        workload = Workload(args)
        for container in workload.containers():
            value = dig(container.spec, "securityContext.readOnlyRootFilesystem")
            if as_bool(value) is not True:
                report_violation(f"{container.where}: ... is {shown(value)}; required true", None)

A check keeps only what its control decides. What it reads, it reads in the order the pack always
has: a value that is unknown during preview stops the check at the first read of it (the analyzer
then reports "can't run policy during preview" and keeps the violations found before), so the
order of reads decides what a preview shows. Hence Workload(args) reads namespace, name and pod
spec up front, and a container's name is read only when its `where` is.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs

from .props import (
    SYSTEM_NAMESPACES_KEY,
    container_ref,
    containers,
    pod_spec,
    skip_system_namespace,
    system_namespaces_schema,
    workload_ref,
)


def workload_config_schema(own: Mapping[str, dict[str, Any]] | None = None) -> PolicyConfigSchema:
    """The config schema of a check that honours systemNamespaces: its own settings (if any), then
    systemNamespaces."""
    return PolicyConfigSchema(properties={**(own or {}), SYSTEM_NAMESPACES_KEY: system_namespaces_schema()})


class Workload:
    """A Kubernetes workload the check applies to: how messages name it, and its pod spec.

    Constructing one marks the policy not applicable (and so ends the check) when the object's
    namespace is listed in the policy config systemNamespaces.
    """

    def __init__(self, args: ResourceValidationArgs) -> None:
        skip_system_namespace(args)
        self.ref: str = workload_ref(args.resource_type, args.props, args.name)
        """E.g. "Deployment 'org-acme/api'"."""
        self.spec: Mapping[str, Any] = pod_spec(args.resource_type, args.props) or {}
        """The pod spec ({} when the workload has none)."""

    def containers(self) -> Iterator[Container]:
        """Every container, then the init and ephemeral containers."""
        for kind, spec in containers(self.spec):
            yield Container(self.ref, kind, spec)


class Container:
    """One container of a Workload."""

    def __init__(self, workload_ref: str, kind: str, spec: Mapping[str, Any]) -> None:
        self._workload_ref = workload_ref
        self.kind = kind
        """The list it comes from: containers, initContainers or ephemeralContainers."""
        self.spec = spec
        """The container's own settings (name, image, securityContext, ports, ...)."""

    @property
    def where(self) -> str:
        """How messages begin: "Deployment 'org-acme/api': init container 'migrate'"."""
        return f"{self._workload_ref}: {container_ref(self.kind, self.spec)}"
