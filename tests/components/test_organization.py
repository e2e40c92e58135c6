"""The Organization component, built alone against a fake cluster under the plan's mocks.

One compliant fixture (a shared org `bluebird` and a dedicated org `acme` from the harness spec);
each failing case changes one thing. Every security-relevant input is asserted value by value.
"""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from components.config import Quotas
from components.keys import KeysArgs, KeyUseGrant, key_policy, org_key, secrets_writer_grant
from components.node_pool import PoolScaling, SandboxNodePoolArgs
from components.org_network_policies import POLICY_NAMES, NetworkPolicyInputs
from components.org_rbac import ROLE_NAMES, ROLE_RULES
from components.organization import (
    DedicatedPlacement,
    Organization,
    OrganizationArgs,
    key_grants,
    limit_range_items,
    parse_quantity,
)
from components.platform import platform_key_grants
from components.providers import aws_provider
from tests.components.k8s_schema import manifest, schema_version, validate
from tests.harness import ACCOUNT, REGION, build, make_spec, of_type, one, policy_document, statement

CLUSTER_NAME = "quome-test"
EBS_CSI_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{CLUSTER_NAME}-ebs-csi"
BACKUP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/quome-backup-{REGION}"
CLUSTER_ARN = f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER_NAME}"
ORG_KEY_ARN = {
    "acme": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/acme-key",
    "bluebird": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/bb-key",
}
EDGE_CIDRS = ("10.64.120.0/23", "10.64.122.0/23")  # the default plan's public subnets (2 AZs)
ENDPOINT_CIDRS = ("10.64.126.0/25", "10.64.126.128/25")  # its interface-endpoint subnets, not the private ones
SEGMENT_SUBNETS = ("subnet-acme-a", "subnet-acme-b")
SEGMENT_SG = "sg-acme-nodes"
FAKE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "https://fake.example", certificate-authority-data: ""}}]
contexts: [{name: fake, context: {cluster: fake, user: fake}}]
current-context: fake
users: [{name: fake, user: {token: fake}}]
"""

NS = "kubernetes:core/v1:Namespace"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
RUNTIME_CLASS = "kubernetes:node.k8s.io/v1:RuntimeClass"
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
IAM_ROLE = "aws:iam/role:Role"
IAM_POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


class FakeCluster(pulumi.ComponentResource):
    """Stands in for components.cluster.Cluster: name, arn, a real Kubernetes provider, access entries."""

    def __init__(self, name: str, provider: aws.Provider):
        super().__init__("test:fakes:Cluster", name, None, None)
        self.name = pulumi.Output.from_input(CLUSTER_NAME)
        self.arn = pulumi.Output.from_input(CLUSTER_ARN)
        self.k8s_provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=FAKE_KUBECONFIG, opts=pulumi.ResourceOptions(parent=self)
        )
        self.requests: list[Any] = []
        self._provider = provider

    def grant_access(self, request):
        self.requests.append(request)
        return aws.eks.AccessEntry(
            f"{self._name}-access-{request.name}",
            cluster_name=self.name,
            principal_arn=request.principal_arn,
            kubernetes_groups=list(request.kubernetes_groups),
            type="STANDARD",
            opts=pulumi.ResourceOptions(parent=self, provider=self._provider),
        )


def pool_template() -> SandboxNodePoolArgs:
    return SandboxNodePoolArgs(
        cluster_name=CLUSTER_NAME,
        node_role_arn=f"arn:aws:iam::{ACCOUNT}:role/quome-test-nodes",
        subnet_ids=["subnet-shared-a", "subnet-shared-b"],
        security_group_ids=["sg-shared-nodes"],
        storage_key_arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/storage",
        instance_types=("m7g.large",),
        architecture="arm64",
        scaling=PoolScaling(1, 2, 3),
        kubernetes_version="1.33",
        release_version="1.33.5-20251120",
        artifact_bucket=f"quome-artifacts-{ACCOUNT}-{REGION}",
        account_id=ACCOUNT,
        region=REGION,
    )


def org_args(org_id: str, cluster: Any, provider: aws.Provider, **overrides: Any) -> OrganizationArgs:
    spec = make_spec()
    org = next(o for o in spec.organizations if o.id == org_id)
    values: dict[str, Any] = dict(
        organization=org,
        account_id=ACCOUNT,
        region=REGION,
        kubernetes_version="1.33",
        cluster=cluster,
        provider=provider,
        org_key_arn=ORG_KEY_ARN[org_id],
        network=NetworkPolicyInputs(edge_cidrs=EDGE_CIDRS, endpoint_cidrs=ENDPOINT_CIDRS),
        placement=DedicatedPlacement(list(SEGMENT_SUBNETS), SEGMENT_SG, pool_template()) if org.dedicated else None,
    )
    values.update(overrides)
    return OrganizationArgs(**values)


def plan_org(org_id: str = "bluebird", **overrides: Any):
    def body() -> None:
        provider = aws_provider("test-aws", make_spec())
        cluster = FakeCluster("cluster", provider)
        Organization(f"org-{org_id}", org_args(org_id, cluster, provider, **overrides))

    return build(body)


@pytest.fixture(scope="module")
def shared():
    return plan_org("bluebird")


@pytest.fixture(scope="module")
def dedicated():
    return plan_org("acme")


def k8s_children(plan):
    return [r for r in plan.registrations if r.custom and r.type.startswith("kubernetes:")]


# -- namespace ----------------------------------------------------------------------------------------
def test_namespace_is_restricted_pinned_and_labelled_for_admission(shared):
    namespace = one(shared, NS)
    assert namespace.inputs["metadata"]["name"] == "org-bluebird"
    assert namespace.inputs["metadata"]["labels"] == {
        "quome.io/tenant": "true",
        "quome.io/organization": "bluebird",
        "quome.io/runtime-class": "gvisor",
        "quome.io/storage-class": "org-bluebird-ebs",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "v1.33",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "v1.33",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "v1.33",
    }
    assert namespace.protect is False


def test_nothing_of_an_organization_is_protected(shared, dedicated):
    # Volumes outlive claims and namespace through the Retain reclaim policy; the org key is Keys'.
    for plan in (shared, dedicated):
        assert [r.name for r in plan.registrations if r.protect] == []


def test_dedicated_namespace_requires_its_own_runtime_class(dedicated):
    labels = one(dedicated, NS).inputs["metadata"]["labels"]
    assert labels["quome.io/runtime-class"] == "gvisor-acme"
    assert labels["quome.io/storage-class"] == "org-acme-ebs"


def test_every_namespaced_object_lives_in_the_org_namespace(shared):
    namespaced = [r for r in k8s_children(shared) if r.type not in (NS, STORAGE_CLASS, RUNTIME_CLASS)]
    assert len(namespaced) == 6 + 2 + 8 + 1
    for registration in namespaced:
        assert registration.inputs["metadata"]["namespace"] == "org-bluebird", registration.name
        assert registration.inputs["metadata"]["labels"]["quome.io/organization"] == "bluebird"


# -- network policies -------------------------------------------------------------------------------------
def _policy(plan, name):
    return one(plan, NETPOL, f"org-bluebird-netpol-{name}").inputs


def test_the_six_policies_exist_by_name(shared):
    assert sorted(r.inputs["metadata"]["name"] for r in of_type(shared, NETPOL)) == sorted(POLICY_NAMES)


def test_default_deny_selects_everything_and_allows_nothing(shared):
    spec = _policy(shared, "default-deny")["spec"]
    assert spec == {"podSelector": {"matchLabels": {}}, "policyTypes": ["Ingress", "Egress"]}


def test_dns_only_to_coredns_in_kube_system(shared):
    spec = _policy(shared, "allow-dns")["spec"]
    assert spec["policyTypes"] == ["Egress"]
    assert "ingress" not in spec
    assert spec["egress"] == [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]


def test_same_namespace_only(shared):
    spec = _policy(shared, "allow-same-namespace")["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["ingress"] == [{"from": [{"podSelector": {"matchLabels": {}}}]}]
    assert spec["egress"] == [{"to": [{"podSelector": {"matchLabels": {}}}]}]


def test_edge_ingress_only_from_the_edge_subnets_to_opted_in_pods(shared):
    spec = _policy(shared, "allow-edge-ingress")["spec"]
    assert spec["podSelector"] == {"matchLabels": {"quome.io/edge": "true"}}
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"] == [
        {"from": [{"ipBlock": {"cidr": cidr}} for cidr in EDGE_CIDRS], "ports": [{"protocol": "TCP"}]}
    ]


def test_pod_identity_agent_egress(shared):
    spec = _policy(shared, "allow-pod-identity-agent")["spec"]
    assert spec["policyTypes"] == ["Egress"]
    assert spec["egress"] == [
        {"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]}
    ]


def test_vpc_endpoint_egress_on_443_only(shared):
    spec = _policy(shared, "allow-vpc-endpoints")["spec"]
    assert spec["policyTypes"] == ["Egress"]
    assert spec["egress"] == [
        {"to": [{"ipBlock": {"cidr": cidr}} for cidr in ENDPOINT_CIDRS], "ports": [{"protocol": "TCP", "port": 443}]}
    ]


def test_no_rule_is_open_to_everything(shared):
    for registration in of_type(shared, NETPOL):
        spec = registration.inputs["spec"]
        for rule in spec.get("ingress", []):
            assert rule.get("from"), f"{registration.name}: an ingress rule without 'from' admits every source"
        for rule in spec.get("egress", []):
            assert rule.get("to"), f"{registration.name}: an egress rule without 'to' allows every destination"
        for rule in spec.get("ingress", []) + spec.get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                if "ipBlock" in peer:
                    assert not peer["ipBlock"]["cidr"].endswith("/0"), registration.name
                if "namespaceSelector" in peer:
                    assert peer["namespaceSelector"]["matchLabels"], f"{registration.name}: all namespaces selected"


@pytest.mark.parametrize(
    "field, cidrs, message",
    [
        ("edge_cidrs", ("0.0.0.0/0",), "would allow every address"),
        ("edge_cidrs", ("8.8.8.0/24",), "not a private range"),
        ("edge_cidrs", ("10.64.0.1/24",), "not an IPv4 network"),
        ("edge_cidrs", (), "at least one CIDR"),
        ("endpoint_cidrs", ("10.64.0.0/33",), "not an IPv4 network"),
        ("endpoint_cidrs", (), "at least one CIDR"),
    ],
)
def test_network_inputs_are_validated(field, cidrs, message):
    values = {"edge_cidrs": EDGE_CIDRS, "endpoint_cidrs": ENDPOINT_CIDRS, field: cidrs}
    with pytest.raises(ValueError, match=f"{field}.*{message}|{field} must name {message}"):
        NetworkPolicyInputs(**values)


# -- quota and limits ---------------------------------------------------------------------------------------
def test_resource_quota_from_the_org_quotas(shared):
    quota = one(shared, "kubernetes:core/v1:ResourceQuota").inputs
    assert quota["metadata"]["name"] == "org-quota"
    assert quota["spec"] == {
        "hard": {
            "requests.cpu": "4",
            "limits.cpu": "4",
            "requests.memory": "16Gi",
            "limits.memory": "16Gi",
            "pods": "50",
            "requests.storage": "100Gi",
            "persistentvolumeclaims": "20",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
        }
    }


def test_limit_range_defaults_and_maxima_from_the_org_quotas(shared):
    limits = one(shared, "kubernetes:core/v1:LimitRange").inputs
    assert limits["spec"]["limits"] == [
        {
            "type": "Container",
            # 1/8 of 4 CPUs and 16Gi, capped at 1 CPU and 2Gi; requests are half the limit.
            "default": {"cpu": "500m", "memory": "2048Mi"},
            "defaultRequest": {"cpu": "250m", "memory": "1024Mi"},
            "max": {"cpu": "4", "memory": "16Gi"},
        },
        {"type": "PersistentVolumeClaim", "max": {"storage": "100Gi"}},
    ]


def test_limit_range_caps_defaults_for_large_quotas_and_keeps_small_ones_inside():
    big = limit_range_items(Quotas(cpu="64", memory="512Gi"))[0]
    assert big.default == {"cpu": "1000m", "memory": "2048Mi"}
    assert big.default_request == {"cpu": "500m", "memory": "1024Mi"}
    small = limit_range_items(Quotas(cpu="400m", memory="1Gi"))[0]
    assert small.default == {"cpu": "50m", "memory": "128Mi"}
    assert small.default_request == {"cpu": "25m", "memory": "64Mi"}
    assert small.max == {"cpu": "400m", "memory": "1Gi"}


@pytest.mark.parametrize(
    "text, value",
    [
        ("500m", Fraction(1, 2)),
        ("4", Fraction(4)),
        ("1.5", Fraction(3, 2)),
        ("16Gi", Fraction(16 * 2**30)),
        ("2k", Fraction(2000)),
    ],
)
def test_parse_quantity(text, value):
    assert parse_quantity(text) == value


def test_parse_quantity_rejects_nonsense():
    with pytest.raises(ValueError, match="'4x' is not a Kubernetes quantity"):
        parse_quantity("4x")


# -- RBAC ------------------------------------------------------------------------------------------------------
def test_roles_carry_exactly_the_rbac_data(shared):
    for role in ROLE_NAMES:
        registration = one(shared, ROLE, f"org-bluebird-role-{role}")
        assert registration.inputs["metadata"]["name"] == f"quome-{role}"
        assert registration.inputs["rules"] == [
            {"apiGroups": list(rule.api_groups), "resources": list(rule.resources), "verbs": list(rule.verbs)}
            for rule in ROLE_RULES[role]
        ]


def test_each_binding_gives_one_org_group_its_role_in_the_namespace(shared):
    bindings = of_type(shared, BINDING)
    assert len(bindings) == 4
    for role in ROLE_NAMES:
        binding = one(shared, BINDING, f"org-bluebird-rolebinding-{role}").inputs
        assert binding["metadata"]["namespace"] == "org-bluebird"
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"quome-{role}"}
        assert binding["subjects"] == [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": f"quome:bluebird:{role}"}
        ]


def test_nothing_cluster_wide_for_tenants(shared, dedicated):
    for plan in (shared, dedicated):
        kinds = {r.type for r in k8s_children(plan)}
        assert not {t for t in kinds if "ClusterRole" in t}
        assert not of_type(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")


# -- people: IAM roles and access entries -------------------------------------------------------------------------
def test_four_human_roles_trust_only_tagged_members_of_the_account(shared):
    for role in ROLE_NAMES:
        registration = one(shared, IAM_ROLE, f"org-bluebird-iam-{role}")
        assert registration.inputs["name"] == f"quome-bluebird-{role}"
        assert registration.inputs["maxSessionDuration"] == 3600
        assert "inlinePolicies" not in registration.inputs
        trust = policy_document(registration.inputs["assumeRolePolicy"])
        assert len(trust["Statement"]) == 1
        assert statement(trust, "TaggedMembersOfThisAccount") == {
            "Sid": "TaggedMembersOfThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {
                    "aws:PrincipalTag/quome-organization": "bluebird",
                    "aws:PrincipalTag/quome-org-role": role,
                }
            },
        }


def test_human_roles_may_only_describe_the_cluster(shared):
    policy = one(shared, IAM_POLICY, "org-bluebird-cluster-access")
    assert policy.inputs["name"] == "quome-bluebird-cluster-access"
    document = policy_document(policy.inputs["policy"])
    assert document["Statement"] == [
        {"Sid": "DescribeTheCluster", "Effect": "Allow", "Action": ["eks:DescribeCluster"], "Resource": CLUSTER_ARN}
    ]
    for role in ROLE_NAMES:
        attachment = one(shared, ATTACHMENT, f"org-bluebird-iam-{role}-cluster-access").inputs
        assert attachment["role"] == f"quome-bluebird-{role}"
        assert attachment["policyArn"] == f"arn:aws:iam::{ACCOUNT}:policy/quome-bluebird-cluster-access"


def test_each_human_role_reaches_the_cluster_through_exactly_its_group(shared):
    entries = of_type(shared, ACCESS_ENTRY)
    assert len(entries) == 4
    for role in ROLE_NAMES:
        entry = one(shared, ACCESS_ENTRY, f"cluster-access-org-bluebird-{role}").inputs
        assert entry["principalArn"] == f"arn:aws:iam::{ACCOUNT}:role/quome-bluebird-{role}"
        assert entry["kubernetesGroups"] == [f"quome:bluebird:{role}"]


# -- workload identity ---------------------------------------------------------------------------------------------
def test_workload_service_account_has_no_token_automount(shared):
    account = one(shared, "kubernetes:core/v1:ServiceAccount").inputs
    assert account["metadata"]["name"] == "workload"
    assert account["automountServiceAccountToken"] is False


def test_workload_role_trusts_pod_identity_for_the_org_service_account_only(shared):
    role = one(shared, IAM_ROLE, "org-bluebird-workload-role")
    assert role.inputs["name"] == "quome-bluebird-workload"
    assert "inlinePolicies" not in role.inputs
    trust = policy_document(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Sid": "PodIdentityForTheOrgServiceAccount",
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": ACCOUNT,
                    "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN,
                    "aws:RequestTag/kubernetes-namespace": "org-bluebird",
                    "aws:RequestTag/kubernetes-service-account": "workload",
                }
            },
        }
    ]


def test_workload_policy_reads_only_the_org_secrets_with_only_the_org_key(shared):
    policy = one(shared, IAM_POLICY, "org-bluebird-workload-policy")
    document = policy_document(policy.inputs["policy"])
    secrets = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:quome/bluebird/*"
    assert [s["Sid"] for s in document["Statement"]] == ["ReadOrgSecrets", "DecryptOrgSecrets"]
    assert statement(document, "ReadOrgSecrets") == {
        "Sid": "ReadOrgSecrets",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "Resource": secrets,
    }
    assert statement(document, "DecryptOrgSecrets") == {
        "Sid": "DecryptOrgSecrets",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": ORG_KEY_ARN["bluebird"],
        "Condition": {
            "StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT},
            "StringLike": {"kms:EncryptionContext:SecretARN": secrets},
        },
    }
    attachment = one(shared, ATTACHMENT, "org-bluebird-workload-policy-attachment").inputs
    assert attachment == {
        "role": "quome-bluebird-workload", "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/quome-bluebird-workload"
    }


def test_pod_identity_association_binds_the_org_service_account(shared):
    association = one(shared, "aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs
    assert association["clusterName"] == CLUSTER_NAME
    assert association["namespace"] == "org-bluebird"
    assert association["serviceAccount"] == "workload"
    assert association["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/quome-bluebird-workload"


# -- storage -------------------------------------------------------------------------------------------------------
def test_storage_class_encrypts_with_the_org_key(shared):
    storage = one(shared, STORAGE_CLASS).inputs
    assert storage["metadata"]["name"] == "org-bluebird-ebs"
    assert storage["provisioner"] == "ebs.csi.aws.com"
    assert storage["parameters"] == {
        "type": "gp3",
        "encrypted": "true",
        "kmsKeyId": ORG_KEY_ARN["bluebird"],
        "tagSpecification_1": "quome.io/backup=daily",
    }
    assert storage["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "false"}
    assert storage["reclaimPolicy"] == "Retain"
    assert storage["volumeBindingMode"] == "WaitForFirstConsumer"


def test_key_grants_per_org_via_secretsmanager_and_ec2():
    grants = key_grants(make_spec())
    ebs = ("kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo", "kms:DescribeKey")
    assert grants == tuple(
        grant
        for org_id in ("acme", "bluebird")
        for grant in (
            KeyUseGrant(
                key=org_key(org_id),
                via_services=("secretsmanager",),
                actions=("kms:Decrypt", "kms:DescribeKey"),
                principal_arns=(f"arn:aws:iam::{ACCOUNT}:role/quome-{org_id}-workload",),
            ),
            KeyUseGrant(
                key=org_key(org_id),
                via_services=("secretsmanager",),
                actions=("kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"),
                principal_arns=(
                    f"arn:aws:iam::{ACCOUNT}:role/quome-{org_id}-owner",
                    f"arn:aws:iam::{ACCOUNT}:role/quome-{org_id}-admin",
                ),
                encryption_context=(
                    ("SecretARN", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:quome/{org_id}/*"),
                ),
                sid="SecretsManagerWriters",
            ),
            KeyUseGrant(
                key=org_key(org_id),
                via_services=("ec2",),
                actions=ebs,
                allow_create_grant=True,
                principal_arns=(EBS_CSI_ROLE,),
                sid="EbsCsiDriverVolumes",
            ),
        )
    )


def org_key_policy(org_id: str, **spec_overrides: Any) -> dict[str, Any]:
    """The org key's policy from every module that publishes grants (components/platform.py KEY_GRANT_SOURCES)."""
    spec = make_spec(**spec_overrides)
    grants = platform_key_grants(spec)
    trail = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/quome-audit"
    args = KeysArgs.from_spec(spec, cloudtrail_arn=trail, grants=grants)
    return key_policy(args, org_key(org_id))


