"""One tenant organization inside the stack's cluster: its namespace and everything that fences it.

Per organization:
- a Namespace with Pod Security Admission `restricted` (enforce, audit and warn, pinned to the
  cluster's minor version so an upgrade never silently changes the policy), the tenant and org
  labels, and the two labels the cluster's admission policy reads (`quome.io/runtime-class`,
  `quome.io/storage-class`) to require the org's RuntimeClass and StorageClass;
- NetworkPolicies: default deny in both directions plus one named policy per allowed path
  (components/org_network_policies.py);
- a ResourceQuota and a LimitRange derived from the org's quotas;
- four Roles and RoleBindings (owner, admin, developer, viewer; components/org_rbac.py) bound to
  Kubernetes groups, and four IAM roles whose cluster access entries carry exactly those groups:
  no EKS access policy, whose permissions would add to RBAC and silently widen "viewer";
- a StorageClass whose EBS volumes are encrypted with the org's own KMS key;
- a `workload` ServiceAccount and an EKS Pod Identity role that can read only the org's secrets
  (`quome/<org>/*`) and decrypt only with the org's key, only through Secrets Manager;
- for dedicated organizations: a sandbox node group in the org's own subnets, labelled and tainted
  for the org, and the org's own RuntimeClass `gvisor-<org>` that selects and tolerates those nodes.

People reach the org's IAM roles by assuming them from the stack's account (`human_trust_policy`):
the trust is the account itself, narrowed by the caller's principal tags `quome-organization` and
`quome-org-role`. That works for IAM Identity Center sessions (attributes for access control arrive
as principal tags) and for tagged IAM roles alike; an `aws:MultiFactorAuthPresent` condition would
instead lock out every SSO session, whose credentials carry no MFA flag. Keep the right to tag
principals (iam:TagRole, iam:TagUser, and sts:TagSession in other roles' trust) with administrators:
whoever can set those tags can choose an organization.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping, Protocol, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.cluster import (
    IAM_NAME_MAX,
    VOLUME_KEY_ACTIONS,
    AccessEntryRequest,
    ebs_csi_key_grant,
    pod_identity_trust_policy,
)
from components.cluster_k8s import (
    RUNTIME_CLASS_LABEL,
    SHARED_RUNTIME_CLASS,
    STORAGE_CLASS_LABEL,
    TENANT_LABEL,
    encrypted_storage_class,
    gvisor_runtime_class,
)
from components.config import Organization as OrganizationSpec
from components.config import PlatformSpec, Quotas
from components.keys import KeyUseGrant, org_key, secrets_writer_grant
from components.node_pool import ORGANIZATION_LABEL, SandboxNodePool, SandboxNodePoolArgs
from components.org_network_policies import NetworkPolicyInputs, network_policy_specs
from components.org_rbac import ROLE_NAMES, ROLE_RULES, kubernetes_group, role_object_name
from components.providers import child_options

ORGANIZATION_TAG = "quome:organization"
"""AWS tag on the org's IAM roles and policies."""
PSA_LEVEL = "restricted"
PSA_MODES = ("enforce", "audit", "warn")
WORKLOAD_SERVICE_ACCOUNT = "workload"
MAX_SESSION_SECONDS = 3600
"""One hour: people re-authenticate at least hourly to keep cluster access."""
PRINCIPAL_TAG_ORGANIZATION = "quome-organization"
PRINCIPAL_TAG_ROLE = "quome-org-role"


def namespace_name(org_id: str) -> str:
    """The org's namespace. The prefix keeps an org id such as `default` or `kube-system` from
    ever naming a system namespace."""
    return f"org-{org_id}"


def runtime_class_name(org: OrganizationSpec) -> str:
    """The RuntimeClass the org's pods must use: its own for dedicated orgs, the shared one otherwise."""
    return f"{SHARED_RUNTIME_CLASS}-{org.id}" if org.dedicated else SHARED_RUNTIME_CLASS


def storage_class_name(org_id: str) -> str:
    return f"org-{org_id}-ebs"


def iam_role_name(org_id: str, role: str) -> str:
    name = f"quome-{org_id}-{role}"
    if len(name) > IAM_NAME_MAX:
        raise ValueError(f"IAM role name {name!r} is {len(name)} characters; IAM allows {IAM_NAME_MAX}")
    return name


