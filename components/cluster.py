"""The EKS cluster: private control plane, gVisor sandbox pools, and the cluster-level Kubernetes objects.

What it creates, and why:
- The control-plane log group `/aws/eks/<name>/cluster` before the cluster (KMS logs key, audit
  retention): otherwise EKS creates it itself, unencrypted and never expiring. All five log types.
- The cluster in the private subnets; secrets envelope-encrypted with the cluster key; private endpoint
  on, public endpoint off unless the stack names CIDRs (never 0.0.0.0/0), so `pulumi up` runs from
  inside the VPC or a network connected to it. The network's control-plane security group is attached
  as an additional cluster security group. Deletion protection in prod.
- Authentication mode `API`: access entries only, no aws-auth ConfigMap, and no implicit admin for
  whoever created the cluster. The configured deployer role gets the one cluster-admin access policy;
  the Kubernetes provider depends on it, or nothing inside the cluster could be created. Every other
  access entry goes through `grant_access` (kubernetes groups, never an EKS access policy). The node
  role's entry is created by EKS itself for managed node groups.
- Managed add-ons, created by EKS rather than bootstrapped: vpc-cni (network policy enforcement on; its
  AWS permissions through an EKS Pod Identity association, so the node role carries no CNI policy and
  no host process inherits it), kube-proxy, eks-pod-identity-agent, coredns and aws-ebs-csi-driver (a
  Pod Identity role granted on the storage key and on every organization key, whose StorageClasses it
  provisions; its name `<cluster>-ebs-csi` follows from the spec, so those keys' EC2 statements name
  exactly it: `ebs_csi_role_arn`). DaemonSet add-ons come before any node group, the others after the
  system pool (their pods need nodes to become active).
- A system node group (untainted) and the shared gVisor pool (components/node_pool.py), both through
  hardened launch templates.
- The in-region artifact bucket mirroring the pinned gVisor binaries: versioned, SSE-KMS with the storage
  key and bucket keys, TLS-only, public access blocked, ACLs disabled, access-logged to the audit trail's
  access-log bucket. Nodes read only `gvisor/*`, through the S3 gateway endpoint.
- Through a Kubernetes provider built from the cluster's outputs: RuntimeClass `gvisor` (selecting the
  shared pool by its `quome.io/pool` label, so never a dedicated organization's nodes), the default
  encrypted gp3 StorageClass (system namespaces only: tenants must use their organization's class),
  the tenant admission policy, and the node admission policy that keeps kubelets from rewriting the
  placement labels the RuntimeClasses select by (components/cluster_k8s.py).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.buckets import (
    AccessLogging,
    BucketChildNames,
    BucketHardeningArgs,
    bucket_arn,
    deny_insecure_transport,
    harden_bucket,
)
from components.cluster_k8s import (
    DEFAULT_STORAGE_CLASS,
    SHARED_RUNTIME_CLASS,
    encrypted_storage_class,
    gvisor_runtime_class,
    kubeconfig,
    node_isolation_policy,
    tenant_admission_policy,
)
from components.address_plan import plan_addresses
from components.cluster_spec import ClusterSpec, NodePoolSpec
from components.config import PlatformSpec
from components.gvisor import ARTIFACT_PREFIX
from components.keys import KEY_USE_ACTIONS, KeyUseGrant
from components.log_retention import cloudwatch_retention_days
from components.network import artifact_bucket_name
from components.node_pool import (
    POOL_LABEL,
    SYSTEM_POOL,
    PoolScaling,
    SandboxNodePool,
    SandboxNodePoolArgs,
    hardened_launch_template,
    managed_node_group,
)
from components.providers import child_options, stateful_options

__all__ = [
    "AccessEntryRequest",
    "Cluster",
    "ClusterArgs",
    "DEFAULT_STORAGE_CLASS",
    "SHARED_RUNTIME_CLASS",
    "ebs_csi_key_grant",
    "ebs_csi_role_arn",
    "key_grants",
]

PARTITION = "aws"
CONTROL_PLANE_LOG_TYPES: tuple[str, ...] = ("api", "audit", "authenticator", "controllerManager", "scheduler")
CLUSTER_ADMIN_POLICY_ARN = f"arn:{PARTITION}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
MANAGED_POLICY = f"arn:{PARTITION}:iam::aws:policy"
CLUSTER_ROLE_POLICIES: tuple[str, ...] = (f"{MANAGED_POLICY}/AmazonEKSClusterPolicy",)
NODE_ROLE_POLICIES: tuple[str, ...] = (
    f"{MANAGED_POLICY}/AmazonEKSWorkerNodePolicy",
    f"{MANAGED_POLICY}/AmazonEC2ContainerRegistryPullOnly",
)
CNI_ROLE_POLICIES: tuple[str, ...] = (f"{MANAGED_POLICY}/AmazonEKS_CNI_Policy",)
EBS_CSI_ROLE_POLICIES: tuple[str, ...] = (f"{MANAGED_POLICY}/service-role/AmazonEBSCSIDriverPolicy",)
ADDON_CONFLICT_RESOLUTION = "OVERWRITE"
"""The platform's add-on configuration wins over in-cluster edits, at creation and on every update."""