def test_only_the_csi_role_and_the_backup_role_use_an_org_key_through_ec2():
    """Finding: the CSI grant named no principal, so any principal of the account with EC2 permissions could
    restore the org's snapshots under its key and attach them. Two grants on one key and service, each with
    its own principal: two statement pairs, neither principal lost nor merged into the other."""
    document = org_key_policy("acme")
    via_ec2 = [s for s in document["Statement"] if "ec2." in json.dumps(s.get("Condition", {}))]
    ec2 = f"ec2.{REGION}.amazonaws.com"
    assert [(s["Sid"], s["Condition"]["ArnEquals"]["aws:PrincipalArn"]) for s in via_ec2] == [
        ("EbsCsiDriverVolumes", [EBS_CSI_ROLE]),
        ("EbsCsiDriverVolumesCreateGrant", [EBS_CSI_ROLE]),
        ("UseViaEc2", [BACKUP_ROLE]),
        ("UseViaEc2CreateGrant", [BACKUP_ROLE]),
    ]
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert statement(document, "EbsCsiDriverVolumes") == {
        "Sid": "EbsCsiDriverVolumes",
        "Effect": "Allow",
        "Principal": {"AWS": root},
        "Action": ["kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": ec2},
            "ArnEquals": {"aws:PrincipalArn": [EBS_CSI_ROLE]},
        },
    }
    assert statement(document, "EbsCsiDriverVolumesCreateGrant") == {
        "Sid": "EbsCsiDriverVolumesCreateGrant",
        "Effect": "Allow",
        "Principal": {"AWS": root},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": ec2},
            "ArnEquals": {"aws:PrincipalArn": [EBS_CSI_ROLE]},
            "Bool": {"kms:GrantIsForAWSResource": "true"},
        },
    }
    assert statement(document, "UseViaEc2")["Action"] == statement(document, "EbsCsiDriverVolumes")["Action"]