def secrets_arn_pattern(region: str, account_id: str, org_id: str) -> str:
    """The org's slice of Secrets Manager; the trailing `*` also covers the random suffix AWS appends."""
    return f"arn:aws:secretsmanager:{region}:{account_id}:secret:quome/{org_id}/*"


def iam_role_arn(account_id: str, org_id: str, role: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{iam_role_name(org_id, role)}"


# EBS needs these of whoever creates or attaches a volume: a data key it stores encrypted with the
# volume, re-encryption when a volume is created under this key from a snapshot under another one, and
# a grant through which EC2 itself decrypts the data key when it attaches the volume (AWS KMS guide,
# "How Amazon EBS uses AWS KMS"). The caller never needs kms:Decrypt, so the org key lets only the org's
# roles decrypt. Nor kms:ReEncryptFrom: it would move the org's data under a key someone else decrypts
# with; data may come in under the org key (ReEncryptTo), never go out. That is exactly what the EBS CSI
# driver's role is given for volumes (components/cluster.py), so the two cannot drift apart.
EBS_KEY_ACTIONS: tuple[str, ...] = VOLUME_KEY_ACTIONS
SECRETS_KEY_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:DescribeKey")
SECRET_WRITER_ROLES: tuple[str, ...] = ("owner", "admin")
"""The org's people who create, update and rotate its secrets (the workload role only reads them)."""


def key_grants(spec: PlatformSpec) -> tuple[KeyUseGrant, ...]:
    """What each org key must allow, through an AWS service only.

    - Secrets Manager, reading: the org's workload role decrypts the org's secrets.
    - Secrets Manager, writing: the org's owner and admin roles encrypt new secret values under
      `quome/<org>/` (components.keys.secrets_writer_grant). Without it nothing could encrypt with the
      org key, so no org secret could be created.
      Only the org's own roles decrypt with an org key. The deployer is not a writer here: it would
      read every organization's secrets; the platform's own secrets use the `secrets` key.
    - EC2: the cluster's EBS CSI driver creates and attaches the volumes of the org's StorageClass. Its
      Pod Identity role only (components.cluster.ebs_csi_key_grant), without kms:Decrypt (see
      EBS_KEY_ACTIONS) and with CreateGrant for AWS resources only: any other principal of the account
      could otherwise restore the org's snapshots into volumes of its own and attach them. AWS Backup's
      role gets its own EC2 grant (components/backup.py).
    """
    grants: list[KeyUseGrant] = []
    for org in spec.organizations:
        grants.append(
            KeyUseGrant(
                key=org_key(org.id),
                via_services=("secretsmanager",),
                actions=SECRETS_KEY_ACTIONS,
                principal_arns=(iam_role_arn(spec.account_id, org.id, "workload"),),
            )
        )
        grants.append(
            secrets_writer_grant(
                org_key(org.id),
                spec.region,
                spec.account_id,
                f"quome/{org.id}/",
                tuple(iam_role_arn(spec.account_id, org.id, role) for role in SECRET_WRITER_ROLES),
            )
        )
        grants.append(ebs_csi_key_grant(spec, org_key(org.id), EBS_KEY_ACTIONS))
    return tuple(grants)


# -- IAM documents (pure; Outputs inside are resolved by Output.json_dumps) ---------------------------
def human_trust_policy(account_id: str, org_id: str, role: str) -> dict[str, Any]:
    """Who may become the org's `role`: principals of this account tagged with this org and role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TaggedMembersOfThisAccount",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {
                        f"aws:PrincipalTag/{PRINCIPAL_TAG_ORGANIZATION}": org_id,
                        f"aws:PrincipalTag/{PRINCIPAL_TAG_ROLE}": role,
                    }
                },
            }
        ],
    }


def cluster_access_policy(cluster_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Enough AWS permission to fetch the cluster's endpoint; what people may do inside is RBAC's."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DescribeTheCluster", "Effect": "Allow", "Action": ["eks:DescribeCluster"], "Resource": cluster_arn}
        ],
    }


def workload_permissions_policy(
    region: str, account_id: str, org_id: str, org_key_arn: pulumi.Input[str]
) -> dict[str, Any]:
    """Read the org's secrets, and decrypt with the org's key only on their behalf.

    The key may be used only through Secrets Manager and only for a secret under the org's prefix
    (Secrets Manager puts the secret's ARN in the encryption context), so the role cannot decrypt
    arbitrary ciphertext with the key, nor EBS data.
    """
    secrets = secrets_arn_pattern(region, account_id, org_id)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadOrgSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": secrets,
            },
            {
                "Sid": "DecryptOrgSecrets",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": org_key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{region}.amazonaws.com",
                        "kms:CallerAccount": account_id,
                    },
                    "StringLike": {"kms:EncryptionContext:SecretARN": secrets},
                },
            },
        ],
    }


# -- quotas ------------------------------------------------------------------------------------------
_QUANTITY_SUFFIXES: Mapping[str, Fraction] = {
    "m": Fraction(1, 1000), "": Fraction(1),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
    "P": Fraction(10**15), "E": Fraction(10**18),
    "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
    "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}
DEFAULT_SHARE = 8
"""A container without resources gets 1/8 of the org's quota as its limit (so at least 8 fit) ..."""
DEFAULT_CPU_CAP = Fraction(1)
DEFAULT_MEMORY_CAP = Fraction(2 * 2**30)
"""... but never more than 1 CPU and 2 GiB; its request is half its limit."""


def parse_quantity(value: str) -> Fraction:
    """A Kubernetes quantity ('500m', '4', '16Gi', '1.5') as an exact number of base units."""
    for suffix in sorted(_QUANTITY_SUFFIXES, key=len, reverse=True):
        if suffix and value.endswith(suffix):
            number = value[: -len(suffix)]
            break
    else:
        suffix, number = "", value
    try:
        return Fraction(number) * _QUANTITY_SUFFIXES[suffix]
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{value!r} is not a Kubernetes quantity such as '500m', '4' or '16Gi'") from None


def _millicpu(value: Fraction) -> str:
    return f"{max(1, int(value * 1000))}m"


def _mebibytes(value: Fraction) -> str:
    return f"{max(1, int(value / 2**20))}Mi"


def quota_hard(quotas: Quotas) -> dict[str, str]:
    """The ResourceQuota's hard limits. Requests and limits share one ceiling (no overcommit inside
    the org), and Service types that would open a port outside the platform's edge are zero."""
    return {
        "requests.cpu": quotas.cpu,
        "limits.cpu": quotas.cpu,
        "requests.memory": quotas.memory,
        "limits.memory": quotas.memory,
        "pods": str(quotas.pods),
        "requests.storage": quotas.storage,
        "persistentvolumeclaims": str(quotas.persistent_volume_claims),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }


def limit_range_items(quotas: Quotas) -> list[k8s.core.v1.LimitRangeItemArgs]:
    """Defaults for containers that declare no resources (a quota on limits rejects them otherwise),
    and maxima: no single container or volume claim may exceed the whole org's quota."""
    cpu, memory = parse_quantity(quotas.cpu), parse_quantity(quotas.memory)
    default_cpu = min(cpu / DEFAULT_SHARE, DEFAULT_CPU_CAP)
    default_memory = min(memory / DEFAULT_SHARE, DEFAULT_MEMORY_CAP)
    return [
        k8s.core.v1.LimitRangeItemArgs(
            type="Container",
            default={"cpu": _millicpu(default_cpu), "memory": _mebibytes(default_memory)},
            default_request={"cpu": _millicpu(default_cpu / 2), "memory": _mebibytes(default_memory / 2)},
            max={"cpu": quotas.cpu, "memory": quotas.memory},
        ),
        k8s.core.v1.LimitRangeItemArgs(type="PersistentVolumeClaim", max={"storage": quotas.storage}),
    ]


# -- inputs --------------------------------------------------------------------------------------------
class ClusterAccess(Protocol):
    """What an organization needs of the cluster (components.cluster.Cluster provides it)."""

    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    k8s_provider: k8s.Provider

    def grant_access(self, request: AccessEntryRequest) -> aws.eks.AccessEntry: ...


@dataclass(frozen=True)
class DedicatedPlacement:
    """Where a dedicated organization's nodes run: its own network segment, on the cluster's pool template."""

    subnet_ids: Sequence[pulumi.Input[str]]
    """The org segment's private subnets, one per AZ."""
    security_group_id: pulumi.Input[str]
    """The org segment's node security group."""
    pool_template: SandboxNodePoolArgs
    """The cluster's shared sandbox pool settings (instance types, AMI release, gVisor binaries,
    node role, storage key); the org's subnets, security group and organization id replace the
    template's, and with the id the pool adds the org's label and taint."""
    ready: tuple[pulumi.Resource, ...] = ()
    """What must exist before the nodes boot (Cluster.pool_dependencies: the gVisor artifact bucket
    and the node role's policies)."""

    def pool_args(self, org_id: str) -> SandboxNodePoolArgs:
        return dataclasses.replace(
            self.pool_template,
            subnet_ids=list(self.subnet_ids),
            security_group_ids=[self.security_group_id],
            organization_id=org_id,
        )


@dataclass(frozen=True)
class OrganizationArgs:
    """Inputs of one Organization. Everything that shapes resources is a plain, validated value."""

    organization: OrganizationSpec
    account_id: str
    region: str
    kubernetes_version: str
    """The cluster's minor version, e.g. "1.33": Pod Security Admission is pinned to it."""
    cluster: ClusterAccess
    provider: aws.Provider
    """The stack's explicit AWS provider (default providers are disabled)."""
    org_key_arn: pulumi.Input[str]
    """The org's own KMS key (components.keys.Keys.org_key_arn)."""
    network: NetworkPolicyInputs
    """Edge and endpoint CIDRs for the namespace's NetworkPolicies."""
    placement: DedicatedPlacement | None = None
    """Required exactly when the organization is dedicated; None for shared organizations."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        org = self.organization
        if org.dedicated and self.placement is None:
            raise ValueError(
                f"OrganizationArgs.placement = None: organization '{org.id}' is dedicated "
                f"(tier {org.tier!r}, isolation {org.isolation!r}) and needs its segment's subnets and security group"
            )
        if not org.dedicated and self.placement is not None:
            raise ValueError(
                f"OrganizationArgs.placement is set but organization '{org.id}' is shared; "
                "shared organizations run on the cluster's shared sandbox pool"
            )
        if self.placement is not None and not self.placement.subnet_ids:
            raise ValueError(f"OrganizationArgs.placement.subnet_ids is empty for organization '{org.id}'")
        version_parts = self.kubernetes_version.split(".")
        if len(version_parts) != 2 or not all(part.isdigit() for part in version_parts):
            raise ValueError(
                f"OrganizationArgs.kubernetes_version = {self.kubernetes_version!r}: "
                "must be a minor version such as '1.33'"
            )
        for role in ROLE_NAMES + ("workload",):
            iam_role_name(org.id, role)


# -- the component --------------------------------------------------------------------------------------
class Organization(pulumi.ComponentResource):
    """Everything one tenant organization gets in the stack's cluster and account."""

    namespace_name: str
    runtime_class_name: str
    storage_class_name: str
    workload_service_account: str
    workload_role_arn: pulumi.Output[str]
    role_arns: Mapping[str, pulumi.Output[str]]

    def __init__(self, name: str, args: OrganizationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("quome:organization:Organization", name, None, opts)
        org = args.organization
        self._name = name
        self._args = args
        self.org_id = org.id
        self.namespace_name = namespace_name(org.id)
        self.runtime_class_name = runtime_class_name(org)
        self.storage_class_name = storage_class_name(org.id)
        self.workload_service_account = WORKLOAD_SERVICE_ACCOUNT
        self._tags = {**args.tags, ORGANIZATION_TAG: org.id}

        self.namespace = self._namespace()
        self.network_policies = self._network_policies(args.network)
        self.resource_quota, self.limit_range = self._quota(org.quotas)
        self.roles, self.role_bindings = self._rbac()
        self.storage_class = self._storage_class()
        self.workload_role_arn = self._workload_identity()
        self.role_arns, self.access_entries = self._people()
        self.runtime_class: k8s.node.v1.RuntimeClass | None = None
        self.node_pool: SandboxNodePool | None = None
        if args.placement is not None:
            self.node_pool, self.runtime_class = self._dedicated(args.placement)

        self.register_outputs(
            {
                "namespace": self.namespace_name,
                "runtimeClass": self.runtime_class_name,
                "storageClass": self.storage_class_name,
                "workloadRoleArn": self.workload_role_arn,
                "roleArns": dict(self.role_arns),
            }
        )

    # Kubernetes objects go through the cluster's provider, AWS ones through the stack's.
    def _k8s(self, **extra: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self._args.cluster.k8s_provider, **extra)

    def _aws(self, **extra: Any) -> pulumi.ResourceOptions:
        return child_options(self, self._args.provider, **extra)

    def _meta(self, object_name: str, labels: Mapping[str, str] | None = None) -> k8s.meta.v1.ObjectMetaArgs:
        return k8s.meta.v1.ObjectMetaArgs(
            name=object_name,
            namespace=self.namespace.metadata.name,
            labels={ORGANIZATION_LABEL: self.org_id, **(labels or {})},
        )

    def _namespace(self) -> k8s.core.v1.Namespace:
        version = f"v{self._args.kubernetes_version}"
        labels = {
            TENANT_LABEL: "true",
            ORGANIZATION_LABEL: self.org_id,
            RUNTIME_CLASS_LABEL: self.runtime_class_name,
            STORAGE_CLASS_LABEL: self.storage_class_name,
        }
        for mode in PSA_MODES:
            labels[f"pod-security.kubernetes.io/{mode}"] = PSA_LEVEL
            labels[f"pod-security.kubernetes.io/{mode}-version"] = version
        return k8s.core.v1.Namespace(
            f"{self._name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=self.namespace_name, labels=labels),
            # Not protected: the org holds no stateful leaf. Its volumes outlive their claims (and the
            # namespace) through the StorageClass's Retain policy, and its key belongs to Keys.
            opts=self._k8s(),
        )

    def _network_policies(self, inputs: NetworkPolicyInputs) -> dict[str, k8s.networking.v1.NetworkPolicy]:
        return {
            policy_name: k8s.networking.v1.NetworkPolicy(
                f"{self._name}-netpol-{policy_name}",
                metadata=self._meta(policy_name),
                spec=spec,
                opts=self._k8s(),
            )
            for policy_name, spec in network_policy_specs(inputs).items()
        }

    def _quota(self, quotas: Quotas) -> tuple[k8s.core.v1.ResourceQuota, k8s.core.v1.LimitRange]:
        quota = k8s.core.v1.ResourceQuota(
            f"{self._name}-quota",
            metadata=self._meta("org-quota"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=quota_hard(quotas)),
            opts=self._k8s(),
        )
        limits = k8s.core.v1.LimitRange(
            f"{self._name}-limits",
            metadata=self._meta("org-limits"),
            spec=k8s.core.v1.LimitRangeSpecArgs(limits=limit_range_items(quotas)),
            opts=self._k8s(),
        )
        return quota, limits

    def _rbac(self) -> tuple[dict[str, k8s.rbac.v1.Role], dict[str, k8s.rbac.v1.RoleBinding]]:
        roles, bindings = {}, {}
        for role in ROLE_NAMES:
            object_name = role_object_name(role)
            roles[role] = k8s.rbac.v1.Role(
                f"{self._name}-role-{role}",
                metadata=self._meta(object_name),
                rules=[
                    k8s.rbac.v1.PolicyRuleArgs(
                        api_groups=list(rule.api_groups), resources=list(rule.resources), verbs=list(rule.verbs)
                    )
                    for rule in ROLE_RULES[role]
                ],
                opts=self._k8s(),
            )
            bindings[role] = k8s.rbac.v1.RoleBinding(
                f"{self._name}-rolebinding-{role}",
                metadata=self._meta(object_name),
                role_ref=k8s.rbac.v1.RoleRefArgs(
                    api_group="rbac.authorization.k8s.io", kind="Role", name=roles[role].metadata.name
                ),
                subjects=[
                    k8s.rbac.v1.SubjectArgs(
                        api_group="rbac.authorization.k8s.io", kind="Group", name=kubernetes_group(self.org_id, role)
                    )
                ],
                opts=self._k8s(),
            )
        return roles, bindings

    def _storage_class(self) -> k8s.storage.v1.StorageClass:
        # The cluster's builder: encrypted gp3 through the EBS CSI driver, claims retained on delete,
        # volumes tagged for the backup plan; here under the org's own key.
        return encrypted_storage_class(
            f"{self._name}-storage-class", self.storage_class_name, self._args.org_key_arn, opts=self._k8s()
        )

    def _workload_identity(self) -> pulumi.Output[str]:
        args = self._args
        service_account = k8s.core.v1.ServiceAccount(
            f"{self._name}-workload-sa",
            metadata=self._meta(WORKLOAD_SERVICE_ACCOUNT),
            # Pod Identity hands out AWS credentials without a Kubernetes token; pods that need the
            # API server token must ask for it explicitly.
            automount_service_account_token=False,
            opts=self._k8s(),
        )
        role = aws.iam.Role(
            f"{self._name}-workload-role",
            name=iam_role_name(self.org_id, "workload"),
            description=f"EKS Pod Identity role of organization {self.org_id}'s workloads",
            assume_role_policy=pulumi.Output.json_dumps(
                pod_identity_trust_policy(
                    args.account_id,
                    args.cluster.arn,
                    self.namespace_name,
                    WORKLOAD_SERVICE_ACCOUNT,
                    # The statement id the workload roles were first deployed with.
                    sid="PodIdentityForTheOrgServiceAccount",
                )
            ),
            max_session_duration=MAX_SESSION_SECONDS,
            tags=self._tags,
            opts=self._aws(),
        )
        policy = aws.iam.Policy(
            f"{self._name}-workload-policy",
            name=iam_role_name(self.org_id, "workload"),
            description=f"Organization {self.org_id}'s secrets and key, nothing else",
            policy=pulumi.Output.json_dumps(
                workload_permissions_policy(args.region, args.account_id, self.org_id, args.org_key_arn)
            ),
            tags=self._tags,
            opts=self._aws(),
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-workload-policy-attachment",
            role=role.name,
            policy_arn=policy.arn,
            opts=self._aws(),
        )
        self.pod_identity = aws.eks.PodIdentityAssociation(
            f"{self._name}-workload-identity",
            cluster_name=args.cluster.name,
            namespace=self.namespace.metadata.name,
            service_account=service_account.metadata.name,
            role_arn=role.arn,
            tags=self._tags,
            opts=self._aws(),
        )
        return role.arn

    def _people(self) -> tuple[dict[str, pulumi.Output[str]], dict[str, aws.eks.AccessEntry]]:
        args = self._args
        cluster_access = aws.iam.Policy(
            f"{self._name}-cluster-access",
            name=f"quome-{self.org_id}-cluster-access",
            description=f"Lets organization {self.org_id}'s people build a kubeconfig for the cluster",
            policy=pulumi.Output.json_dumps(cluster_access_policy(args.cluster.arn)),
            tags=self._tags,
            opts=self._aws(),
        )
        arns: dict[str, pulumi.Output[str]] = {}
        entries: dict[str, aws.eks.AccessEntry] = {}
        for role in ROLE_NAMES:
            iam_role = aws.iam.Role(
                f"{self._name}-iam-{role}",
                name=iam_role_name(self.org_id, role),
                description=(
                    f"Organization {self.org_id}'s {role}s; Kubernetes group {kubernetes_group(self.org_id, role)}"
                ),
                assume_role_policy=pulumi.Output.json_dumps(human_trust_policy(args.account_id, self.org_id, role)),
                max_session_duration=MAX_SESSION_SECONDS,
                tags=self._tags,
                opts=self._aws(),
            )
            aws.iam.RolePolicyAttachment(
                f"{self._name}-iam-{role}-cluster-access",
                role=iam_role.name,
                policy_arn=cluster_access.arn,
                opts=self._aws(),
            )
            arns[role] = iam_role.arn
            entries[role] = args.cluster.grant_access(
                AccessEntryRequest(
                    principal_arn=iam_role.arn,
                    kubernetes_groups=(kubernetes_group(self.org_id, role),),
                    name=f"org-{self.org_id}-{role}",
                )
            )
        return arns, entries

    def _dedicated(self, placement: DedicatedPlacement) -> tuple[SandboxNodePool, k8s.node.v1.RuntimeClass]:
        """The org's own nodes and the RuntimeClass that selects them, both from one pool definition,
        so the RuntimeClass's nodeSelector and tolerations cannot drift from the nodes' labels and taints."""
        pool_args = placement.pool_args(self.org_id)
        pool = SandboxNodePool(
            f"{self._name}-pool",
            pool_args,
            self._args.provider,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(placement.ready)),
        )
        runtime_class = gvisor_runtime_class(
            f"{self._name}-runtime-class",
            self.runtime_class_name,
            node_selector=pool_args.node_selector,
            taints=pool_args.taints,
            opts=self._k8s(),
            labels={ORGANIZATION_LABEL: self.org_id},
        )
        return pool, runtime_class
