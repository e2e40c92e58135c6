"""User data of gVisor sandbox nodes: pure functions from plain values to a MIME multipart document.

AL2023 nodes boot with nodeadm. A managed node group whose launch template names no AMI gets EKS's own
NodeConfig part (cluster endpoint, CA, DNS) merged into this document, so it only adds two parts:

1. `text/x-shellscript` (run by cloud-init): fetch `runsc` and `containerd-shim-runsc-v1` of the pinned
   gVisor release from the stack's artifact bucket through the VPC's S3 gateway endpoint, refuse them
   unless their SHA-512 matches the pinned value, install them, and write `/etc/containerd/runsc.toml`.
2. `application/node.eks.aws` (read by nodeadm): a NodeConfig whose containerd TOML registers the `runsc`
   runtime handler. nodeadm merges it into its containerd config template, whose layout depends on the
   AMI's containerd major version: config v2 (`plugins."io.containerd.grpc.v1.cri"`) for containerd 1.x,
   config v3 (`plugins.'io.containerd.cri.v1.runtime'`) for 2.x. A table at the other layout's path is
   ignored without an error, which is why the major version comes from `components/ami_releases.py`.

If the script fails (bucket unreachable, checksum mismatch) the node still joins but has no runsc:
pods of the gVisor RuntimeClass then fail to start there (fail closed); no pod falls back to runc.
"""

from __future__ import annotations

import base64
import re
import textwrap
from dataclasses import dataclass
from typing import Literal

from components.ami_releases import ARCHITECTURES, Architecture
from components.gvisor import BINARIES, INSTALL_DIR, GvisorRelease, artifact_key

RUNTIME_HANDLER = "runsc"
RUNSC_RUNTIME_TYPE = "io.containerd.runsc.v1"
RUNSC_CONFIG_PATH = "/etc/containerd/runsc.toml"
MIME_BOUNDARY = "//quome-node-user-data//"
NODECONFIG_CONTENT_TYPE = "application/node.eks.aws"

Platform = Literal["systrap", "kvm"]

# Where the CRI runtime table lives, per containerd major version (config v2 vs v3 layout).
_CRI_RUNTIME_PLUGIN = {1: '"io.containerd.grpc.v1.cri"', 2: "'io.containerd.cri.v1.runtime'"}
_CONFIG_VERSION = {1: 2, 2: 3}