def test_a_baseline_stack_gives_its_org_keys_no_account_wide_ec2_use():
    """Only the storage key is the account's default EBS key; the org keys stay with the two roles."""
    document = org_key_policy("bluebird", ownsAccountBaseline=True)
    via_ec2 = [s for s in document["Statement"] if "ec2." in json.dumps(s.get("Condition", {}))]
    assert len(via_ec2) == 4
    assert all(s["Condition"]["ArnEquals"]["aws:PrincipalArn"] in ([EBS_CSI_ROLE], [BACKUP_ROLE]) for s in via_ec2)


def test_the_csi_role_the_org_key_names_follows_the_cluster_name():
    grants = key_grants(make_spec(cluster={"name": "quome-other"}))
    ec2 = [g for g in grants if g.key == org_key("acme") and g.via_services == ("ec2",)]
    assert [g.principal_arns for g in ec2] == [(f"arn:aws:iam::{ACCOUNT}:role/quome-other-ebs-csi",)]


def test_only_the_org_roles_may_decrypt_with_an_org_key_and_only_through_secrets_manager():
    """The workload role reads; the owner and admin roles also write (finding: nothing could encrypt
    with an org key before). The deployer is not among them."""
    decrypting = [g for g in key_grants(make_spec()) if "kms:Decrypt" in g.actions]
    assert len(decrypting) == 4
    for grant in decrypting:
        org_id = grant.key.removeprefix("org:")
        assert grant.via_services == ("secretsmanager",)
        roles = {arn.removeprefix(f"arn:aws:iam::{ACCOUNT}:role/quome-{org_id}-") for arn in grant.principal_arns}
        assert roles in ({"workload"}, {"owner", "admin"}), grant
        assert all(arn.startswith(f"arn:aws:iam::{ACCOUNT}:role/quome-{org_id}-") for arn in grant.principal_arns)
    writers = [g for g in decrypting if g.sid == "SecretsManagerWriters"]
    assert writers == [
        secrets_writer_grant(
            org_key(org_id), REGION, ACCOUNT, f"quome/{org_id}/",
            (f"arn:aws:iam::{ACCOUNT}:role/quome-{org_id}-owner", f"arn:aws:iam::{ACCOUNT}:role/quome-{org_id}-admin"),
        )
        for org_id in ("acme", "bluebird")
    ]


