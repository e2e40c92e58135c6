"""Validate generated Kubernetes objects against the Kubernetes OpenAPI schema, offline and strictly.

The `kubernetes-validate` package ships the JSON schemas of every Kubernetes minor from 1.25 on (1.37 in
the pinned release), in a strict variant that rejects unknown fields. It validates against the newest
schema not newer than the version asked for; `schema_version` makes that choice visible, and the tests
require it to be the cluster's own version, so a cluster upgrade past the shipped schemas fails loudly
instead of silently validating against an older API.

What Pulumi registers for a Kubernetes resource is the object itself (camelCase `apiVersion`, `kind`,
`metadata`, `spec`, ...), so a registration's inputs are validated as the manifest the API server gets.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

import kubernetes_validate
from kubernetes_validate import utils as kv_utils
from packaging.version import Version

from quome.plan import Registration


def schema_version(kubernetes_version: str) -> str:
    """The shipped schema `kubernetes_validate` uses for `kubernetes_version` (closest not newer)."""
    wanted = Version(kubernetes_version)
    shipped = [v for v in kv_utils.all_versions() if Version(kv_utils.major_minor(v)) <= wanted]
    if not shipped:
        raise AssertionError(f"kubernetes-validate ships no schema for Kubernetes {kubernetes_version} or older")
    return kv_utils.major_minor(shipped[-1])


def manifest(registration: Registration) -> dict[str, Any]:
    """The object a Kubernetes registration sends to the API server."""
    if not registration.type.startswith("kubernetes:"):
        raise AssertionError(f"{registration.type} {registration.name} is not a Kubernetes resource")
    document = copy.deepcopy(registration.inputs)
    for field in ("apiVersion", "kind", "metadata"):
        if field not in document:
            raise AssertionError(f"{registration.type} {registration.name} registered no {field}")
    return document


def validate(document: Mapping[str, Any], kubernetes_version: str) -> str:
    """Strict validation; raises kubernetes_validate.ValidationError naming the offending path."""
    return kubernetes_validate.validate(dict(document), schema_version(kubernetes_version), strict=True)
