"""The pinned gVisor releases: version and per-architecture SHA-512 of `runsc` and its containerd shim.

Nodes never download gVisor from the internet. The platform mirrors the pinned binaries into the
stack's in-region artifact bucket (`quome-artifacts-<account>-<region>`, under `gvisor/<release>/<arch>/`),
and the node user data fetches them through the VPC's S3 gateway endpoint and refuses to install them
unless their SHA-512 equals the value recorded here. The checksums are recorded in the code, not read
from the `.sha512` files beside the binaries: a checksum from the same origin only proves the transfer,
never the origin.

Mirroring a release (operator step, outside `pulumi up`, from a host with internet access):

    for arch in x86_64 aarch64; do for bin in runsc containerd-shim-runsc-v1; do
      curl -fsSLO "https://storage.googleapis.com/gvisor/releases/release/<release>/$arch/$bin"
      echo "<sha512 from GVISOR_RELEASES>  $bin" | sha512sum -c -
      aws s3 cp "$bin" "s3://quome-artifacts-<account>-<region>/gvisor/<release>/$arch/$bin"
    done; done

Mirror before sandbox nodes first boot: on a new stack, create the bucket first (`pulumi up --target`
with the cluster's `-artifacts` bucket and its encryption, policy and public-access resources), mirror,
then run the full `pulumi up`. A node that finds no verified binaries joins without runsc, and gVisor
pods fail to start on it (fail closed) until it is replaced.

Release 20260817.0: the values are those of gVisor's published `.sha512` files for that release, as
pinned identically by independent public installers (they cannot be re-fetched from this offline
build). Bumping the release means adding a row with the four values copied from the new release's
`.sha512` files, and mirroring its binaries before any node pool uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from components.ami_releases import Architecture

BINARIES: tuple[str, ...] = ("runsc", "containerd-shim-runsc-v1")
ARTIFACT_PREFIX = "gvisor"
INSTALL_DIR = "/usr/local/bin"

# gVisor names architectures as `uname -m` does.
GVISOR_ARCH: Mapping[str, str] = MappingProxyType({"x86_64": "x86_64", "arm64": "aarch64"})

_SHA512 = re.compile(r"^[0-9a-f]{128}$")


@dataclass(frozen=True)
class GvisorRelease:
    """One gVisor release with the SHA-512 of each binary per architecture."""

    release: str
    sha512: Mapping[str, Mapping[str, str]]
    """gVisor architecture ("x86_64", "aarch64") -> binary name -> lower-case hex SHA-512."""

    def __post_init__(self) -> None:
        for arch in GVISOR_ARCH.values():
            for binary in BINARIES:
                value = self.sha512.get(arch, {}).get(binary, "")
                if not _SHA512.match(value):
                    raise ValueError(
                        f"gVisor {self.release}: {arch}/{binary} needs a 128-hex-digit SHA-512, got {value!r}"
                    )

    def checksum(self, architecture: Architecture, binary: str) -> str:
        return self.sha512[GVISOR_ARCH[architecture]][binary]


GVISOR_RELEASES: Mapping[str, GvisorRelease] = MappingProxyType(
    {
        "20260817.0": GvisorRelease(
            release="20260817.0",
            sha512=MappingProxyType(
                {
                    "x86_64": MappingProxyType(
                        {
                            "runsc": (
                                "84936438d583ec976800f464e75a83e1515f0890b451b9b4db219c4472b54ca9"
                                "b106a6772ee683f1e64cce2128871d7637b14d800591f8451b8137f6c39fb2ef"
                            ),
                            "containerd-shim-runsc-v1": (
                                "b60d1c418b841ab046951cc7a91f490a221198fbe81ec55dc364432578fddd44"
                                "e97063793ce6651be397af2f64ec47170dff77a45db277819c3fb08fec9f3ced"
                            ),
                        }
                    ),
                    "aarch64": MappingProxyType(
                        {
                            "runsc": (
                                "6394fd161a4af0dc9a2c29f75c3016d05275a55744f124e12023fa7666a9f161"
                                "c68d6ce3803ad49205c6a7b5bee0ad2ccf48edff340db344fdafec678c788aa4"
                            ),
                            "containerd-shim-runsc-v1": (
                                "a7c0147f635938225e41c9660b95ba5235121a142c11830794e2a52b47278354"
                                "7e2b089bdba4f1344d30f65aeee651b377a1cafadd262a134f5e1ac10c6bf4bb"
                            ),
                        }
                    ),
                }
            ),
        ),
    }
)
DEFAULT_GVISOR_RELEASE = "20260817.0"


def gvisor_release(release: str) -> GvisorRelease:
    """The pinned release; ValueError naming the known releases otherwise."""
    try:
        return GVISOR_RELEASES[release]
    except KeyError:
        raise ValueError(
            f"is not a pinned gVisor release (pinned: {', '.join(sorted(GVISOR_RELEASES))}); add it with its "
            f"checksums to components/gvisor.py"
        ) from None


def artifact_key(release: str, architecture: Architecture, binary: str) -> str:
    """Object key of a mirrored binary in the artifact bucket."""
    return f"{ARTIFACT_PREFIX}/{release}/{GVISOR_ARCH[architecture]}/{binary}"