def test_the_workload_role_is_the_principal_the_key_grant_names(shared):
    role = one(shared, IAM_ROLE, "org-bluebird-workload-role").inputs["name"]
    granted = [g for g in key_grants(make_spec()) if g.key == org_key("bluebird") and g.principal_arns]
    assert granted[0].principal_arns == (f"arn:aws:iam::{ACCOUNT}:role/{role}",)


# -- dedicated organizations -------------------------------------------------------------------------------------
def test_shared_org_gets_no_nodes_and_no_runtime_class(shared):
    assert not of_type(shared, NODE_GROUP)
    assert not of_type(shared, RUNTIME_CLASS)


def test_dedicated_runtime_class_selects_and_tolerates_the_org_nodes(dedicated):
    runtime_class = one(dedicated, RUNTIME_CLASS).inputs
    assert runtime_class["metadata"]["name"] == "gvisor-acme"
    assert runtime_class["handler"] == "runsc"
    assert runtime_class["overhead"] == {"podFixed": {"cpu": "250m", "memory": "256Mi"}}
    assert runtime_class["scheduling"] == {
        "nodeSelector": {"sandbox.quome.io/runtime": "gvisor", "quome.io/organization": "acme"},
        "tolerations": [
            {"key": "sandbox.quome.io/runtime", "operator": "Equal", "value": "gvisor", "effect": "NoSchedule"},
            {"key": "quome.io/organization", "operator": "Equal", "value": "acme", "effect": "NoSchedule"},
        ],
    }


