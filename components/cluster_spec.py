"""Cluster section of the stack configuration (`quome:cluster`): the EKS cluster and its node pools."""

from __future__ import annotations

import ipaddress
import re
from types import MappingProxyType
from typing import Any, Mapping

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.ami_releases import (
    DEFAULT_RELEASE_VERSIONS,
    AmiRelease,
    Architecture,
    default_release_version,
    parse_release,
)
from components.gvisor import DEFAULT_GVISOR_RELEASE, gvisor_release
from components.spec_base import SpecModel

# IAM role names derived from the cluster name (`<name>-ebs-csi`, ...) must fit IAM's 64 characters.
CLUSTER_NAME_MAX_LENGTH = 40
_CLUSTER_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*$")
_INSTANCE_TYPE = re.compile(r"^(?P<family>[a-z][a-z0-9-]*)\.(?P<size>[a-z0-9-]+)$")

# Instance families whose processors encrypt memory always, with no opt-in: AWS Graviton2 and later,
# AMD EPYC Milan (3rd gen) and later, Intel Xeon Ice Lake (3rd gen Scalable) and later. This protects
# data in use against physical memory access; it is not confidential computing (the hypervisor and the
# node can still read a tenant's memory). Each family is named explicitly with its architecture.
MEMORY_ENCRYPTING_FAMILIES: Mapping[str, Architecture] = MappingProxyType(
    {
        # AWS Graviton2
        "m6g": "arm64", "m6gd": "arm64", "c6g": "arm64", "c6gd": "arm64", "c6gn": "arm64",
        "r6g": "arm64", "r6gd": "arm64",
        # AWS Graviton3 / 3E
        "m7g": "arm64", "m7gd": "arm64", "c7g": "arm64", "c7gd": "arm64", "c7gn": "arm64",
        "r7g": "arm64", "r7gd": "arm64",
        # AWS Graviton4
        "m8g": "arm64", "c8g": "arm64", "r8g": "arm64",
        # AMD EPYC Milan / Genoa
        "m6a": "x86_64", "c6a": "x86_64", "r6a": "x86_64",
        "m7a": "x86_64", "c7a": "x86_64", "r7a": "x86_64",
        # Intel Xeon Ice Lake / Sapphire Rapids
        "m6i": "x86_64", "m6id": "x86_64", "m6in": "x86_64", "c6i": "x86_64", "c6id": "x86_64",
        "c6in": "x86_64", "r6i": "x86_64", "r6id": "x86_64",
        "m7i": "x86_64", "c7i": "x86_64", "r7i": "x86_64",
    }
)


def instance_family(instance_type: str) -> str:
    match = _INSTANCE_TYPE.match(instance_type)
    if not match:
        raise ValueError(f"instance type {instance_type!r} is not of the form '<family>.<size>', e.g. 'm7g.xlarge'")
    return match.group("family")


def is_metal(instance_type: str) -> bool:
    """Bare-metal types (`.metal`, `.metal-24xl`) can run gVisor's KVM platform; VMs use systrap."""
    return instance_type.split(".", 1)[1].startswith("metal")


def check_instance_types(instance_types: tuple[str, ...], architecture: str) -> None:
    """Every type is of a memory-encrypting family of the pool's architecture, and a pool is all-metal or all-VM."""
    if not instance_types:
        raise ValueError("must name at least one instance type")
    for instance_type in instance_types:
        family = instance_family(instance_type)
        if family not in MEMORY_ENCRYPTING_FAMILIES:
            raise ValueError(
                f"instance type {instance_type!r}: family {family!r} is not one whose processor always encrypts "
                "memory (Graviton2+, AMD Milan+, Intel Ice Lake+); "
                f"allowed: {', '.join(sorted(MEMORY_ENCRYPTING_FAMILIES))}"
            )
        if MEMORY_ENCRYPTING_FAMILIES[family] != architecture:
            raise ValueError(
                f"instance type {instance_type!r} is {MEMORY_ENCRYPTING_FAMILIES[family]}, but the pool's architecture "
                f"is {architecture} (its AMI and gVisor binaries are per architecture)"
            )
    if len({is_metal(t) for t in instance_types}) > 1:
        raise ValueError(
            "mixes .metal and virtualized instance types; gVisor's platform (kvm or systrap) is set per pool"
        )


class NodePoolSpec(SpecModel):
    """One managed node group: its instance types (one architecture) and its size."""

    instance_types: tuple[str, ...]
    architecture: Architecture
    min_size: int = Field(default=2, ge=0, le=100)
    desired_size: int = Field(default=2, ge=0, le=100)
    max_size: int = Field(default=4, ge=1, le=100)
    disk_size_gib: int = Field(default=50, ge=20, le=1000)
    """Root volume (gp3, encrypted with the storage key)."""

    @model_validator(mode="after")
    def _consistent(self) -> "NodePoolSpec":
        check_instance_types(self.instance_types, self.architecture)
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                "sizes must satisfy minSize <= desiredSize <= maxSize "
                f"(got {self.min_size}, {self.desired_size}, {self.max_size})"
            )
        return self


