"""EKS-optimized AL2023 AMI releases as data: which containerd major version a pinned release ships.

A node group is pinned with `release_version` ("<kubernetes x.y.z>-<AMI build date>", e.g.
"1.33.5-20251120"), never with an `image_id`: with a custom AMI, EKS would stop injecting the cluster's
NodeConfig into the user data. The containerd major version decides where the runsc runtime goes in the
NodeConfig's containerd TOML (nodeadm merges it into a config-v2 template for containerd 1.x and a
config-v3 template for containerd 2.x, and silently ignores a table at the other version's path). So a
release whose containerd major is not known here is rejected at config time, not guessed.

Sources (AMI descriptions read "k8s: <version>, containerd: <version>"):
- Kubernetes 1.33 AL2023 AMIs shipped containerd 1.7 from the first 1.33 release (v20250519) and
  containerd 2.1 from v20251016 (amazon-eks-ami issue #2470, the containerd 2.1 upgrade timeline).
- Kubernetes 1.34 AL2023 AMIs shipped containerd 2.1 from their first release, v20250915.
Adding a Kubernetes minor or a later change of containerd major means adding a row after checking the
release's AMI description, and testing gVisor on that exact release before a pool uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping

Architecture = Literal["arm64", "x86_64"]
ARCHITECTURES: tuple[Architecture, ...] = ("arm64", "x86_64")

# EKS managed node group AMI types for AL2023 (the only node OS here: no AL2 AMIs exist from 1.33 on).
AMI_TYPES: Mapping[str, str] = MappingProxyType(
    {"arm64": "AL2023_ARM_64_STANDARD", "x86_64": "AL2023_x86_64_STANDARD"}
)


@dataclass(frozen=True)
class ContainerdSince:
    """From AMI build date `since` on, releases for Kubernetes `kubernetes` ship containerd `major`."""

    kubernetes: str
    since: str
    major: int


CONTAINERD_BY_RELEASE: tuple[ContainerdSince, ...] = (
    ContainerdSince(kubernetes="1.33", since="20250519", major=1),
    ContainerdSince(kubernetes="1.33", since="20251016", major=2),
    ContainerdSince(kubernetes="1.34", since="20250915", major=2),
)

# The release each Kubernetes minor pins when the stack does not name one (releases in use on EKS).
DEFAULT_RELEASE_VERSIONS: Mapping[str, str] = MappingProxyType(
    {"1.33": "1.33.5-20251120", "1.34": "1.34.1-20250920"}
)

_RELEASE = re.compile(r"^(?P<minor>1\.[0-9]+)\.(?P<patch>[0-9]+)-(?P<date>20[0-9]{6})$")


@dataclass(frozen=True)
class AmiRelease:
    """A parsed `release_version`."""

    release_version: str
    kubernetes: str
    """Kubernetes minor version, e.g. "1.33"."""
    build_date: str
    containerd_major: int


def parse_release(release_version: str) -> AmiRelease:
    """Parse and look up a release; ValueError names what is wrong and what the table holds."""
    match = _RELEASE.match(release_version)
    if not match:
        raise ValueError(
            "must be an EKS AMI release version '<kubernetes x.y.z>-<YYYYMMDD>', e.g. '1.33.5-20251120'"
        )
    minor, date = match.group("minor"), match.group("date")
    rows = sorted((row for row in CONTAINERD_BY_RELEASE if row.kubernetes == minor), key=lambda row: row.since)
    if not rows:
        known = sorted({row.kubernetes for row in CONTAINERD_BY_RELEASE})
        raise ValueError(
            f"no AMI release data for Kubernetes {minor} (known: {', '.join(known)}); add its containerd "
            f"version to components/ami_releases.py after checking the AMI"
        )
    applicable = [row for row in rows if row.since <= date]
    if not applicable:
        raise ValueError(f"predates the first known Kubernetes {minor} AL2023 AMI release ({rows[0].since})")
    return AmiRelease(release_version, minor, date, applicable[-1].major)


def default_release_version(kubernetes: str) -> str:
    """The pinned release for a Kubernetes minor; ValueError when none is pinned."""
    try:
        return DEFAULT_RELEASE_VERSIONS[kubernetes]
    except KeyError:
        raise ValueError(
            f"no pinned AMI release for Kubernetes {kubernetes} "
            f"(pinned: {', '.join(sorted(DEFAULT_RELEASE_VERSIONS))}); set releaseVersion"
        ) from None
