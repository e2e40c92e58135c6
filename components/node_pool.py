"""A gVisor sandbox node pool: a hardened launch template and an EKS managed node group on AL2023.

Used by the cluster for the shared sandbox pool and by dedicated organizations for their own pools.
Every sandbox node carries the label and NoSchedule taint `sandbox.quome.io/runtime=gvisor`; only pods
of a gVisor RuntimeClass (whose scheduling block adds the matching nodeSelector and toleration) land
there. A dedicated organization's pool also carries `quome.io/organization=<id>` as label and taint,
matched only by that organization's RuntimeClass `gvisor-<id>`.

Every pool's nodes are also labelled `quome.io/pool=sandbox-<shared|id>`, and the shared pool is selected
by that label, not by the runtime label alone: the runtime label is on dedicated nodes too, and a taint
only keeps off pods that do not tolerate it. A pod may add tolerations of its own (say for
`quome.io/organization=<other>`), but it can never drop a nodeSelector its RuntimeClass adds, and the
kubelet refuses a pod whose nodeSelector its node does not match even when `spec.nodeName` skips the
scheduler. Because of that label an organization may not be called `shared` (its dedicated nodes would
carry the shared pool's label).

These labels are node labels, which a kubelet may otherwise set on its own Node: the cluster's node
admission policy (components/cluster_k8s.py `node_isolation_policy`) refuses a kubelet any change to the
`quome.io/*` and `sandbox.quome.io/*` labels and taints once its node is registered, and accepts
`quome.io/organization=<id>` at registration only from a node whose address lies in that organization's
segment.

The module-level helpers build the launch template and node group both pools and the cluster's
untainted system pool share: IMDSv2 only with a hop limit of 1 (pods cannot reach the node role's
credentials), an encrypted gp3 root volume under the storage key, the network's node security groups,
no SSH key, no public IP (nodes live in private subnets and the template adds no public interface), and
no `image_id`: the AMI is pinned by the node group's `release_version`, so EKS keeps injecting the
cluster's NodeConfig into the user data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.ami_releases import AMI_TYPES, Architecture, parse_release
from components.cluster_spec import check_instance_types, is_metal
from components.gvisor import DEFAULT_GVISOR_RELEASE, gvisor_release
from components.providers import child_options
from components.user_data import SandboxBootstrap, encode, runsc_platform, sandbox_user_data

RUNTIME_LABEL = "sandbox.quome.io/runtime"
RUNTIME_VALUE = "gvisor"
ORGANIZATION_LABEL = "quome.io/organization"
POOL_LABEL = "quome.io/pool"
SHARED_POOL = "shared"
"""The shared pool's name (its nodes' `quome.io/pool` value is `sandbox-shared`); never an organization id."""
SYSTEM_POOL = "system"
"""The `quome.io/pool` value of the cluster's untainted system nodes."""
SANDBOX_POOL_PREFIX = "sandbox-"
ROOT_DEVICE = "/dev/xvda"
"""The root device name of the EKS AL2023 AMIs."""

_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_ORG_ID = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_RESERVED_LABELS = (RUNTIME_LABEL, ORGANIZATION_LABEL, POOL_LABEL)


def pool_label_value(organization_id: str | None) -> str:
    """A sandbox pool's `quome.io/pool` value: `sandbox-shared`, or `sandbox-<organization id>`."""
    return f"{SANDBOX_POOL_PREFIX}{SHARED_POOL if organization_id is None else organization_id}"


@dataclass(frozen=True)
class PoolTaint:
    """A NoSchedule taint; the only effect pools use, so that pods are kept off without being evicted."""

    key: str
    value: str

    eks_effect = "NO_SCHEDULE"
    kubernetes_effect = "NoSchedule"


@dataclass(frozen=True)
class PoolScaling:
    min_size: int
    desired_size: int
    max_size: int

    def __post_init__(self) -> None:
        if not (0 <= self.min_size <= self.desired_size <= self.max_size and self.max_size >= 1):
            raise ValueError(
                f"scaling must satisfy 0 <= min_size <= desired_size <= max_size, max_size >= 1 "
                f"(got {self.min_size}, {self.desired_size}, {self.max_size})"
            )


