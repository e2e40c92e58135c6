"""The Cluster built alone under the plan's mocks, from the compliant spec and fake network/key inputs."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
from typing import Any

import pytest

from components import organization
from components.cluster import (
    CLUSTER_ADMIN_POLICY_ARN,
    EBS_CSI_KEY_GRANT_SID,
    IAM_NAME_MAX,
    VOLUME_KEY_ACTIONS,
    AccessEntryRequest,
    Cluster,
    ClusterArgs,
    ebs_csi_role_arn,
    iam_name,
    key_grants,
)
from components.cluster_spec import CLUSTER_NAME_MAX_LENGTH
from components.config import ConfigError
from components.cluster_k8s import (
    NODE_LABELS_UNCHANGED_RULE,
    NODE_REGISTRATION_RULE,
    NODE_TAINTS_UNCHANGED_RULE,
    POD_RUNTIME_CLASS_RULE,
    POD_TOLERATION_RULE,
    PVC_STORAGE_CLASS_RULE,
    SERVICE_EXPOSURE_RULE,
    TENANT_SERVICE_TYPES,
    node_name_pattern,
    node_policy_variables,
)
from components.keys import KEY_USE_ACTIONS, KeyUseGrant, org_key
from components.network import artifact_bucket_name
from components.node_pool import POOL_LABEL, RUNTIME_LABEL
from components.providers import aws_provider
from quome.plan import Plan
from tests.components import k8s_schema
from tests.harness import ACCOUNT, build, make_spec, of_type, one, policy_document, statement

REGION = "us-east-1"
KEY = {purpose: f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{purpose}" for purpose in ("cluster", "storage", "logs")}
ORG_KEYS = tuple(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/org-{org_id}" for org_id in ("acme", "bluebird"))
ACCESS_LOGS = f"quome-access-logs-{ACCOUNT}-{REGION}"
ARTIFACTS = f"quome-artifacts-{ACCOUNT}-{REGION}"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/quome-deployer"

EKS = "aws:eks/cluster:Cluster"
NG = "aws:eks/nodeGroup:NodeGroup"
ADDON = "aws:eks/addon:Addon"
ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY = "aws:iam/policy:Policy"


def cluster_args(spec, **changes) -> ClusterArgs:
    args = ClusterArgs.from_spec(
        spec,
        private_subnet_ids=["subnet-a", "subnet-b", "subnet-c"],
        control_plane_security_group_id="sg-control-plane",
        node_security_group_id="sg-shared-nodes",
        cluster_key_arn=KEY["cluster"],
        storage_key_arn=KEY["storage"],
        logs_key_arn=KEY["logs"],
        access_log_bucket_name=ACCESS_LOGS,
        protect=spec.environment == "prod",
        volume_key_arns=ORG_KEYS,
    )
    return dataclasses.replace(args, **changes)


def build_cluster(spec=None, requests: tuple[AccessEntryRequest, ...] = (), **changes) -> Plan:
    spec = spec or make_spec()

    def body():
        cluster = Cluster("c", cluster_args(spec, **changes), aws_provider("aws", spec))
        for request in requests:
            cluster.grant_access(request)

    return build(body)


@pytest.fixture(scope="module")
def dev() -> Plan:
    return build_cluster()


@pytest.fixture(scope="module")
def prod() -> Plan:
    return build_cluster(make_spec(environment="prod"))


def by_name(plan: Plan, token: str) -> dict[str, Any]:
    return {r.name: r for r in of_type(plan, token)}


def attached(plan: Plan, role_resource: str) -> set[str]:
    role_name = one(plan, ROLE, role_resource).inputs["name"]
    policies = {r.name: r for r in of_type(plan, POLICY)}
    arns = set()
    for attachment in of_type(plan, ATTACH):
        if attachment.inputs["role"] == role_name:
            arn = attachment.inputs["policyArn"]
            customer = [p for p in policies.values() if p.inputs["name"] in arn]
            arns.add(customer[0].inputs["name"] if customer else arn)
    return arns


# -- control plane ------------------------------------------------------------------------------------


def test_cluster_is_private_api_only_encrypted_and_logs_everything(dev):
    inputs = one(dev, EKS).inputs
    assert inputs["name"] == "quome-test"
    assert inputs["version"] == "1.33"
    assert inputs["vpcConfig"] == {
        "subnetIds": ["subnet-a", "subnet-b", "subnet-c"],
        "securityGroupIds": ["sg-control-plane"],
        "endpointPrivateAccess": True,
        "endpointPublicAccess": False,
    }
    assert inputs["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert inputs["encryptionConfig"] == {"resources": ["secrets"], "provider": {"keyArn": KEY["cluster"]}}
    assert inputs["enabledClusterLogTypes"] == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert inputs["bootstrapSelfManagedAddons"] is False
    assert inputs["deletionProtection"] is False
    assert inputs["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/quome-test-control-plane"


def test_public_endpoint_only_for_named_ranges():
    spec = make_spec(cluster={"name": "quome-test", "publicAccessCidrs": ["203.0.113.0/24"]})
    vpc = one(build_cluster(spec), EKS).inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_control_plane_log_group_exists_first_encrypted_with_audit_retention(dev):
    group = one(dev, "aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == "/aws/eks/quome-test/cluster"
    assert group.inputs["kmsKeyId"] == KEY["logs"]
    assert group.inputs["retentionInDays"] == 2557
    assert group.urn in one(dev, EKS).dependencies


def test_prod_protects_stateful_leaves_and_turns_on_deletion_protection(prod):
    cluster = one(prod, EKS)
    assert cluster.inputs["deletionProtection"] is True
    assert cluster.protect is True
    group = one(prod, "aws:cloudwatch/logGroup:LogGroup")
    assert group.protect is True and group.inputs["deletionProtectionEnabled"] is True
    assert one(prod, "aws:s3/bucket:Bucket").protect is True
    protected = {r.type for r in prod.registrations if r.protect}
    assert protected == {EKS, "aws:cloudwatch/logGroup:LogGroup", "aws:s3/bucket:Bucket"}


def test_dev_protects_nothing(dev):
    assert [r.name for r in dev.registrations if r.protect] == []


def test_every_aws_resource_uses_the_explicit_provider(dev):
    provider = one(dev, "pulumi:providers:aws")
    aws_resources = [r for r in dev.registrations if r.custom and r.type.startswith("aws:")]
    assert len(aws_resources) > 30
    for registration in aws_resources:
        assert registration.provider == f"{provider.urn}::aws-provider-id", registration.name


# -- access ---------------------------------------------------------------------------------------------


def test_deployer_is_the_only_cluster_admin(dev):
    entry = one(dev, "aws:eks/accessEntry:AccessEntry", "c-deployer")
    assert entry.inputs == {"clusterName": "quome-test", "principalArn": DEPLOYER, "type": "STANDARD"}
    association = one(dev, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert association.inputs == {
        "clusterName": "quome-test",
        "principalArn": DEPLOYER,
        "policyArn": CLUSTER_ADMIN_POLICY_ARN,
        "accessScope": {"type": "cluster"},
    }


def test_kubernetes_provider_waits_for_the_deployers_access(dev):
    provider = one(dev, "pulumi:providers:kubernetes")
    entry = one(dev, "aws:eks/accessEntry:AccessEntry", "c-deployer")
    association = one(dev, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert {entry.urn, association.urn} <= set(provider.dependencies)
    config = json.loads(provider.inputs["kubeconfig"])
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"].startswith("https://") and cluster["server"].endswith(f".{REGION}.eks.amazonaws.com")
    assert cluster["certificate-authority-data"]
    exec_ = config["users"][0]["user"]["exec"]
    assert exec_["command"] == "aws"
    assert exec_["args"] == ["eks", "get-token", "--cluster-name", "quome-test", "--region", REGION, "--output", "json"]


def test_grant_access_maps_a_principal_to_groups_without_access_policies():
    request = AccessEntryRequest(
        principal_arn=f"arn:aws:iam::{ACCOUNT}:role/quome-acme-viewer",
        kubernetes_groups=("quome:acme:viewer",),
        name="acme-viewer",
    )
    plan = build_cluster(requests=(request,))
    entry = one(plan, "aws:eks/accessEntry:AccessEntry", "c-access-acme-viewer")
    assert entry.inputs == {
        "clusterName": "quome-test",
        "principalArn": f"arn:aws:iam::{ACCOUNT}:role/quome-acme-viewer",
        "kubernetesGroups": ["quome:acme:viewer"],
        "type": "STANDARD",
    }
    assert len(of_type(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")) == 1


def test_grant_access_refuses_a_duplicate_name():
    request = AccessEntryRequest(principal_arn=DEPLOYER, kubernetes_groups=("quome:ops",), name="ops")
    with pytest.raises(Exception) as caught:
        build_cluster(requests=(request, request))
    assert "an access entry named 'ops' already exists" in str(caught.value)


@pytest.mark.parametrize(
    ("groups", "name", "message"),
    [
        ((), "ops", "kubernetes_groups must be a non-empty tuple"),
        (("system:masters",), "ops", "'system:' groups (e.g. system:masters) are Kubernetes' own and never granted"),
        (("quome:ops",), "Ops", "AccessEntryRequest.name = 'Ops': must be a DNS-1123 label"),
    ],
)
def test_access_requests_are_checked(groups, name, message):
    with pytest.raises(ValueError) as caught:
        AccessEntryRequest(principal_arn=DEPLOYER, kubernetes_groups=groups, name=name)
    assert message in str(caught.value)


# -- IAM ------------------------------------------------------------------------------------------------


def test_roles_trust_only_their_service(dev):
    roles = by_name(dev, ROLE)
    control_plane = policy_document(roles["c-control-plane-role"].inputs["assumeRolePolicy"])
    assert statement(control_plane, "ServiceAssumesRole") == {
        "Sid": "ServiceAssumesRole",
        "Effect": "Allow",
        "Principal": {"Service": "eks.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }
    node = policy_document(roles["c-node-role"].inputs["assumeRolePolicy"])
    assert statement(node, "ServiceAssumesRole")["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert statement(node, "ServiceAssumesRole")["Action"] == "sts:AssumeRole"
    for role, account in (("c-vpc-cni-role", "aws-node"), ("c-ebs-csi-role", "ebs-csi-controller-sa")):
        trust = statement(policy_document(roles[role].inputs["assumeRolePolicy"]), "PodIdentityForOneServiceAccount")
        assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]
        # The organizations' workload-role form: this account's Pod Identity, this cluster by ARN.
        assert trust["Condition"] == {
            "StringEquals": {
                "aws:SourceAccount": ACCOUNT,
                "aws:RequestTag/eks-cluster-arn": f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/quome-test",
                "aws:RequestTag/kubernetes-namespace": "kube-system",
                "aws:RequestTag/kubernetes-service-account": account,
            }
        }


def test_roles_carry_exactly_their_policies_and_the_node_role_no_cni_policy(dev):
    managed = "arn:aws:iam::aws:policy"
    assert attached(dev, "c-control-plane-role") == {f"{managed}/AmazonEKSClusterPolicy"}
    assert attached(dev, "c-node-role") == {
        f"{managed}/AmazonEKSWorkerNodePolicy",
        f"{managed}/AmazonEC2ContainerRegistryPullOnly",
        "quome-test-node-artifacts",
    }
    assert attached(dev, "c-vpc-cni-role") == {f"{managed}/AmazonEKS_CNI_Policy"}
    assert attached(dev, "c-ebs-csi-role") == {
        f"{managed}/service-role/AmazonEBSCSIDriverPolicy", "quome-test-ebs-csi-kms"
    }


def test_no_inline_policies_anywhere(dev):
    assert of_type(dev, "aws:iam/rolePolicy:RolePolicy") == []
    for role in of_type(dev, ROLE):
        assert "inlinePolicies" not in role.inputs and "managedPolicyArns" not in role.inputs


def test_node_artifact_policy_reads_only_the_gvisor_prefix_and_decrypts_through_s3(dev):
    document = policy_document(by_name(dev, POLICY)["c-node-artifacts"].inputs["policy"])
    assert statement(document, "ReadGvisorArtifacts") == {
        "Sid": "ReadGvisorArtifacts",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{ARTIFACTS}/gvisor/*",
    }
    assert statement(document, "DecryptArtifactsThroughS3") == {
        "Sid": "DecryptArtifactsThroughS3",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": KEY["storage"],
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}},
    }
    assert len(document["Statement"]) == 2


def test_ebs_csi_uses_the_storage_and_organization_keys_only_through_ec2(dev):
    document = policy_document(by_name(dev, POLICY)["c-ebs-csi-kms"].inputs["policy"])
    assert [s["Sid"] for s in document["Statement"]] == [
        "UseStorageKeyForVolumes", "UseOrganizationKeysForVolumes", "GrantsForAttachedVolumes"
    ]
    use = statement(document, "UseStorageKeyForVolumes")
    assert use["Resource"] == KEY["storage"]
    assert set(use["Action"]) == {
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:DescribeKey",
    }
    assert use["Condition"] == {"StringEquals": {"kms:ViaService": f"ec2.{REGION}.amazonaws.com"}}
    # Organization keys: what EBS needs of the caller, and no Encrypt or Decrypt (only the org decrypts).
    org_use = statement(document, "UseOrganizationKeysForVolumes")
    assert org_use == {
        "Sid": "UseOrganizationKeysForVolumes",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo", "kms:DescribeKey"],
        "Resource": list(ORG_KEYS),
        "Condition": {"StringEquals": {"kms:ViaService": f"ec2.{REGION}.amazonaws.com"}},
    }
    grants = statement(document, "GrantsForAttachedVolumes")
    assert grants["Resource"] == [KEY["storage"], *ORG_KEYS]
    assert grants["Action"] == ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    assert grants["Condition"] == {
        "StringEquals": {"kms:ViaService": f"ec2.{REGION}.amazonaws.com"},
        "Bool": {"kms:GrantIsForAWSResource": "true"},
    }


def test_ebs_csi_without_volume_keys_uses_the_storage_key_only():
    document = policy_document(by_name(build_cluster(volume_key_arns=()), POLICY)["c-ebs-csi-kms"].inputs["policy"])
    assert [s["Sid"] for s in document["Statement"]] == ["UseStorageKeyForVolumes", "GrantsForAttachedVolumes"]
    assert statement(document, "GrantsForAttachedVolumes")["Resource"] == KEY["storage"]


def test_org_keys_allow_through_ec2_what_the_csi_driver_asks_of_them():
    """The CSI role's IAM policy and the org keys' policies must agree, or org volumes never provision."""
    ec2 = [g for g in organization.key_grants(make_spec()) if g.key == org_key("acme") and g.via_services == ("ec2",)]
    assert len(ec2) == 1
    assert ec2[0].principal_arns == (f"arn:aws:iam::{ACCOUNT}:role/quome-test-ebs-csi",)  # the CSI role, no other
    assert ec2[0].sid == EBS_CSI_KEY_GRANT_SID
    assert ec2[0].allow_create_grant is True
    assert set(VOLUME_KEY_ACTIONS) <= set(ec2[0].actions)


def test_the_csi_role_the_key_grants_name_is_the_role_the_cluster_creates_and_associates(dev):
    """The keys name the role before it exists, by ARN: a drift between the two would stop every volume."""
    arn = ebs_csi_role_arn(make_spec())
    assert arn == f"arn:aws:iam::{ACCOUNT}:role/quome-test-ebs-csi"
    role = one(dev, ROLE, "c-ebs-csi-role").inputs
    assert role["name"] == "quome-test-ebs-csi"
    assert "path" not in role  # the ARN has no path segment
    addon = next(r for r in of_type(dev, ADDON) if r.inputs["addonName"] == "aws-ebs-csi-driver")
    assert addon.inputs["podIdentityAssociations"] == [{"serviceAccount": "ebs-csi-controller-sa", "roleArn": arn}]
    assert ebs_csi_role_arn(make_spec(cluster={"name": "quome-other"})) == (
        f"arn:aws:iam::{ACCOUNT}:role/quome-other-ebs-csi"
    )


def test_the_longest_cluster_name_keeps_every_iam_name_of_the_cluster_within_iam_limits():
    name = "q" * CLUSTER_NAME_MAX_LENGTH
    plan = build_cluster(make_spec(cluster={"name": name}))
    names = [r.inputs["name"] for r in (*of_type(plan, ROLE), *of_type(plan, POLICY))]
    assert len(names) == 6  # control-plane, node, vpc-cni, ebs-csi; node-artifacts, ebs-csi-kms
    assert max(len(n) for n in names) == len(f"{name}-node-artifacts") == 55
    assert all(len(n) <= IAM_NAME_MAX for n in names)
    assert ebs_csi_role_arn(make_spec(cluster={"name": name})) == f"arn:aws:iam::{ACCOUNT}:role/{name}-ebs-csi"


def test_a_cluster_name_too_long_for_iam_is_refused_at_config_time():
    with pytest.raises(ConfigError) as caught:
        make_spec(cluster={"name": "q" * (CLUSTER_NAME_MAX_LENGTH + 1)})
    assert caught.value.problems == (
        f'quome:cluster.name = "{"q" * 41}": must start with a letter and hold only letters, digits and \'-\', '
        "at most 40 characters (role names derived from it must fit IAM's 64)",
    )


def test_an_iam_name_over_64_characters_is_refused_naming_the_cluster_name():
    with pytest.raises(ValueError) as caught:
        iam_name("q" * 57, "ebs-csi")
    assert str(caught.value) == (
        f"quome:cluster.name = '{'q' * 57}': the IAM name '{'q' * 57}-ebs-csi' derived from it is 65 characters; "
        "IAM allows 64"
    )
    assert iam_name("q" * 56, "ebs-csi") == f"{'q' * 56}-ebs-csi"


def test_no_customer_policy_allows_wildcards(dev):
    for policy in of_type(dev, POLICY):
        for item in policy_document(policy.inputs["policy"])["Statement"]:
            actions = item["Action"] if isinstance(item["Action"], list) else [item["Action"]]
            assert item["Resource"] != "*"
            assert not any(a == "*" or a.endswith(":*") for a in actions)


def test_key_grants_ask_for_service_scoped_use_only():
    assert key_grants(make_spec()) == (
        KeyUseGrant(key="cluster", via_services=("eks",), actions=KEY_USE_ACTIONS, allow_create_grant=True),
        KeyUseGrant(
            key="storage",
            via_services=("ec2",),
            actions=KEY_USE_ACTIONS,
            allow_create_grant=True,
            principal_arns=(f"arn:aws:iam::{ACCOUNT}:role/quome-test-ebs-csi",),
            sid="EbsCsiDriverVolumes",
        ),
        KeyUseGrant(
            key="storage", via_services=("s3",), actions=("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        ),
    )


# -- add-ons --------------------------------------------------------------------------------------------


def test_managed_addons_with_conflicts_resolved_by_the_platform(dev):
    addons = {r.inputs["addonName"]: r for r in of_type(dev, ADDON)}
    assert set(addons) == {"vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver"}
    for addon in addons.values():
        assert addon.inputs["clusterName"] == "quome-test"
        assert addon.inputs["resolveConflictsOnCreate"] == "OVERWRITE"
        assert addon.inputs["resolveConflictsOnUpdate"] == "OVERWRITE"
    assert json.loads(addons["vpc-cni"].inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    assert addons["vpc-cni"].inputs["podIdentityAssociations"] == [
        {"serviceAccount": "aws-node", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/quome-test-vpc-cni"}
    ]
    assert addons["aws-ebs-csi-driver"].inputs["podIdentityAssociations"] == [
        {"serviceAccount": "ebs-csi-controller-sa", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/quome-test-ebs-csi"}
    ]
    ebs_csi_configuration = json.loads(addons["aws-ebs-csi-driver"].inputs["configurationValues"])
    assert ebs_csi_configuration == {"node": {"tolerateAllTaints": True}}
    for name in ("kube-proxy", "coredns", "eks-pod-identity-agent"):
        assert "podIdentityAssociations" not in addons[name].inputs


def test_node_groups_wait_for_the_node_addons_and_deployment_addons_for_the_system_pool(dev):
    addons = {r.inputs["addonName"]: r for r in of_type(dev, ADDON)}
    node_addons = {addons[n].urn for n in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")}
    groups = by_name(dev, NG)
    for group in groups.values():
        assert node_addons <= set(group.property_dependencies["clusterName"])
    system = groups["c-system"].urn
    assert system in addons["coredns"].dependencies
    assert system in addons["aws-ebs-csi-driver"].dependencies
    assert addons["eks-pod-identity-agent"].urn in addons["vpc-cni"].dependencies


# -- node pools -----------------------------------------------------------------------------------------


def test_system_pool_is_untainted_al2023_on_a_hardened_template_without_user_data(dev):
    group = by_name(dev, NG)["c-system"].inputs
    assert group["labels"] == {"quome.io/pool": "system"}
    assert group["taints"] == []
    assert group["amiType"] == "AL2023_ARM_64_STANDARD"
    assert group["releaseVersion"] == "1.33.5-20251120"
    assert group["instanceTypes"] == ["m7g.large"]
    template = one(dev, "aws:ec2/launchTemplate:LaunchTemplate", "c-system-lt").inputs
    assert "userData" not in template and "imageId" not in template
    assert template["metadataOptions"]["httpTokens"] == "required"
    assert template["metadataOptions"]["httpPutResponseHopLimit"] == 1
    assert template["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
    assert template["blockDeviceMappings"][0]["ebs"]["kmsKeyId"] == KEY["storage"]


def test_sandbox_pool_is_the_shared_gvisor_pool_in_the_shared_subnets(dev):
    group = by_name(dev, NG)["c-sandbox"].inputs
    assert group["labels"] == {RUNTIME_LABEL: "gvisor", "quome.io/pool": "sandbox-shared"}
    assert group["taints"] == [{"key": RUNTIME_LABEL, "value": "gvisor", "effect": "NO_SCHEDULE"}]
    assert group["subnetIds"] == ["subnet-a", "subnet-b", "subnet-c"]
    assert group["nodeRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/quome-test-node"
    pool = one(dev, "quome:node_pool:SandboxNodePool")
    assert one(dev, "aws:s3/bucket:Bucket").urn in pool.dependencies


# -- artifact bucket ------------------------------------------------------------------------------------


def test_artifact_bucket_is_the_one_the_network_allows_and_passes_every_bucket_control(dev):
    bucket = one(dev, "aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == ARTIFACTS == artifact_bucket_name(ACCOUNT, REGION)
    assert bucket.inputs["forceDestroy"] is False
    assert one(dev, "aws:s3/bucketVersioning:BucketVersioning").inputs == {
        "bucket": ARTIFACTS, "versioningConfiguration": {"status": "Enabled"}
    }
    encryption = one(dev, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert encryption.inputs == {
        "bucket": ARTIFACTS,
        "rules": [
            {
                "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY["storage"]},
                "bucketKeyEnabled": True,
                "blockedEncryptionTypes": ["SSE-C"],
            }
        ],
    }
    assert one(dev, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs == {
        "bucket": ARTIFACTS,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert one(dev, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs == {
        "bucket": ARTIFACTS, "rule": {"objectOwnership": "BucketOwnerEnforced"}
    }
    assert one(dev, "aws:s3/bucketLogging:BucketLogging").inputs == {
        "bucket": ARTIFACTS, "targetBucket": ACCESS_LOGS, "targetPrefix": f"{ARTIFACTS}/"
    }
    policy = policy_document(one(dev, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{ARTIFACTS}", f"arn:aws:s3:::{ARTIFACTS}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


# -- Kubernetes objects ---------------------------------------------------------------------------------


def kubernetes_objects(plan: Plan) -> dict[str, dict[str, Any]]:
    """Kind (or kind/name where a kind occurs more than once) -> the manifest the API server gets."""
    manifests = [k8s_schema.manifest(r) for r in plan.registrations if r.type.startswith("kubernetes:")]
    kinds = [m["kind"] for m in manifests]
    return {m["kind"] if kinds.count(m["kind"]) == 1 else f"{m['kind']}/{m['metadata']['name']}": m for m in manifests}


VAP = "ValidatingAdmissionPolicy"
VAPB = "ValidatingAdmissionPolicyBinding"


def test_every_kubernetes_object_is_valid_for_the_clusters_version(dev):
    objects = kubernetes_objects(dev)
    assert set(objects) == {
        "RuntimeClass", "StorageClass",
        f"{VAP}/quome-tenant-sandbox", f"{VAPB}/quome-tenant-sandbox", f"{VAPB}/quome-tenant-sandbox-tenant-label",
        f"{VAP}/quome-node-isolation", f"{VAPB}/quome-node-isolation",
    }
    assert k8s_schema.schema_version("1.33") == "1.33"
    for document in objects.values():
        assert k8s_schema.validate(document, "1.33") == "1.33"


def test_schema_validation_is_strict():
    from kubernetes_validate import ValidationError

    with pytest.raises(ValidationError):
        k8s_schema.validate(
            {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": "x"}, "handlr": "runsc"},
            "1.33",
        )


def test_every_kubernetes_object_goes_through_the_clusters_provider(dev):
    provider = one(dev, "pulumi:providers:kubernetes")
    for registration in dev.registrations:
        if registration.type.startswith("kubernetes:"):
            assert registration.provider == f"{provider.urn}::c-k8s-provider-id"


def test_runtime_class_selects_and_tolerates_exactly_the_sandbox_pool(dev):
    runtime_class = kubernetes_objects(dev)["RuntimeClass"]
    assert runtime_class["metadata"]["name"] == "gvisor"
    assert runtime_class["handler"] == "runsc"
    assert runtime_class["overhead"] == {"podFixed": {"cpu": "250m", "memory": "256Mi"}}
    group = by_name(dev, NG)["c-sandbox"].inputs
    selector = runtime_class["scheduling"]["nodeSelector"]
    # The pool label, which dedicated organizations' nodes never carry (they are sandbox-<org>).
    assert selector == {RUNTIME_LABEL: "gvisor", POOL_LABEL: "sandbox-shared"}
    assert selector.items() <= group["labels"].items()
    tolerations = {
        (t["key"], t["operator"], t["value"], t["effect"]) for t in runtime_class["scheduling"]["tolerations"]
    }
    taints = {(t["key"], "Equal", t["value"], {"NO_SCHEDULE": "NoSchedule"}[t["effect"]]) for t in group["taints"]}
    assert tolerations == taints


def test_default_storage_class_is_encrypted_gp3_under_the_storage_key(dev):
    storage_class = kubernetes_objects(dev)["StorageClass"]
    assert storage_class["metadata"] == {
        "name": "gp3-encrypted",
        "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
    }
    assert storage_class["provisioner"] == "ebs.csi.aws.com"
    assert storage_class["parameters"] == {
        "type": "gp3",
        "encrypted": "true",
        "kmsKeyId": KEY["storage"],
        "tagSpecification_1": "quome.io/backup=daily",
    }
    assert storage_class["reclaimPolicy"] == "Retain"
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"


def test_admission_policy_denies_in_organization_namespaces_only(dev):
    objects = kubernetes_objects(dev)
    policy = objects[f"{VAP}/quome-tenant-sandbox"]
    spec = policy["spec"]
    assert spec["failurePolicy"] == "Fail"
    # No namespaceSelector on the policy any more: "organization label OR tenant label" needs two
    # bindings (a selector's requirements are ANDed), and a policy selector would narrow both.
    assert spec["matchConstraints"] == {
        "resourceRules": [
            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
             "resources": ["pods", "persistentvolumeclaims", "services"]}
        ],
    }
    assert [v["expression"] for v in spec["validations"]] == [
        POD_RUNTIME_CLASS_RULE, POD_TOLERATION_RULE, PVC_STORAGE_CLASS_RULE, SERVICE_EXPOSURE_RULE
    ]
    assert all(v["reason"] == "Forbidden" for v in spec["validations"])
    bindings = {
        name: objects[f"{VAPB}/{name}"] for name in ("quome-tenant-sandbox", "quome-tenant-sandbox-tenant-label")
    }
    for binding in bindings.values():
        assert binding["spec"]["policyName"] == policy["metadata"]["name"]
        assert binding["spec"]["validationActions"] == ["Deny"]
    # Any namespace with an organization label is covered, whether or not it says it is a tenant's ...
    assert bindings["quome-tenant-sandbox"]["spec"]["matchResources"] == {
        "namespaceSelector": {"matchExpressions": [{"key": "quome.io/organization", "operator": "Exists"}]}
    }
    # ... and so is any namespace labelled a tenant's (without an organization label it fails closed).
    assert bindings["quome-tenant-sandbox-tenant-label"]["spec"]["matchResources"] == {
        "namespaceSelector": {"matchLabels": {"quome.io/tenant": "true"}}
    }
    # The binding first deployed keeps its resource name (now the organization-label binding).
    binding_names = {
        r.name for r in of_type(dev, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding")
    }
    assert binding_names >= {"c-tenant-admission-binding", "c-tenant-admission-tenant-binding"}


TENANT_NAMESPACE = {
    "metadata": {
        "name": "org-acme",
        "labels": {
            "quome.io/tenant": "true",
            "quome.io/organization": "acme",
            "quome.io/runtime-class": "gvisor-acme",
            "quome.io/storage-class": "org-acme-ebs",
        },
    }
}


def _celpy():
    return pytest.importorskip("celpy", reason="cel-python evaluates the admission policies' CEL offline")


def _cel_value(expression: str, activation: dict[str, Any]) -> Any:
    """Evaluate CEL; activation values are JSON-like, except `variables`, already CEL values."""
    celpy = _celpy()
    environment = celpy.Environment()
    program = environment.program(environment.compile(expression))
    values = {key: value if key == "variables" else celpy.json_to_cel(value) for key, value in activation.items()}
    return program.evaluate(values)


def _cel(expression: str, activation: dict[str, Any]) -> bool:
    """A rule's verdict; an evaluation error fails the test (the API server would deny, failurePolicy Fail,
    but a rule that errors on ordinary input is a bug, not a decision)."""
    result = _cel_value(expression, activation)
    assert isinstance(result, _celpy().celtypes.BoolType), f"{expression!r} gave {result!r}"
    return bool(result)


PODS = {"group": "", "version": "v1", "resource": "pods"}


@pytest.mark.parametrize(
    ("namespace", "pod_spec", "allowed"),
    [
        (TENANT_NAMESPACE, {"runtimeClassName": "gvisor-acme"}, True),
        (TENANT_NAMESPACE, {}, False),
        (TENANT_NAMESPACE, {"runtimeClassName": "gvisor"}, False),
        (TENANT_NAMESPACE, {"runtimeClassName": "runc"}, False),
        ({"metadata": {"name": "org-x"}}, {"runtimeClassName": "gvisor"}, False),
        # Selected through the organization label alone: still needs a runtime-class label to match.
        (
            {"metadata": {"name": "org-x", "labels": {"quome.io/organization": "x"}}},
            {"runtimeClassName": "gvisor"},
            False,
        ),
    ],
)
def test_pod_rule_requires_the_namespaces_runtime_class(namespace, pod_spec, allowed):
    activation = {"request": {"resource": PODS}, "object": {"spec": pod_spec}, "namespaceObject": namespace}
    assert _cel(POD_RUNTIME_CLASS_RULE, activation) is allowed


CLAIMS = {"group": "", "version": "v1", "resource": "persistentvolumeclaims"}


@pytest.mark.parametrize(
    ("claim_spec", "allowed"),
    [
        ({"storageClassName": "org-acme-ebs"}, True),
        # The cluster default is the platform storage key, shared by every organization: no longer allowed.
        ({"storageClassName": "gp3-encrypted"}, False),
        ({"storageClassName": "gp2"}, False),
        ({"storageClassName": "org-other-ebs"}, False),
        ({"storageClassName": ""}, False),
        ({}, False),
    ],
)
def test_claim_rule_requires_the_orgs_own_class(claim_spec, allowed):
    activation = {
        "request": {"operation": "CREATE", "resource": CLAIMS},
        "object": {"spec": claim_spec},
        "oldObject": None,
        "namespaceObject": TENANT_NAMESPACE,
    }
    assert _cel(PVC_STORAGE_CLASS_RULE, activation) is allowed


@pytest.mark.parametrize(
    ("old_spec", "new_spec", "allowed"),
    [
        # Claims made before the rule keep working (the class is immutable; controllers drop finalizers).
        ({"storageClassName": "gp3-encrypted"}, {"storageClassName": "gp3-encrypted"}, True),
        ({"storageClassName": "org-acme-ebs"}, {"storageClassName": "org-acme-ebs"}, True),
        # A claim without a class gets the default assigned later (retroactively): that must be the org's.
        ({}, {"storageClassName": "gp3-encrypted"}, False),
        ({}, {"storageClassName": "org-acme-ebs"}, True),
        ({"storageClassName": "gp3-encrypted"}, {}, False),
    ],
)
def test_claim_updates_keep_their_class_or_take_the_orgs(old_spec, new_spec, allowed):
    activation = {
        "request": {"operation": "UPDATE", "resource": CLAIMS},
        "object": {"spec": new_spec},
        "oldObject": {"spec": old_spec},
        "namespaceObject": TENANT_NAMESPACE,
    }
    assert _cel(PVC_STORAGE_CLASS_RULE, activation) is allowed


@pytest.mark.parametrize(
    ("service_spec", "allowed"),
    [
        ({"ports": [{"port": 8443}]}, True),
        ({"type": "ClusterIP", "clusterIP": "None"}, True),
        ({"type": "ExternalName", "externalName": "db.example.internal"}, True),
        ({"type": "ClusterIP", "externalIPs": []}, True),
        # CVE-2020-8554: kube-proxy on every node would capture traffic to these addresses.
        ({"type": "ClusterIP", "externalIPs": ["10.64.126.10"]}, False),
        ({"externalIPs": ["203.0.113.7"]}, False),
        ({"type": "LoadBalancer"}, False),
        ({"type": "NodePort"}, False),
    ],
)
def test_service_rule_refuses_external_ips_and_node_exposure(service_spec, allowed):
    activation = {
        "request": {"operation": "CREATE", "resource": {"group": "", "version": "v1", "resource": "services"}},
        "object": {"spec": service_spec},
        "namespaceObject": TENANT_NAMESPACE,
    }
    assert _cel(SERVICE_EXPOSURE_RULE, activation) is allowed
    assert TENANT_SERVICE_TYPES == ("ClusterIP", "ExternalName")


RUNTIME_TOLERATION = {"key": "sandbox.quome.io/runtime", "operator": "Equal", "value": "gvisor", "effect": "NoSchedule"}
OWN_ORG = {"key": "quome.io/organization", "operator": "Equal", "value": "acme", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("namespace", "tolerations", "allowed"),
    [
        (TENANT_NAMESPACE, None, True),
        (TENANT_NAMESPACE, [RUNTIME_TOLERATION], True),
        (TENANT_NAMESPACE, [RUNTIME_TOLERATION, OWN_ORG], True),
        (TENANT_NAMESPACE, [{k: v for k, v in OWN_ORG.items() if k != "operator"}], True),
        (
            TENANT_NAMESPACE,
            [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}],
            True,
        ),
        (TENANT_NAMESPACE, [RUNTIME_TOLERATION, {**OWN_ORG, "value": "bluebird"}], False),
        (TENANT_NAMESPACE, [{**OWN_ORG, "value": ""}], False),
        (TENANT_NAMESPACE, [{k: v for k, v in OWN_ORG.items() if k != "value"}], False),
        (TENANT_NAMESPACE, [{"key": "quome.io/organization", "operator": "Exists", "effect": "NoSchedule"}], False),
        (TENANT_NAMESPACE, [{"operator": "Exists"}], False),
        (TENANT_NAMESPACE, [{"key": "", "operator": "Exists"}], False),
        ({"metadata": {"name": "org-x", "labels": {"quome.io/tenant": "true"}}}, [OWN_ORG], False),
        ({"metadata": {"name": "org-x"}}, [OWN_ORG], False),
    ],
)
def test_toleration_rule_admits_only_the_namespaces_own_organization(namespace, tolerations, allowed):
    spec = {"runtimeClassName": "gvisor"}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    activation = {"request": {"resource": PODS}, "object": {"spec": spec}, "namespaceObject": namespace}
    assert _cel(POD_TOLERATION_RULE, activation) is allowed


def test_each_rule_ignores_the_other_kinds():
    def request(resource: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {"request": {"operation": "CREATE", "resource": {"resource": resource}}, "object": {"spec": spec},
                "namespaceObject": TENANT_NAMESPACE}

    pod, claim = request("pods", {}), request("persistentvolumeclaims", {})
    service = request("services", {"type": "LoadBalancer", "externalIPs": ["203.0.113.7"]})
    assert _cel(PVC_STORAGE_CLASS_RULE, pod) is True
    assert _cel(PVC_STORAGE_CLASS_RULE, service) is True
    assert _cel(POD_RUNTIME_CLASS_RULE, claim) is True
    assert _cel(POD_RUNTIME_CLASS_RULE, service) is True
    assert _cel(SERVICE_EXPOSURE_RULE, pod) is True
    assert _cel(SERVICE_EXPOSURE_RULE, claim) is True
    other_org = {**OWN_ORG, "value": "bluebird"}
    claim_with_tolerations = {**claim, "object": {"spec": {"tolerations": [other_org]}}}
    assert _cel(POD_TOLERATION_RULE, claim_with_tolerations) is True


# -- the node admission policy ----------------------------------------------------------------------------
ACME_SEGMENT = "10.64.128.0/21"  # acme's derived segment in the default plan (bluebird is not dedicated)
SHARED_NODE = "system:node:ip-10-64-33-7.ec2.internal"
ACME_NODE = "system:node:ip-10-64-130-5.ec2.internal"
OTHER_SEGMENT_NODE = "system:node:ip-10-64-224-9.us-east-1.compute.internal"  # a free slot of the supernet
SHARED_SANDBOX_LABELS = {
    RUNTIME_LABEL: "gvisor", POOL_LABEL: "sandbox-shared", "kubernetes.io/hostname": "ip-10-64-33-7"
}
ACME_LABELS = {RUNTIME_LABEL: "gvisor", POOL_LABEL: "sandbox-acme", "quome.io/organization": "acme"}
SANDBOX_TAINT = {"key": RUNTIME_LABEL, "value": "gvisor", "effect": "NoSchedule"}
ACME_TAINT = {"key": "quome.io/organization", "value": "acme", "effect": "NoSchedule"}


def _node(labels: dict[str, str] | None, taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"metadata": {"name": "n"}, "spec": {}}
    if labels is not None:
        node["metadata"]["labels"] = labels
    if taints is not None:
        node["spec"]["taints"] = taints
    return node


def node_admission(plan: Plan, user: str, operation: str, new: dict[str, Any], old: dict[str, Any] | None = None,
                   subresource: str = "") -> list[str] | None:
    """What the planned node policy does with a request: None if it does not judge it (match condition),
    else the messages of the rules it breaks ([] = admitted). Variables are evaluated first, like the API server."""
    celpy = _celpy()
    spec = kubernetes_objects(plan)[f"{VAP}/quome-node-isolation"]["spec"]
    activation = {
        "request": {"operation": operation, "userInfo": {"username": user}, "subResource": subresource,
                    "resource": {"group": "", "version": "v1", "resource": "nodes"}},
        "object": new,
        "oldObject": old,
    }
    if not all(_cel(condition["expression"], activation) for condition in spec["matchConditions"]):
        return None
    variables: dict[Any, Any] = {}
    for variable in spec["variables"]:
        value = _cel_value(variable["expression"], {**activation, "variables": celpy.celtypes.MapType(variables)})
        variables[celpy.celtypes.StringType(variable["name"])] = value
    activation["variables"] = celpy.celtypes.MapType(variables)
    return [v["message"] for v in spec["validations"] if not _cel(v["expression"], activation)]


def test_node_policy_judges_kubelets_writing_nodes(dev):
    objects = kubernetes_objects(dev)
    spec = objects[f"{VAP}/quome-node-isolation"]["spec"]
    assert spec["failurePolicy"] == "Fail"
    # Labels can be written through the status subresource too.
    assert spec["matchConstraints"] == {
        "resourceRules": [
            {
                "apiGroups": [""],
                "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"],
                "resources": ["nodes", "nodes/status"],
            }
        ]
    }
    assert spec["matchConditions"] == [
        {"name": "requests-by-kubelets", "expression": "request.userInfo.username.startsWith('system:node:')"}
    ]
    assert [v["expression"] for v in spec["validations"]] == [
        NODE_REGISTRATION_RULE, NODE_LABELS_UNCHANGED_RULE, NODE_TAINTS_UNCHANGED_RULE
    ]
    assert all(v["reason"] == "Forbidden" for v in spec["validations"])
    assert spec["variables"] == [
        {"name": n, "expression": e} for n, e in node_policy_variables({"acme": ACME_SEGMENT}).items()
    ]
    binding = objects[f"{VAPB}/quome-node-isolation"]
    assert binding["spec"] == {"policyName": "quome-node-isolation", "validationActions": ["Deny"]}


def test_node_policy_leaves_everyone_but_kubelets_alone(dev):
    relabel = _node({**SHARED_SANDBOX_LABELS, "quome.io/organization": "acme"})
    for user in ("kubernetes-admin", "eks:node-manager", "system:serviceaccount:kube-system:node-controller"):
        assert node_admission(dev, user, "UPDATE", relabel, _node(SHARED_SANDBOX_LABELS)) is None


REGISTRATION = "may register with 'quome.io/organization' only inside that organization's segment"
LABELS = "a node may not add, remove or change its quome.io/* or *.quome.io/* labels"
TAINTS = "a node may not add, remove or change its quome.io/* or *.quome.io/* taints"


@pytest.mark.parametrize(
    ("user", "labels", "admitted"),
    [
        (SHARED_NODE, SHARED_SANDBOX_LABELS, True),
        (SHARED_NODE, {POOL_LABEL: "system"}, True),
        (SHARED_NODE, {"kubernetes.io/hostname": "ip-10-64-33-7"}, True),
        (SHARED_NODE, None, True),
        (ACME_NODE, ACME_LABELS, True),
        (ACME_NODE.replace(".ec2.internal", ".us-east-1.compute.internal"), ACME_LABELS, True),
        # A shared node (say, re-registering after its Node object was deleted) claiming an organization.
        (SHARED_NODE, {**SHARED_SANDBOX_LABELS, "quome.io/organization": "acme"}, False),
        (SHARED_NODE, {**SHARED_SANDBOX_LABELS, POOL_LABEL: "sandbox-acme"}, False),
        (OTHER_SEGMENT_NODE, ACME_LABELS, False),
        (OTHER_SEGMENT_NODE, {**ACME_LABELS, "quome.io/organization": "kappa", POOL_LABEL: "sandbox-kappa"}, False),
        # A node inside acme's segment must say so, or shared tenants' pods could land on it.
        (ACME_NODE, SHARED_SANDBOX_LABELS, False),
        (ACME_NODE, {**ACME_LABELS, POOL_LABEL: "sandbox-shared"}, False),
        # Names that are not addresses place a node nowhere: no organization for it.
        ("system:node:i-0123456789abcdef0.ec2.internal", ACME_LABELS, False),
        ("system:node:ip-10-64-130-5", ACME_LABELS, False),
    ],
)
def test_a_node_registers_with_an_organization_only_from_inside_its_segment(dev, user, labels, admitted):
    taints = [SANDBOX_TAINT, ACME_TAINT] if labels and "quome.io/organization" in labels else [SANDBOX_TAINT]
    messages = node_admission(dev, user, "CREATE", _node(labels, taints))
    assert messages == ([] if admitted else [next(v for v in _node_messages(dev) if REGISTRATION in v)])


def _node_messages(plan: Plan) -> list[str]:
    return [v["message"] for v in kubernetes_objects(plan)[f"{VAP}/quome-node-isolation"]["spec"]["validations"]]


@pytest.mark.parametrize(
    ("old_labels", "new_labels", "admitted"),
    [
        (SHARED_SANDBOX_LABELS, SHARED_SANDBOX_LABELS, True),
        # Kubernetes' own labels are the kubelet's to refresh (NodeRestriction polices those).
        (SHARED_SANDBOX_LABELS, {**SHARED_SANDBOX_LABELS, "node.kubernetes.io/instance-type": "m7g.large"}, True),
        (SHARED_SANDBOX_LABELS, {**SHARED_SANDBOX_LABELS, "team": "x"}, True),
        (SHARED_SANDBOX_LABELS, {**SHARED_SANDBOX_LABELS, "quome.io/organization": "acme"}, False),
        (SHARED_SANDBOX_LABELS, {**SHARED_SANDBOX_LABELS, POOL_LABEL: "sandbox-acme"}, False),
        (SHARED_SANDBOX_LABELS, {k: v for k, v in SHARED_SANDBOX_LABELS.items() if k != RUNTIME_LABEL}, False),
        (SHARED_SANDBOX_LABELS, {**SHARED_SANDBOX_LABELS, "placement.quome.io/anything": "x"}, False),
        (ACME_LABELS, {**ACME_LABELS, "quome.io/organization": "kappa"}, False),
        (ACME_LABELS, None, False),
        (None, {"quome.io/organization": "acme"}, False),
        (None, {"team": "x"}, True),
    ],
)
def test_a_kubelet_cannot_change_its_isolation_labels(dev, old_labels, new_labels, admitted):
    for subresource in ("", "status"):
        messages = node_admission(dev, SHARED_NODE, "UPDATE", _node(new_labels, [SANDBOX_TAINT]),
                                  _node(old_labels, [SANDBOX_TAINT]), subresource)
        assert messages == ([] if admitted else [LABELS]), subresource


@pytest.mark.parametrize(
    ("old_taints", "new_taints", "admitted"),
    [
        ([SANDBOX_TAINT], [SANDBOX_TAINT], True),
        ([SANDBOX_TAINT], [SANDBOX_TAINT, {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}], True),
        (None, None, True),
        ([SANDBOX_TAINT, ACME_TAINT], [SANDBOX_TAINT], False),
        ([SANDBOX_TAINT], [], False),
        ([SANDBOX_TAINT], None, False),
        ([SANDBOX_TAINT], [{**SANDBOX_TAINT, "effect": "PreferNoSchedule"}], False),
        ([SANDBOX_TAINT], [{**SANDBOX_TAINT, "value": "runc"}], False),
        ([SANDBOX_TAINT], [SANDBOX_TAINT, ACME_TAINT], False),
        (None, [{"key": "quome.io/organization", "effect": "NoSchedule"}], False),
    ],
)
def test_a_kubelet_cannot_change_its_isolation_taints(dev, old_taints, new_taints, admitted):
    messages = node_admission(dev, SHARED_NODE, "UPDATE", _node(SHARED_SANDBOX_LABELS, new_taints),
                              _node(SHARED_SANDBOX_LABELS, old_taints))
    assert messages == ([] if admitted else [TAINTS])


def test_the_registration_rule_does_not_judge_updates_nor_the_update_rules_registrations(dev):
    # An existing dedicated node updating its status from inside its segment, and a shared one.
    assert node_admission(dev, ACME_NODE, "UPDATE", _node(ACME_LABELS, [SANDBOX_TAINT, ACME_TAINT]),
                          _node(ACME_LABELS, [SANDBOX_TAINT, ACME_TAINT]), "status") == []
    assert node_admission(dev, SHARED_NODE, "CREATE", _node(SHARED_SANDBOX_LABELS, [SANDBOX_TAINT])) == []


def test_without_dedicated_organizations_no_node_may_claim_one():
    plan = build_cluster(make_spec(organizations=[
        {"id": "bluebird", "displayName": "Bluebird", "tier": "standard", "residency": "us"}
    ]))
    spec = kubernetes_objects(plan)[f"{VAP}/quome-node-isolation"]["spec"]
    assert {v["name"]: v["expression"] for v in spec["variables"]}["segments"] == "{}"
    assert node_admission(plan, ACME_NODE, "CREATE", _node(ACME_LABELS)) != []
    assert node_admission(plan, ACME_NODE, "CREATE", _node(SHARED_SANDBOX_LABELS)) == []


@pytest.mark.parametrize(
    "cidr", ["10.64.128.0/21", "10.64.248.0/21", "10.80.128.0/18", "10.96.200.0/24", "172.16.0.0/16"]
)
def test_node_name_pattern_matches_exactly_the_segments_addresses(cidr):
    import random

    segment = ipaddress.IPv4Network(cidr)
    pattern = re.compile(node_name_pattern(segment))
    rng = random.Random(cidr)
    around = ipaddress.IPv4Network((int(segment.network_address) & ~0x3FFFF, 14), strict=False)
    first = segment.network_address
    # Edges, and an address whose third octet is a prefix of the segment's (10.64.13.5 for 10.64.130.0/..).
    samples = [first, segment.broadcast_address, first - 1, segment.broadcast_address + 1,
               ipaddress.IPv4Address(int(first) - (int(first) & 0xFF00) + ((int(first) >> 8 & 0xFF) // 10 << 8) + 5)]
    samples += [
        ipaddress.IPv4Address(rng.randrange(int(around.network_address), int(around.broadcast_address)))
        for _ in range(400)
    ]
    for address in samples:
        name = f"system:node:ip-{str(address).replace('.', '-')}.ec2.internal"
        assert bool(pattern.search(name)) is (address in segment), (cidr, address)
    # The third octet is matched whole: a name with more digits there is no address of the segment.
    a, b, c, _ = str(segment.network_address).split(".")
    assert not pattern.search(f"system:node:ip-{a}-{b}-{c}0-5.ec2.internal")
    with pytest.raises(ValueError, match="a segment must be /16 to /24"):
        node_name_pattern(ipaddress.IPv4Network("10.64.128.0/25"))


def test_node_segments_come_from_the_address_plan():
    args = cluster_args(make_spec())
    assert dict(args.node_segments) == {"acme": ACME_SEGMENT}
    with pytest.raises(
        ValueError, match=r"ClusterArgs.node_segments\['acme'\] = '10.64.128.1/21': not an IPv4 network"
    ):
        cluster_args(make_spec(), node_segments={"acme": "10.64.128.1/21"})
    with pytest.raises(
        ValueError,
        match=r"ClusterArgs.node_segments\['acme'\] = '10.64.128.0/25': an organization segment is /16 to /24",
    ):
        cluster_args(make_spec(), node_segments={"acme": "10.64.128.0/25"})


# -- argument checks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"private_subnet_ids": ["subnet-a"]},
            "ClusterArgs.private_subnet_ids has 1 subnet(s): EKS needs subnets in at least two AZs",
        ),
        ({"deployer_role_arn": "arn:aws:iam::999999999999:role/x"}, "must be an IAM role of account 111111111111"),
        (
            {"log_retention_days": 30},
            "ClusterArgs.log_retention_days = 30: audit logs are kept at least 365 days (or 0, forever)",
        ),
        ({"account_id": "42"}, "ClusterArgs.account_id = '42': must be a 12-digit AWS account id"),
    ],
)
def test_cluster_args_are_checked_eagerly(changes, message):
    with pytest.raises(ValueError) as caught:
        cluster_args(make_spec(), **changes)
    assert message in str(caught.value)


def test_volume_keys_must_be_a_tuple():
    with pytest.raises(TypeError, match="ClusterArgs.volume_key_arns must be a tuple, got list"):
        cluster_args(make_spec(), volume_key_arns=list(ORG_KEYS))


# -- the HIPAA pack over the whole stack ----------------------------------------------------------------


def _deployer_is_break_glass(stack: str, deployer: str) -> bool:
    """Whether the stack's policy config lists the deployer among acc-eks-access-entries' break-glass principals."""
    from quome.plan import PROJECT_ROOT
    from quome.policy_config import load_policy_config, policy_config_path

    config = load_policy_config(policy_config_path(PROJECT_ROOT, stack)) or {}
    entry = config.get("acc-eks-access-entries")
    return isinstance(entry, dict) and deployer in entry.get("breakGlassPrincipalArns", [])


@pytest.mark.parametrize("stack", ["us-prod", "eu-prod"])
def test_the_policy_pack_finds_no_mandatory_violation_in_the_cluster(stack):
    """Whatever the pack checks today or later, nothing the cluster creates may violate it.

    The one cluster-wide admin is the deployer's access entry; acc-eks-access-entries accepts it only when
    the stack's policy config names the deployer in `breakGlassPrincipalArns`, so until it does, exactly
    that association is expected to be reported. Prod stacks only: outside prod the platform leaves
    stateful leaves unprotected by design, and the stack's policy config decides how the pack treats that.
    """
    from quome.check import check_plan
    from quome.plan import load_spec, plan_stack

    deployer = load_spec(stack).spec.deployer_role_arn
    document = plan_stack(stack)
    cluster_urns = {r["urn"] for r in document["resources"] if "quome:cluster:Cluster" in r["urn"]}
    assert any(EKS in urn for urn in cluster_urns)
    assert any("quome:node_pool:SandboxNodePool" in urn for urn in cluster_urns)
    result = check_plan(document, in_process=True)
    assert result.policies, "the pack loaded no policy"
    mandatory = [
        (v.policy, v.urn.rsplit("::", 1)[1])
        for v in result.violations
        if v.enforcement == "mandatory" and v.urn in cluster_urns
    ]
    expected = [] if _deployer_is_break_glass(stack, deployer) else [
        ("acc-eks-access-entries", f"quome-{stack}-cluster-deployer-admin")
    ]
    assert mandatory == expected