def test_dedicated_nodes_live_in_the_org_segment_with_the_org_label_and_taints(dedicated):
    node_group = one(dedicated, NODE_GROUP).inputs
    assert node_group["subnetIds"] == list(SEGMENT_SUBNETS)
    assert node_group["labels"]["sandbox.quome.io/runtime"] == "gvisor"
    assert node_group["labels"]["quome.io/organization"] == "acme"
    assert node_group["taints"] == [
        {"key": "sandbox.quome.io/runtime", "value": "gvisor", "effect": "NO_SCHEDULE"},
        {"key": "quome.io/organization", "value": "acme", "effect": "NO_SCHEDULE"},
    ]
    assert one(dedicated, LAUNCH_TEMPLATE).inputs["vpcSecurityGroupIds"] == [SEGMENT_SG]


def test_runtime_class_tolerates_exactly_the_taints_its_nodes_carry(dedicated):
    node_group = one(dedicated, NODE_GROUP).inputs
    runtime_class = one(dedicated, RUNTIME_CLASS).inputs["scheduling"]
    effects = {"NO_SCHEDULE": "NoSchedule"}
    taints = {(t["key"], t["value"], effects[t["effect"]]) for t in node_group["taints"]}
    tolerations = {(t["key"], t["value"], t["effect"]) for t in runtime_class["tolerations"]}
    assert taints == tolerations
    assert runtime_class["nodeSelector"].items() <= node_group["labels"].items()