def hardened_launch_template(
    name: str,
    *,
    storage_key_arn: pulumi.Input[str],
    security_group_ids: Sequence[pulumi.Input[str]],
    disk_size_gib: int,
    user_data: str | None,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.ec2.LaunchTemplate:
    """The launch template of every node group (see the module docstring for each setting's reason)."""
    if not security_group_ids:
        raise ValueError(f"launch template {name}: security_group_ids must name the network's node security group(s)")
    return aws.ec2.LaunchTemplate(
        name,
        description=f"EKS nodes ({name}): IMDSv2 hop limit 1, encrypted root volume, no SSH, no public IP",
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled",
            http_tokens="required",
            http_put_response_hop_limit=1,
            instance_metadata_tags="disabled",
        ),
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name=ROOT_DEVICE,
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=disk_size_gib,
                    volume_type="gp3",
                    encrypted="true",
                    kms_key_id=storage_key_arn,
                    delete_on_termination="true",
                ),
            )
        ],
        vpc_security_group_ids=list(security_group_ids),
        user_data=encode(user_data) if user_data is not None else None,
        update_default_version=True,
        tag_specifications=[
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=dict(tags))
            for kind in ("instance", "volume", "network-interface")
        ],
        opts=opts,
    )


def managed_node_group(
    name: str,
    *,
    cluster_name: pulumi.Input[str],
    node_role_arn: pulumi.Input[str],
    subnet_ids: Sequence[pulumi.Input[str]],
    launch_template: aws.ec2.LaunchTemplate,
    architecture: Architecture,
    instance_types: Sequence[str],
    scaling: PoolScaling,
    kubernetes_version: str,
    release_version: str,
    labels: Mapping[str, str],
    taints: Sequence[PoolTaint],
    opts: pulumi.ResourceOptions,
) -> aws.eks.NodeGroup:
    """An EKS managed node group on the launch template, AMI pinned by release (never remote access)."""
    if not subnet_ids:
        raise ValueError(f"node group {name}: subnet_ids must name the private subnets")
    return aws.eks.NodeGroup(
        name,
        cluster_name=cluster_name,
        node_role_arn=node_role_arn,
        subnet_ids=list(subnet_ids),
        ami_type=AMI_TYPES[architecture],
        version=kubernetes_version,
        release_version=release_version,
        capacity_type="ON_DEMAND",
        instance_types=list(instance_types),
        launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
            id=launch_template.id,
            version=launch_template.latest_version.apply(str),
        ),
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
            min_size=scaling.min_size, desired_size=scaling.desired_size, max_size=scaling.max_size
        ),
        update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        labels=dict(labels),
        taints=[aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value, effect=t.eks_effect) for t in taints],
        opts=opts,
    )