ARTIFACT_BUCKET_CHILD_NAMES = BucketChildNames(public_access_block="public-access", encryption="encryption")
"""The suffixes the artifact bucket's neighbours were first deployed with (a rename would replace them)."""

_ACCESS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_GROUP = re.compile(r"^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$")


@dataclass(frozen=True)
class Addon:
    name: str
    service_account: str | None = None
    """Kubernetes service account of a Pod Identity association, when the add-on calls AWS."""
    namespace: str = "kube-system"


VPC_CNI = Addon("vpc-cni", service_account="aws-node")
KUBE_PROXY = Addon("kube-proxy")
POD_IDENTITY_AGENT = Addon("eks-pod-identity-agent")
COREDNS = Addon("coredns")
EBS_CSI = Addon("aws-ebs-csi-driver", service_account="ebs-csi-controller-sa")

VPC_CNI_CONFIGURATION: Mapping[str, Any] = {"enableNetworkPolicy": "true"}
"""Without it the VPC CNI accepts NetworkPolicies and enforces none of them."""
EBS_CSI_CONFIGURATION: Mapping[str, Any] = {"node": {"tolerateAllTaints": True}}
"""The node plugin must run on the tainted sandbox nodes too, or their pods could not mount volumes."""
VOLUME_KEY_ACTIONS: tuple[str, ...] = (
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptTo",
    "kms:DescribeKey",
)
"""What creating and attaching EBS volumes needs of a key besides CreateGrant (EC2 decrypts through the
grant), and all that an organization key allows through EC2 (components/organization.py EBS_KEY_ACTIONS
is this tuple)."""


IAM_NAME_MAX = 64
EBS_CSI_ROLE = "ebs-csi"
EBS_CSI_KEY_GRANT_SID = "EbsCsiDriverVolumes"
"""The statement of a volume key that lets the EBS CSI driver's role, and no other principal, use it through EC2."""


def iam_name(cluster_name: str, suffix: str) -> str:
    """The name of an IAM role or policy of the cluster. IAM names are account-wide and at most 64 characters;
    the cluster's name keeps two clusters of one account apart (quome:cluster.name is capped for this)."""
    name = f"{cluster_name}-{suffix}"
    if len(name) > IAM_NAME_MAX:
        raise ValueError(
            f"quome:cluster.name = {cluster_name!r}: the IAM name {name!r} derived from it is {len(name)} characters; "
            f"IAM allows {IAM_NAME_MAX}"
        )
    return name


def ebs_csi_role_arn(spec: PlatformSpec) -> str:
    """The EBS CSI driver's Pod Identity role, known from the spec alone: the keys come before the cluster and
    name it in an aws:PrincipalArn condition (the role is created without a path)."""
    return f"arn:{PARTITION}:iam::{spec.account_id}:role/{iam_name(spec.cluster.name, EBS_CSI_ROLE)}"


