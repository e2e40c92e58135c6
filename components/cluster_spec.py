"""Cluster section of the stack configuration (`quome:cluster`)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from components.spec_base import SpecModel

_CLUSTER_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,99}$")


class ClusterSpec(SpecModel):
    """EKS cluster settings. The name is explicit so its log group can be created before the cluster."""

    name: str
    """EKS cluster name; its control-plane log group is `/aws/eks/<name>/cluster`."""
    version: str = "1.33"
    """Kubernetes version (AL2023 nodes; no AL2 AMIs exist from 1.33 on)."""
    public_access_cidrs: tuple[str, ...] = Field(default=())
    """CIDRs allowed to reach the public endpoint; empty means the public endpoint is off."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _CLUSTER_NAME.match(value):
            raise ValueError("must start with a letter and hold only letters, digits and '-', at most 100 characters")
        return value

    @field_validator("version")
    @classmethod
    def _valid_version(cls, value: str) -> str:
        if not re.fullmatch(r"1\.(3[3-9]|[4-9][0-9])", value):
            raise ValueError("must be a Kubernetes minor version '1.33' or newer (AL2023 node images)")
        return value

    @field_validator("public_access_cidrs")
    @classmethod
    def _no_open_endpoint(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if "0.0.0.0/0" in value:
            raise ValueError("must not contain 0.0.0.0/0: the API endpoint is private, or open to named ranges only")
        return value
