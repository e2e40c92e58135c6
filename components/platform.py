"""The platform: composes every component of one stack from its validated spec.

Order follows the data: keys first (everything encrypts with them), then the audit trail (its
buckets and log groups need the logs key), the network, the cluster and the organizations. Each
shared thing has one owner; the others ask for what they need through typed inputs (grants).
"""

from __future__ import annotations

import pulumi

from components import account_baseline, audit_trail, backup, cluster, keys, network, organization
from components.account_baseline import AccountBaseline, AccountBaselineArgs
from components.audit_trail import AuditTrail, AuditTrailArgs, gather_delivery_grants
from components.backup import Backup, BackupArgs
from components.cluster import Cluster, ClusterArgs
from components.config import PlatformSpec
from components.keys import GrantSource, Keys, KeysArgs, KeyUseGrant, gather_grants
from components.network import Network, NetworkArgs
from components.org_network_policies import NetworkPolicyInputs
from components.organization import DedicatedPlacement, Organization, OrganizationArgs
from components.providers import aws_provider

KEY_GRANT_SOURCES: tuple[GrantSource, ...] = (
    account_baseline.key_grants,
    audit_trail.key_grants,
    cluster.key_grants,
    keys.key_grants,
    network.key_grants,
    organization.key_grants,
    backup.key_grants,
)
"""Every module that publishes `key_grants(spec)`, one line each: the key component writes each key's
only policy from all of them."""


def platform_key_grants(spec: PlatformSpec) -> tuple[KeyUseGrant, ...]:
    """All the grants the platform's keys carry for `spec` (tests build key policies from this too)."""
    return gather_grants(spec, KEY_GRANT_SOURCES)


class Platform(pulumi.ComponentResource):
    """Everything one stack creates in its account and region."""

    def __init__(self, name: str, spec: PlatformSpec, opts: pulumi.ResourceOptions | None = None):
        super().__init__("quome:platform:Platform", name, None, opts)
        self.spec = spec
        # Stateful leaves are protected in prod; components never are (children would inherit it).
        self.protect_stateful = spec.environment == "prod"
        # Object-locked data cannot be deleted for years anyway: outside prod, forget it on destroy.
        self.retain_locked_data = spec.environment != "prod"
        self.provider = aws_provider(f"{name}-aws", spec, opts=pulumi.ResourceOptions(parent=self))

        # --- section: keys and account baseline (components/keys.py, components/account_baseline.py)
        self.keys = Keys(
            f"{name}-keys",
            KeysArgs.from_spec(
                spec,
                cloudtrail_arn=audit_trail.trail_arn(spec.account_id, spec.region),
                grants=platform_key_grants(spec),
                create_autoscaling_role=account_baseline.creates_autoscaling_role(spec),
                protect=self.protect_stateful,
                retain_logs_key=self.retain_locked_data,
            ),
            provider=self.provider,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The baseline itself is built after the audit trail below: AWS Config delivers into the audit bucket.
        # --- section: audit trail (components/audit_trail.py)
        # Modules that publish `audit_delivery_grants(spec)`: one line each.
        delivery_grant_sources = (account_baseline.audit_delivery_grants, network.audit_delivery_grants)
        self.audit_trail = AuditTrail(
            f"{name}-audit",
            AuditTrailArgs.from_spec(
                spec,
                logs_key_arn=self.keys.key_arn("logs"),
                delivery_grants=gather_delivery_grants(spec, delivery_grant_sources),
                protect=self.protect_stateful,
                retain_locked_data=self.retain_locked_data,
            ),
            provider=self.provider,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.account_baseline = None
        if spec.owns_account_baseline:
            self.account_baseline = AccountBaseline(
                f"{name}-baseline",
                AccountBaselineArgs.from_spec(
                    spec,
                    storage_key_arn=self.keys.key_arn("storage"),
                    logs_key_arn=self.keys.key_arn("logs"),
                    audit_bucket_name=self.audit_trail.audit_bucket_name,
                    audit_delivery_ready=(self.audit_trail.audit_bucket_policy,),
                ),
                provider=self.provider,
                opts=pulumi.ResourceOptions(parent=self),
            )
        # --- section: network (components/network.py)
        self.network = Network(
            f"{name}-network",
            NetworkArgs(
                spec,
                logs_key_arn=self.keys.key_arn("logs"),
                audit_bucket_arn=self.audit_trail.audit_bucket_arn,
                audit_delivery_ready=(self.audit_trail.audit_bucket_policy,),
                protect=self.protect_stateful,
            ),
            provider=self.provider,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # HSMs live in the isolated (data) subnets, one per AZ, which only exist once the network does
        # (a no-op unless features.cloudHsm is enabled).
        self.keys.attach_cloud_hsm(self.network.isolated_subnet_ids)
        # --- section: cluster (components/cluster.py)
        self.cluster = Cluster(
            f"{name}-cluster",
            ClusterArgs.from_spec(
                spec,
                private_subnet_ids=self.network.private_subnet_ids,
                control_plane_security_group_id=self.network.control_plane_security_group_id,
                node_security_group_id=self.network.shared_node_security_group_id,
                cluster_key_arn=self.keys.key_arn("cluster"),
                storage_key_arn=self.keys.key_arn("storage"),
                logs_key_arn=self.keys.key_arn("logs"),
                access_log_bucket_name=self.audit_trail.access_log_bucket_name,
                protect=self.protect_stateful,
                # The organizations' StorageClasses encrypt with their own keys; the CSI driver must use them.
                volume_key_arns=tuple(self.keys.org_key_arn(o.id) for o in spec.organizations),
            ),
            provider=self.provider,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # --- section: organizations (components/organization.py)
        # Tenant NetworkPolicies admit the load-balancer tier and reach the interface endpoints by CIDR.
        tenant_network = NetworkPolicyInputs(
            edge_cidrs=self.network.public_subnet_cidrs, endpoint_cidrs=self.network.endpoint_subnet_cidrs
        )
        self.organizations: dict[str, Organization] = {}
        for org in spec.organizations:
            placement = None
            if org.dedicated:
                segment = self.network.org_segments[org.id]
                placement = DedicatedPlacement(
                    segment.private_subnet_ids, segment.node_security_group_id, self.cluster.pool_template,
                    ready=self.cluster.pool_dependencies,
                )
            self.organizations[org.id] = Organization(
                f"{name}-org-{org.id}",
                OrganizationArgs(
                    organization=org, account_id=spec.account_id, region=spec.region,
                    kubernetes_version=spec.cluster.version, cluster=self.cluster, provider=self.provider,
                    org_key_arn=self.keys.org_key_arn(org.id), network=tenant_network, placement=placement,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        # --- section: backup (components/backup.py)
        # Volumes of every StorageClass carry the backup tag; the vault is encrypted with the storage key.
        self.backup = Backup(
            f"{name}-backup",
            BackupArgs.from_spec(
                spec,
                vault_key_arn=self.keys.key_arn("storage"),
                protect=self.protect_stateful,
                retain_on_delete=self.retain_locked_data,
            ),
            provider=self.provider,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.register_outputs({"region": spec.region, "accountId": spec.account_id})