def ebs_csi_key_grant(spec: PlatformSpec, key: str, actions: tuple[str, ...] = KEY_USE_ACTIONS) -> KeyUseGrant:
    """A volume key through EC2 for the EBS CSI driver's role only, with CreateGrant for AWS resources (EC2
    decrypts an attached volume's data key through it). Without the named role any principal of the account
    with EC2 permissions could create, or restore from a snapshot, volumes under the key and attach them."""
    return KeyUseGrant(
        key=key,
        via_services=("ec2",),
        actions=actions,
        allow_create_grant=True,
        principal_arns=(ebs_csi_role_arn(spec),),
        sid=EBS_CSI_KEY_GRANT_SID,
    )


def key_grants(spec: PlatformSpec) -> tuple[KeyUseGrant, ...]:
    """Key uses of the cluster, always through an AWS service of the stack's region.

    - cluster key through EKS: secrets envelope encryption (EKS creates a grant for the control plane).
    - storage key through EC2, for the EBS CSI driver's role only: the default StorageClass's volumes. Node
      root volumes are launched by EC2 Auto Scaling as its service-linked role, which the key policy names
      itself (components/keys.py autoscaling_key_purposes); AWS Backup's role has its own grant
      (components/backup.py). Where the storage key is also the account's default EBS key (baseline stacks,
      components/account_baseline.py), that module asks for the account-wide use that default implies.
    - storage key through S3: nodes read, and operators write, the SSE-KMS artifact bucket.
    """
    return (
        KeyUseGrant(key="cluster", via_services=("eks",), allow_create_grant=True),
        ebs_csi_key_grant(spec, "storage"),
        KeyUseGrant(
            key="storage", via_services=("s3",), actions=("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        ),
    )


@dataclass(frozen=True)
class AccessEntryRequest:
    """A principal that gets into the cluster as members of Kubernetes groups (bound by RBAC, nothing else)."""

    principal_arn: pulumi.Input[str]
    kubernetes_groups: tuple[str, ...]
    name: str
    """Unique per cluster; names the access entry resource."""

    def __post_init__(self) -> None:
        if not _ACCESS_NAME.match(self.name):
            raise ValueError(f"AccessEntryRequest.name = {self.name!r}: must be a DNS-1123 label")
        if not isinstance(self.kubernetes_groups, tuple) or not self.kubernetes_groups:
            raise ValueError(
                f"AccessEntryRequest({self.name}).kubernetes_groups must be a non-empty tuple: without a group the "
                "principal gets nothing (no EKS access policy is ever attached for it)"
            )
        for group in self.kubernetes_groups:
            if group.startswith("system:") or not _GROUP.match(group):
                raise ValueError(
                    f"AccessEntryRequest({self.name}).kubernetes_groups contains {group!r}: use lower-case platform "
                    "groups; 'system:' groups (e.g. system:masters) are Kubernetes' own and never granted"
                )


@dataclass(frozen=True)
class ClusterArgs:
    """Everything the cluster needs; the decisions are plain values from the validated spec."""

    config: ClusterSpec
    account_id: str
    region: str
    deployer_role_arn: str
    """The role `pulumi up` runs as: the cluster's only admin (AmazonEKSClusterAdminPolicy, cluster scope)."""
    deletion_protection: bool
    """On in prod: the EKS API then refuses to delete the cluster."""
    log_retention_days: int
    """Control-plane log retention: a CloudWatch value of at least 365 days, or 0 (never expire)."""
    private_subnet_ids: Sequence[pulumi.Input[str]]
    """Shared private subnets, one per AZ: control-plane ENIs, system and shared sandbox nodes."""
    control_plane_security_group_id: pulumi.Input[str]
    node_security_group_id: pulumi.Input[str]
    """The network's shared node group (system and shared sandbox nodes)."""
    cluster_key_arn: pulumi.Input[str]
    storage_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    access_log_bucket_name: pulumi.Input[str]
    """The audit trail's S3 access-log bucket; the artifact bucket logs there."""
    volume_key_arns: tuple[pulumi.Input[str], ...] = ()
    """More keys the EBS CSI driver encrypts volumes with: the organizations' keys, which their
    StorageClasses name. Default: none (only the storage key's default StorageClass can provision)."""
    node_segments: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Dedicated organization id -> CIDR of its network segment (the address plan): the node admission
    policy accepts a node's organization label only from a node inside that segment."""
    protect: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.volume_key_arns, tuple):
            raise TypeError(f"ClusterArgs.volume_key_arns must be a tuple, got {type(self.volume_key_arns).__name__}")
        for org_id, cidr in self.node_segments.items():
            try:
                segment = ipaddress.IPv4Network(cidr, strict=True)
            except ValueError as error:
                raise ValueError(
                    f"ClusterArgs.node_segments[{org_id!r}] = {cidr!r}: not an IPv4 network ({error})"
                ) from None
            if not 16 <= segment.prefixlen <= 24:
                raise ValueError(
                    f"ClusterArgs.node_segments[{org_id!r}] = {cidr!r}: an organization segment is /16 to /24"
                )
        if not re.fullmatch(r"[0-9]{12}", self.account_id):
            raise ValueError(f"ClusterArgs.account_id = {self.account_id!r}: must be a 12-digit AWS account id")
        if not self.deployer_role_arn.startswith(f"arn:{PARTITION}:iam::{self.account_id}:role/"):
            raise ValueError(
                f"ClusterArgs.deployer_role_arn = {self.deployer_role_arn!r}: "
                f"must be an IAM role of account {self.account_id}"
            )
        if self.log_retention_days != 0 and self.log_retention_days < 365:
            raise ValueError(
                f"ClusterArgs.log_retention_days = {self.log_retention_days}: "
                "audit logs are kept at least 365 days (or 0, forever)"
            )
        if len(self.private_subnet_ids) < 2:
            raise ValueError(
                f"ClusterArgs.private_subnet_ids has {len(self.private_subnet_ids)} subnet(s): "
                "EKS needs subnets in at least two AZs"
            )

    @classmethod
    def from_spec(
        cls,
        spec: PlatformSpec,
        *,
        private_subnet_ids: Sequence[pulumi.Input[str]],
        control_plane_security_group_id: pulumi.Input[str],
        node_security_group_id: pulumi.Input[str],
        cluster_key_arn: pulumi.Input[str],
        storage_key_arn: pulumi.Input[str],
        logs_key_arn: pulumi.Input[str],
        access_log_bucket_name: pulumi.Input[str],
        protect: bool,
        volume_key_arns: tuple[pulumi.Input[str], ...] = (),
    ) -> "ClusterArgs":
        segments = plan_addresses(spec.network, spec.organizations).segments
        return cls(
            config=spec.cluster,
            account_id=spec.account_id,
            region=spec.region,
            deployer_role_arn=spec.deployer_role_arn,
            deletion_protection=spec.environment == "prod",
            log_retention_days=cloudwatch_retention_days(spec.audit_retention_years),
            private_subnet_ids=list(private_subnet_ids),
            control_plane_security_group_id=control_plane_security_group_id,
            node_security_group_id=node_security_group_id,
            cluster_key_arn=cluster_key_arn,
            storage_key_arn=storage_key_arn,
            logs_key_arn=logs_key_arn,
            access_log_bucket_name=access_log_bucket_name,
            volume_key_arns=volume_key_arns,
            node_segments=MappingProxyType({org_id: str(segment.cidr) for org_id, segment in segments.items()}),
            protect=protect,
        )

    @property
    def artifact_bucket(self) -> str:
        return artifact_bucket_name(self.account_id, self.region)

    @property
    def log_group_name(self) -> str:
        return f"/aws/eks/{self.config.name}/cluster"


# --- policy documents (pure: tests read exactly what IAM and S3 get) ----------------------------------


def service_trust_policy(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ServiceAssumesRole",
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": ["sts:AssumeRole", "sts:TagSession"] if service == "eks.amazonaws.com" else "sts:AssumeRole",
            }
        ],
    }