DEFAULT_SYSTEM_POOL: Mapping[str, Any] = MappingProxyType(
    {"instanceTypes": ("m7g.large",), "architecture": "arm64", "minSize": 2, "desiredSize": 2, "maxSize": 3}
)
DEFAULT_SANDBOX_POOL: Mapping[str, Any] = MappingProxyType(
    {"instanceTypes": ("m7g.xlarge",), "architecture": "arm64", "minSize": 2, "desiredSize": 2, "maxSize": 6}
)


class ClusterSpec(SpecModel):
    """EKS cluster settings. The name is explicit so its log group can be created before the cluster."""

    name: str
    """EKS cluster name; its control-plane log group is `/aws/eks/<name>/cluster`."""
    version: str = "1.33"
    """Kubernetes version (AL2023 nodes; no AL2 AMIs exist from 1.33 on)."""
    public_access_cidrs: tuple[str, ...] = Field(default=())
    """CIDRs allowed to reach the public endpoint; empty means the public endpoint is off."""
    instance_families: tuple[str, ...] = tuple(MEMORY_ENCRYPTING_FAMILIES)
    """The stack's allow-list of instance families; may narrow, never extend, the memory-encrypting table."""
    release_version: str | None
    """EKS AMI release of every node group; when omitted, the platform's pinned release for `version`."""
    gvisor_release: str = DEFAULT_GVISOR_RELEASE
    """gVisor release installed on sandbox nodes (must be pinned, with checksums, in components/gvisor.py)."""
    system_pool: NodePoolSpec
    """Untainted pool for cluster add-ons (CoreDNS, EBS CSI controller); never runs tenant pods."""
    sandbox_pool: NodePoolSpec
    """The shared gVisor pool for organizations without dedicated isolation."""

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        """Defaults go in as if written in the stack file, so they meet the same checks and messages."""
        if not isinstance(data, Mapping):
            return data
        filled = dict(data)

        def absent(alias: str, field: str) -> bool:
            return alias not in filled and field not in filled

        if absent("releaseVersion", "release_version"):
            version = filled.get("version", cls.model_fields["version"].default)
            filled["releaseVersion"] = DEFAULT_RELEASE_VERSIONS.get(version) if isinstance(version, str) else None
        if absent("systemPool", "system_pool"):
            filled["systemPool"] = dict(DEFAULT_SYSTEM_POOL)
        if absent("sandboxPool", "sandbox_pool"):
            filled["sandboxPool"] = dict(DEFAULT_SANDBOX_POOL)
        return filled

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if len(value) > CLUSTER_NAME_MAX_LENGTH or not _CLUSTER_NAME.match(value):
            raise ValueError(
                f"must start with a letter and hold only letters, digits and '-', at most {CLUSTER_NAME_MAX_LENGTH} "
                f"characters (role names derived from it must fit IAM's 64)"
            )
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
        for cidr in value:
            try:
                network = ipaddress.IPv4Network(cidr, strict=True)
            except ValueError:
                raise ValueError(
                    f"{cidr!r} is not an IPv4 network in CIDR notation (EKS takes IPv4 ranges here)"
                ) from None
            if network.prefixlen < 8:
                raise ValueError(f"{cidr!r} is broader than /8: name the ranges that operate the cluster")
        return value

    @field_validator("release_version")
    @classmethod
    def _known_release(cls, value: str | None, info: ValidationInfo) -> str | None:
        version = info.data.get("version")
        if version is None:
            return value
        release = parse_release(value if value is not None else default_release_version(version))
        if release.kubernetes != version:
            raise ValueError(f"is an AMI release for Kubernetes {release.kubernetes}, but the cluster runs {version}")
        return value

    @field_validator("gvisor_release")
    @classmethod
    def _pinned_gvisor(cls, value: str) -> str:
        gvisor_release(value)
        return value

    @field_validator("instance_families")
    @classmethod
    def _families_encrypt_memory(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("must name at least one instance family")
        unknown = [family for family in value if family not in MEMORY_ENCRYPTING_FAMILIES]
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)}: not a family whose processor always encrypts memory "
                f"(Graviton2+, AMD Milan+, Intel Ice Lake+); allowed: {', '.join(sorted(MEMORY_ENCRYPTING_FAMILIES))}"
            )
        return value

    @field_validator("system_pool", "sandbox_pool")
    @classmethod
    def _pool_in_allow_list(cls, value: NodePoolSpec, info: ValidationInfo) -> NodePoolSpec:
        allowed = info.data.get("instance_families")
        if allowed is None:
            return value
        outside = [t for t in value.instance_types if instance_family(t) not in allowed]
        if outside:
            raise ValueError(f"instance types {', '.join(outside)} are outside instanceFamilies ({', '.join(allowed)})")
        return value

    @property
    def ami_release(self) -> AmiRelease:
        """The node groups' pinned AMI release, with its containerd major version."""
        if self.release_version is None:
            raise ValueError("cluster.releaseVersion was not resolved")
        return parse_release(self.release_version)