_ACCOUNT = re.compile(r"^[0-9]{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def runsc_platform(metal: bool) -> Platform:
    """gVisor recommends KVM on bare metal and systrap inside a VM (no nested virtualization on EC2 VMs)."""
    return "kvm" if metal else "systrap"


def runsc_toml(platform: Platform) -> str:
    """Options the runsc shim passes to every sandbox.

    `oci-seccomp`: gVisor ignores the OCI seccomp profile by default, so a pod's `RuntimeDefault` profile
    (required by Pod Security `restricted`) would be accepted but not applied inside the sandbox; this
    makes the Sentry enforce it on the workload's syscalls as well.
    """
    if platform not in ("systrap", "kvm"):
        raise ValueError(f"runsc platform {platform!r}: allowed are 'systrap' and 'kvm'")
    return f'[runsc_config]\n  platform = "{platform}"\n  oci-seccomp = "true"\n'


def containerd_runtime_toml(containerd_major: int) -> str:
    """The containerd TOML registering the `runsc` handler, in the layout of the AMI's containerd."""
    if containerd_major not in _CRI_RUNTIME_PLUGIN:
        raise ValueError(f"containerd major version {containerd_major}: supported are 1 (config v2) and 2 (config v3)")
    table = f"plugins.{_CRI_RUNTIME_PLUGIN[containerd_major]}.containerd.runtimes.{RUNTIME_HANDLER}"
    return (
        f"version = {_CONFIG_VERSION[containerd_major]}\n"
        f"[{table}]\n"
        f'  runtime_type = "{RUNSC_RUNTIME_TYPE}"\n'
        f"[{table}.options]\n"
        f'  TypeUrl = "{RUNSC_RUNTIME_TYPE}.options"\n'
        f'  ConfigPath = "{RUNSC_CONFIG_PATH}"\n'
    )


def node_config(containerd_toml: str) -> str:
    """A NodeConfig carrying only containerd settings; EKS supplies the cluster part."""
    return (
        "---\n"
        "apiVersion: node.eks.aws/v1alpha1\n"
        "kind: NodeConfig\n"
        "spec:\n"
        "  containerd:\n"
        "    config: |\n" + textwrap.indent(containerd_toml, "      ")
    )


@dataclass(frozen=True)
class SandboxBootstrap:
    """Everything the sandbox node user data depends on, as plain values."""

    artifact_bucket: str
    account_id: str
    """Expected owner of the artifact bucket: a same-named bucket in another account is refused."""
    region: str
    gvisor: GvisorRelease
    architecture: Architecture
    containerd_major: int
    platform: Platform

    def __post_init__(self) -> None:
        if not _BUCKET.match(self.artifact_bucket):
            raise ValueError(f"artifact_bucket {self.artifact_bucket!r} is not a valid S3 bucket name")
        if not _ACCOUNT.match(self.account_id):
            raise ValueError(f"account_id {self.account_id!r} must be a 12-digit AWS account id")
        if not _REGION.match(self.region):
            raise ValueError(f"region {self.region!r} is not an AWS region name such as 'us-east-1'")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture {self.architecture!r}: allowed are {', '.join(ARCHITECTURES)}")
        containerd_runtime_toml(self.containerd_major)
        runsc_toml(self.platform)


def install_script(bootstrap: SandboxBootstrap) -> str:
    """The bash script that installs the pinned, checksum-verified gVisor binaries."""
    fetches = "\n".join(
        f'fetch "{artifact_key(bootstrap.gvisor.release, bootstrap.architecture, binary)}" "{binary}" \\\n'
        f'  "{bootstrap.gvisor.checksum(bootstrap.architecture, binary)}"'
        for binary in BINARIES
    )
    return f"""#!/bin/bash
# gVisor {bootstrap.gvisor.release} ({bootstrap.architecture}) for the containerd runtime handler "{RUNTIME_HANDLER}".
# Binaries come from the stack's artifact bucket through the S3 gateway endpoint, never the internet,
# and are installed only if their SHA-512 equals the value pinned in the platform's code.
set -euo pipefail

readonly BUCKET="{bootstrap.artifact_bucket}"
readonly BUCKET_OWNER="{bootstrap.account_id}"
readonly REGION="{bootstrap.region}"
readonly INSTALL_DIR="{INSTALL_DIR}"

workdir="$(mktemp -d)"
trap 'rm -rf "${{workdir}}"' EXIT

fetch() {{
  local key="$1" binary="$2" sha512="$3" attempt
  # A few retries ride out a mirror that is still being filled; then the node gives up (fail closed).
  for attempt in 1 2 3 4 5; do
    aws s3 cp --only-show-errors --region "${{REGION}}" --expected-bucket-owner "${{BUCKET_OWNER}}" \\
      "s3://${{BUCKET}}/${{key}}" "${{workdir}}/${{binary}}" && break
    [ "${{attempt}}" -lt 5 ] || return 1
    sleep 30
  done
  echo "${{sha512}}  ${{workdir}}/${{binary}}" | sha512sum --check --strict --quiet
  install -o root -g root -m 0755 "${{workdir}}/${{binary}}" "${{INSTALL_DIR}}/${{binary}}"
}}

{fetches}

install -d -o root -g root -m 0755 /etc/containerd
cat > "{RUNSC_CONFIG_PATH}" <<'RUNSC_TOML'
{runsc_toml(bootstrap.platform)}RUNSC_TOML
chmod 0644 "{RUNSC_CONFIG_PATH}"
"""


def sandbox_user_data(bootstrap: SandboxBootstrap) -> str:
    """The MIME multipart user data of a sandbox node (plain text; launch templates take it base64)."""
    parts = (
        ('text/x-shellscript; charset="us-ascii"', install_script(bootstrap)),
        (NODECONFIG_CONTENT_TYPE, node_config(containerd_runtime_toml(bootstrap.containerd_major))),
    )
    lines = ["MIME-Version: 1.0", f'Content-Type: multipart/mixed; boundary="{MIME_BOUNDARY}"', ""]
    for content_type, body in parts:
        lines += [f"--{MIME_BOUNDARY}", f"Content-Type: {content_type}", "", body.rstrip("\n")]
    lines += [f"--{MIME_BOUNDARY}--", ""]
    return "\n".join(lines)


def encode(user_data: str) -> str:
    """Launch templates take user data base64-encoded."""
    return base64.b64encode(user_data.encode("ascii")).decode("ascii")