def pod_identity_trust_policy(
    account_id: str,
    cluster_arn: pulumi.Input[str],
    namespace: str,
    service_account: str,
    sid: str = "PodIdentityForOneServiceAccount",
) -> dict[str, Any]:
    """EKS Pod Identity may assume the role only for one service account of one cluster of this account.

    Pod Identity tags the session with the cluster ARN, namespace and service account; requiring them
    means a second association (in another namespace, or another cluster) pointing at this role is
    refused by STS, not only by whoever reviews associations. The ARN, not the cluster's name, which is
    unique only within one account and region; `aws:SourceAccount` keeps the service principal to this
    account. Used for the add-ons' roles here and the organizations' workload roles.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": account_id,
                        "aws:RequestTag/eks-cluster-arn": cluster_arn,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": service_account,
                    }
                },
            }
        ],
    }


def node_artifact_policy(bucket: str, storage_key_arn: str, region: str) -> dict[str, Any]:
    """Nodes read the mirrored gVisor binaries, and decrypt them only as S3 asks."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadGvisorArtifacts",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:{PARTITION}:s3:::{bucket}/{ARTIFACT_PREFIX}/*",
            },
            {
                "Sid": "DecryptArtifactsThroughS3",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": storage_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            },
        ],
    }


def ebs_csi_key_policy(storage_key_arn: str, region: str, volume_key_arns: Sequence[str] = ()) -> dict[str, Any]:
    """The EBS CSI controller encrypts volumes with the storage key and the organizations' keys, through EC2 only.

    The organization keys get no Encrypt or Decrypt: their key policies allow neither through EC2 (only an
    org's own roles decrypt with its key), and volumes do not need them.
    """
    via_ec2 = {"kms:ViaService": f"ec2.{region}.amazonaws.com"}
    volume_keys = list(volume_key_arns)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "UseStorageKeyForVolumes",
            "Effect": "Allow",
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:DescribeKey",
            ],
            "Resource": storage_key_arn,
            "Condition": {"StringEquals": via_ec2},
        },
    ]
    if volume_keys:
        statements.append(
            {
                "Sid": "UseOrganizationKeysForVolumes",
                "Effect": "Allow",
                "Action": list(VOLUME_KEY_ACTIONS),
                "Resource": volume_keys,
                "Condition": {"StringEquals": via_ec2},
            }
        )
    statements.append(
        {
            "Sid": "GrantsForAttachedVolumes",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": [storage_key_arn, *volume_keys] if volume_keys else storage_key_arn,
            "Condition": {"StringEquals": via_ec2, "Bool": {"kms:GrantIsForAWSResource": "true"}},
        }
    )
    return {"Version": "2012-10-17", "Statement": statements}


def artifact_bucket_policy(bucket: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [deny_insecure_transport(bucket_arn(bucket))]}


# --- the component -------------------------------------------------------------------------------------


class Cluster(pulumi.ComponentResource):
    """EKS with a system pool and the shared gVisor pool; owner of every access entry of the cluster."""

    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    k8s_provider: k8s.Provider
    node_role_arn: pulumi.Output[str]
    node_role_name: pulumi.Output[str]
    pool_template: SandboxNodePoolArgs
    """The shared sandbox pool's settings; a dedicated organization's pool replaces subnets, security
    group and organization id (its label and taint follow from the id)."""

    def __init__(
        self,
        name: str,
        args: ClusterArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("quome:cluster:Cluster", name, None, opts)
        self._name = name
        self._args = args
        self._provider = provider
        config = args.config
        self.cluster_name = config.name
        self.version = config.version
        self.release_version = config.ami_release.release_version
        self.artifact_bucket_name = args.artifact_bucket
        self.access_entries: dict[str, aws.eks.AccessEntry] = {}
        self._roles: dict[str, aws.iam.Role] = {}
        self._attachments: dict[str, list[aws.iam.RolePolicyAttachment]] = {}

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=args.log_group_name,
            kms_key_id=args.logs_key_arn,
            retention_in_days=args.log_retention_days,
            deletion_protection_enabled=args.protect,
            opts=stateful_options(self, provider, args.protect),
        )
        cluster_role = self._role("control-plane", service_trust_policy("eks.amazonaws.com"), CLUSTER_ROLE_POLICIES)
        self.eks = aws.eks.Cluster(
            f"{name}-eks",
            name=config.name,
            version=config.version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=list(args.private_subnet_ids),
                security_group_ids=[args.control_plane_security_group_id],
                endpoint_private_access=True,
                endpoint_public_access=bool(config.public_access_cidrs),
                public_access_cidrs=list(config.public_access_cidrs) or None,
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=False,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=args.cluster_key_arn),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            bootstrap_self_managed_addons=False,
            deletion_protection=args.deletion_protection,
            opts=stateful_options(
                self, provider, args.protect, depends_on=[self.log_group, *self._attachments["control-plane"]]
            ),
        )
        self.name = self.eks.name
        self.arn = self.eks.arn
        self.endpoint = self.eks.endpoint
        self.cluster_security_group_id = self.eks.vpc_config.cluster_security_group_id

        self.deployer_access = aws.eks.AccessEntry(
            f"{name}-deployer",
            cluster_name=self.eks.name,
            principal_arn=args.deployer_role_arn,
            type="STANDARD",
            opts=child_options(self, provider),
        )
        self.deployer_admin = aws.eks.AccessPolicyAssociation(
            f"{name}-deployer-admin",
            cluster_name=self.eks.name,
            principal_arn=self.deployer_access.principal_arn,
            policy_arn=CLUSTER_ADMIN_POLICY_ARN,
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            opts=child_options(self, provider),
        )

        node_role = self._role("node", service_trust_policy("ec2.amazonaws.com"), NODE_ROLE_POLICIES)
        self._customer_policy(
            "node",
            node_role,
            "node-artifacts",
            "Nodes read the mirrored gVisor binaries",
            pulumi.Output.from_input(args.storage_key_arn).apply(
                lambda key: json.dumps(node_artifact_policy(args.artifact_bucket, key, args.region))
            ),
        )
        self.node_role_arn = node_role.arn
        self.node_role_name = node_role.name

        self.artifact_bucket = self._artifact_bucket()

        agent = self._addon(POD_IDENTITY_AGENT)
        cni = self._addon(
            VPC_CNI,
            configuration=VPC_CNI_CONFIGURATION,
            role=self._pod_identity_role("vpc-cni", VPC_CNI, CNI_ROLE_POLICIES),
            depends_on=[agent],
        )
        kube_proxy = self._addon(KUBE_PROXY)
        # Node groups take the cluster name through this output, so they wait for the node add-ons
        # (a node without the CNI never becomes Ready and its group's creation would time out).
        compute_cluster_name = pulumi.Output.all(self.eks.name, agent.arn, cni.arn, kube_proxy.arn).apply(
            lambda values: values[0]
        )

        self.system_node_group = self._system_pool(config.system_pool, compute_cluster_name, node_role)
        self.pool_template = SandboxNodePoolArgs(
            cluster_name=compute_cluster_name,
            node_role_arn=node_role.arn,
            subnet_ids=list(args.private_subnet_ids),
            security_group_ids=[args.node_security_group_id],
            storage_key_arn=args.storage_key_arn,
            instance_types=config.sandbox_pool.instance_types,
            architecture=config.sandbox_pool.architecture,
            scaling=_scaling(config.sandbox_pool),
            kubernetes_version=config.version,
            release_version=self.release_version,
            artifact_bucket=args.artifact_bucket,
            account_id=args.account_id,
            region=args.region,
            gvisor_release=config.gvisor_release,
            disk_size_gib=config.sandbox_pool.disk_size_gib,
        )
        self.pool_dependencies: tuple[pulumi.Resource, ...] = (self.artifact_bucket, *self._attachments["node"])
        """What sandbox nodes need before they boot: the binaries' bucket and the node role's policies."""
        self.sandbox_pool = SandboxNodePool(
            f"{name}-sandbox",
            self.pool_template,
            provider,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.pool_dependencies)),
        )

        self._addon(COREDNS, depends_on=[self.system_node_group])
        self._addon(
            EBS_CSI,
            configuration=EBS_CSI_CONFIGURATION,
            role=self._pod_identity_role(
                EBS_CSI_ROLE,
                EBS_CSI,
                EBS_CSI_ROLE_POLICIES,
                key_policy=pulumi.Output.all(args.storage_key_arn, *args.volume_key_arns).apply(
                    lambda keys: json.dumps(ebs_csi_key_policy(keys[0], args.region, keys[1:]))
                ),
            ),
            depends_on=[agent, self.system_node_group],
        )

        self.k8s_provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=pulumi.Output.all(
                self.eks.name, self.eks.endpoint, self.eks.certificate_authority.apply(lambda ca: ca.data)
            ).apply(lambda v: kubeconfig(v[0], v[1], v[2], args.region)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployer_access, self.deployer_admin]),
        )
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=self.k8s_provider)
        self.runtime_class = gvisor_runtime_class(
            f"{name}-runtime-class",
            SHARED_RUNTIME_CLASS,
            self.pool_template.node_selector,
            self.pool_template.taints,
            k8s_opts,
        )
        self.storage_class = encrypted_storage_class(
            f"{name}-storage-class", DEFAULT_STORAGE_CLASS, args.storage_key_arn, k8s_opts, default=True
        )
        self.admission_policy, self.admission_bindings = tenant_admission_policy(f"{name}-tenant-admission", k8s_opts)
        self.node_admission_policy, self.node_admission_binding = node_isolation_policy(
            f"{name}-node-admission", args.node_segments, k8s_opts
        )

        self.register_outputs(
            {
                "clusterName": self.eks.name,
                "clusterArn": self.eks.arn,
                "endpoint": self.eks.endpoint,
                "nodeRoleArn": self.node_role_arn,
                "artifactBucket": self.artifact_bucket.bucket,
                "releaseVersion": self.release_version,
            }
        )

    # -- access ----------------------------------------------------------------------------------------
    def grant_access(self, request: AccessEntryRequest) -> aws.eks.AccessEntry:
        """An access entry mapping the principal to Kubernetes groups; RBAC decides what they may do."""
        if request.name in self.access_entries:
            raise ValueError(f"Cluster.grant_access: an access entry named {request.name!r} already exists")
        entry = aws.eks.AccessEntry(
            f"{self._name}-access-{request.name}",
            cluster_name=self.eks.name,
            principal_arn=request.principal_arn,
            kubernetes_groups=list(request.kubernetes_groups),
            type="STANDARD",
            opts=child_options(self, self._provider),
        )
        self.access_entries[request.name] = entry
        return entry

    # -- helpers ---------------------------------------------------------------------------------------
    def _role(self, role: str, trust: Mapping[str, Any], managed_policies: Sequence[str]) -> aws.iam.Role:
        iam_role = aws.iam.Role(
            f"{self._name}-{role}-role",
            name=iam_name(self.cluster_name, role),
            # Output.json_dumps: a Pod Identity trust names the cluster's ARN, an output of the cluster.
            assume_role_policy=pulumi.Output.json_dumps(trust),
            description=f"EKS {self.cluster_name}: {role}",
            opts=child_options(self, self._provider),
        )
        self._roles[role] = iam_role
        self._attachments[role] = [
            aws.iam.RolePolicyAttachment(
                f"{self._name}-{role}-{arn.rsplit('/', 1)[1]}",
                role=iam_role.name,
                policy_arn=arn,
                opts=child_options(self, self._provider),
            )
            for arn in managed_policies
        ]
        return iam_role

    def _customer_policy(
        self, role_key: str, role: aws.iam.Role, policy_name: str, description: str, document: pulumi.Input[str]
    ) -> None:
        """A customer-managed policy attached to the role: no inline role policies on the platform."""
        policy = aws.iam.Policy(
            f"{self._name}-{policy_name}",
            name=iam_name(self.cluster_name, policy_name),
            description=description,
            policy=document,
            opts=child_options(self, self._provider),
        )
        self._attachments[role_key].append(
            aws.iam.RolePolicyAttachment(
                f"{self._name}-{policy_name}",
                role=role.name,
                policy_arn=policy.arn,
                opts=child_options(self, self._provider),
            )
        )

    def _pod_identity_role(
        self,
        role: str,
        addon: Addon,
        managed_policies: Sequence[str],
        key_policy: pulumi.Input[str] | None = None,
    ) -> str:
        assert addon.service_account is not None
        trust = pod_identity_trust_policy(self._args.account_id, self.eks.arn, addon.namespace, addon.service_account)
        iam_role = self._role(role, trust, managed_policies)
        if key_policy is not None:
            # The description stays as first written although the policy now also names the organization
            # keys: IAM cannot change a policy's description, and replacing this named policy would collide
            # with itself.
            self._customer_policy(
                role, iam_role, f"{role}-kms", f"{addon.name} uses the storage key through EC2", key_policy
            )
        return role

    def _addon(
        self,
        addon: Addon,
        configuration: Mapping[str, Any] | None = None,
        role: str | None = None,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> aws.eks.Addon:
        """A managed add-on; `role` names its Pod Identity role, whose policies must exist before it starts."""
        associations = None
        extra: list[pulumi.Resource] = []
        if role is not None:
            assert addon.service_account is not None
            associations = [
                aws.eks.AddonPodIdentityAssociationArgs(
                    role_arn=self._roles[role].arn, service_account=addon.service_account
                )
            ]
            extra = list(self._attachments[role])
        return aws.eks.Addon(
            f"{self._name}-{addon.name}",
            cluster_name=self.eks.name,
            addon_name=addon.name,
            configuration_values=json.dumps(configuration) if configuration is not None else None,
            pod_identity_associations=associations,
            resolve_conflicts_on_create=ADDON_CONFLICT_RESOLUTION,
            resolve_conflicts_on_update=ADDON_CONFLICT_RESOLUTION,
            opts=child_options(self, self._provider, depends_on=[*depends_on, *extra]),
        )

    def _system_pool(
        self,
        pool: NodePoolSpec,
        cluster_name: pulumi.Output[str],
        node_role: aws.iam.Role,
    ) -> aws.eks.NodeGroup:
        template = hardened_launch_template(
            f"{self._name}-system-lt",
            storage_key_arn=self._args.storage_key_arn,
            security_group_ids=[self._args.node_security_group_id],
            disk_size_gib=pool.disk_size_gib,
            user_data=None,
            tags={"Name": f"{self.cluster_name}-system", POOL_LABEL: SYSTEM_POOL},
            opts=child_options(self, self._provider),
        )
        return managed_node_group(
            f"{self._name}-system",
            cluster_name=cluster_name,
            node_role_arn=node_role.arn,
            subnet_ids=self._args.private_subnet_ids,
            launch_template=template,
            architecture=pool.architecture,
            instance_types=pool.instance_types,
            scaling=_scaling(pool),
            kubernetes_version=self.version,
            release_version=self.release_version,
            labels={POOL_LABEL: SYSTEM_POOL},
            taints=(),
            opts=child_options(self, self._provider, depends_on=list(self._attachments["node"])),
        )

    def _artifact_bucket(self) -> aws.s3.Bucket:
        args, provider = self._args, self._provider
        name = args.artifact_bucket
        bucket = aws.s3.Bucket(
            f"{self._name}-artifacts",
            bucket=name,
            force_destroy=False,
            opts=stateful_options(self, provider, args.protect),
        )
        harden_bucket(
            f"{self._name}-artifacts",
            bucket,
            BucketHardeningArgs(
                bucket_name=name,
                kms_key_arn=args.storage_key_arn,
                access_logging=AccessLogging(
                    target_bucket=args.access_log_bucket_name, partitioned_by_event_time=False
                ),
                names=ARTIFACT_BUCKET_CHILD_NAMES,
            ),
            self,
            provider,
        )
        # The policy stays the cluster's own: a bucket has one policy, written by the bucket's owner.
        aws.s3.BucketPolicy(
            f"{self._name}-artifacts-policy",
            bucket=bucket.id,
            policy=json.dumps(artifact_bucket_policy(name)),
            opts=child_options(self, provider),
        )
        return bucket


def _scaling(pool: NodePoolSpec) -> PoolScaling:
    return PoolScaling(min_size=pool.min_size, desired_size=pool.desired_size, max_size=pool.max_size)