@dataclass(frozen=True)
class SandboxNodePoolArgs:
    """Inputs of a gVisor node pool. Instance types, release and gVisor version are checked eagerly."""

    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets (the shared tier, or a dedicated organization's segment)."""
    security_group_ids: Sequence[pulumi.Input[str]]
    """The network's node security group(s) for this pool; EKS adds no cluster security group to them."""
    storage_key_arn: pulumi.Input[str]
    instance_types: tuple[str, ...]
    """Memory-encrypting families of `architecture` only (components/cluster_spec.py)."""
    architecture: Architecture
    scaling: PoolScaling
    kubernetes_version: str
    release_version: str
    """EKS AMI release; its containerd major version places the runsc runtime in the NodeConfig."""
    artifact_bucket: str
    """In-region bucket mirroring the pinned gVisor binaries."""
    account_id: str
    region: str
    gvisor_release: str = DEFAULT_GVISOR_RELEASE
    organization_id: str | None = None
    """None: the shared pool. An id: a dedicated pool, labelled and tainted for that organization only."""
    disk_size_gib: int = 50
    extra_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """More node labels; may not redefine the runtime, organization or pool labels."""

    def __post_init__(self) -> None:
        check_instance_types(tuple(self.instance_types), self.architecture)
        release = parse_release(self.release_version)
        if release.kubernetes != self.kubernetes_version:
            raise ValueError(
                f"release_version {self.release_version!r} is for Kubernetes {release.kubernetes}, "
                f"the pool runs {self.kubernetes_version}"
            )
        gvisor_release(self.gvisor_release)
        if self.organization_id is not None and not _ORG_ID.match(self.organization_id):
            raise ValueError(f"organization_id {self.organization_id!r} must be a DNS-1123 label")
        if self.organization_id == SHARED_POOL:
            raise ValueError(
                f"organization_id {SHARED_POOL!r} is reserved: its nodes would carry {POOL_LABEL}={self.pool_label}, "
                "the shared pool's label, and the shared RuntimeClass would select them"
            )
        clashes = sorted(set(self.extra_labels) & set(_RESERVED_LABELS))
        if clashes:
            raise ValueError(f"extra_labels may not set {', '.join(clashes)}: the pool sets them itself")
        bad = [f"{k}={v}" for k, v in self.extra_labels.items() if not _LABEL_VALUE.match(v)]
        if bad:
            raise ValueError(f"extra_labels {', '.join(bad)}: values must be Kubernetes label values")
        if not 20 <= self.disk_size_gib <= 1000:
            raise ValueError(f"disk_size_gib {self.disk_size_gib}: allowed 20 to 1000")

    @property
    def pool_label(self) -> str:
        """This pool's `quome.io/pool` value: `sandbox-shared`, or `sandbox-<organization id>`."""
        return pool_label_value(self.organization_id)

    @property
    def node_selector(self) -> dict[str, str]:
        """The labels a RuntimeClass selects this pool's nodes by.

        Shared: the runtime and pool labels (dedicated nodes carry the runtime label too). Dedicated: the
        runtime and organization labels, which only that organization's nodes carry.
        """
        selector = {RUNTIME_LABEL: RUNTIME_VALUE}
        if self.organization_id is None:
            selector[POOL_LABEL] = self.pool_label
        else:
            selector[ORGANIZATION_LABEL] = self.organization_id
        return selector

    @property
    def taints(self) -> tuple[PoolTaint, ...]:
        taints = [PoolTaint(RUNTIME_LABEL, RUNTIME_VALUE)]
        if self.organization_id is not None:
            taints.append(PoolTaint(ORGANIZATION_LABEL, self.organization_id))
        return tuple(taints)

    @property
    def bootstrap(self) -> SandboxBootstrap:
        metal = is_metal(self.instance_types[0])
        return SandboxBootstrap(
            artifact_bucket=self.artifact_bucket,
            account_id=self.account_id,
            region=self.region,
            gvisor=gvisor_release(self.gvisor_release),
            architecture=self.architecture,
            containerd_major=parse_release(self.release_version).containerd_major,
            platform=runsc_platform(metal),
        )


class SandboxNodePool(pulumi.ComponentResource):
    """gVisor nodes: label and taint `sandbox.quome.io/runtime=gvisor:NoSchedule` (plus the organization's)."""

    launch_template: aws.ec2.LaunchTemplate
    node_group: aws.eks.NodeGroup
    node_selector: dict[str, str]
    taints: tuple[PoolTaint, ...]
    user_data: str

    def __init__(
        self,
        name: str,
        args: SandboxNodePoolArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("quome:node_pool:SandboxNodePool", name, None, opts)
        self.node_selector = args.node_selector
        self.taints = args.taints
        self.user_data = sandbox_user_data(args.bootstrap)
        self.launch_template = hardened_launch_template(
            f"{name}-lt",
            storage_key_arn=args.storage_key_arn,
            security_group_ids=args.security_group_ids,
            disk_size_gib=args.disk_size_gib,
            user_data=self.user_data,
            tags={"Name": f"{name}", POOL_LABEL: args.pool_label},
            opts=child_options(self, provider),
        )
        self.node_group = managed_node_group(
            name,
            cluster_name=args.cluster_name,
            node_role_arn=args.node_role_arn,
            subnet_ids=args.subnet_ids,
            launch_template=self.launch_template,
            architecture=args.architecture,
            instance_types=args.instance_types,
            scaling=args.scaling,
            kubernetes_version=args.kubernetes_version,
            release_version=args.release_version,
            labels={**args.extra_labels, **self.node_selector, POOL_LABEL: args.pool_label},
            taints=self.taints,
            opts=child_options(self, provider),
        )
        self.register_outputs(
            {
                "nodeGroupName": self.node_group.node_group_name,
                "launchTemplateId": self.launch_template.id,
                "nodeSelector": self.node_selector,
            }
        )