# -- arguments -------------------------------------------------------------------------------------------------
class _NoCluster:
    name = arn = k8s_provider = None


def test_dedicated_org_without_placement_is_rejected():
    with pytest.raises(ValueError, match="placement = None: organization 'acme' is dedicated"):
        org_args("acme", _NoCluster(), None, placement=None)


def test_shared_org_with_placement_is_rejected():
    placement = DedicatedPlacement(list(SEGMENT_SUBNETS), SEGMENT_SG, pool_template())
    with pytest.raises(ValueError, match="organization 'bluebird' is shared"):
        org_args("bluebird", _NoCluster(), None, placement=placement)


def test_dedicated_placement_needs_subnets():
    placement = DedicatedPlacement([], SEGMENT_SG, pool_template())
    with pytest.raises(ValueError, match="placement.subnet_ids is empty"):
        org_args("acme", _NoCluster(), None, placement=placement)


@pytest.mark.parametrize("version", ["1.33.2", "v1.33", "latest"])
def test_kubernetes_version_must_be_a_minor(version):
    with pytest.raises(ValueError, match=f"kubernetes_version = '{version}'"):
        org_args("bluebird", _NoCluster(), None, kubernetes_version=version)


def test_dedicated_pool_arguments_keep_the_template_and_take_the_segment():
    placement = DedicatedPlacement(list(SEGMENT_SUBNETS), SEGMENT_SG, pool_template())
    args = placement.pool_args("acme")
    assert args.organization_id == "acme"
    assert list(args.subnet_ids) == list(SEGMENT_SUBNETS)
    assert list(args.security_group_ids) == [SEGMENT_SG]
    assert dataclasses.replace(args, subnet_ids=[], security_group_ids=[], organization_id=None) == dataclasses.replace(
        pool_template(), subnet_ids=[], security_group_ids=[]
    )


# -- every object, whatever its kind ---------------------------------------------------------------------------
def test_every_aws_resource_uses_the_explicit_provider(shared, dedicated):
    for plan in (shared, dedicated):
        provider = one(plan, "pulumi:providers:aws")
        for registration in plan.registrations:
            if registration.custom and registration.type.startswith("aws:"):
                assert registration.provider and registration.provider.startswith(provider.urn), registration.name


def test_every_kubernetes_object_uses_the_cluster_provider(shared, dedicated):
    for plan in (shared, dedicated):
        provider = one(plan, "pulumi:providers:kubernetes")
        for registration in k8s_children(plan):
            assert registration.provider and registration.provider.startswith(provider.urn), registration.name


def test_every_kubernetes_object_is_valid_against_the_schema(shared, dedicated):
    assert schema_version("1.33") == "1.33"
    for plan, count in ((shared, 19), (dedicated, 20)):
        objects = k8s_children(plan)
        assert len(objects) == count
        for registration in objects:
            validate(manifest(registration), "1.33")


def test_children_are_named_after_the_component(dedicated):
    organization = one(dedicated, "quome:organization:Organization")
    children = [r for r in dedicated.registrations if r.parent == organization.urn]
    assert children and all(r.name.startswith("org-acme-") for r in children)


def test_dedicated_nodes_wait_for_what_the_placement_names():
    def body() -> None:
        provider = aws_provider("test-aws", make_spec())
        cluster = FakeCluster("cluster", provider)
        artifacts = aws.s3.Bucket("artifacts", opts=pulumi.ResourceOptions(provider=provider))
        placement = DedicatedPlacement(list(SEGMENT_SUBNETS), SEGMENT_SG, pool_template(), ready=(artifacts,))
        Organization("org-acme", org_args("acme", cluster, provider, placement=placement))

    plan = build(body)
    pool = one(plan, "quome:node_pool:SandboxNodePool")
    assert one(plan, "aws:s3/bucket:Bucket").urn in pool.dependencies
