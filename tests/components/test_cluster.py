"""The Cluster built alone under the plan's mocks, from the compliant spec and fake network/key inputs."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from components import organization
from components.cluster import (
    CLUSTER_ADMIN_POLICY_ARN,
    VOLUME_KEY_ACTIONS,
    AccessEntryRequest,
    Cluster,
    ClusterArgs,
    key_grants,
)
from components.cluster_k8s import POD_TOLERATION_RULE, PVC_STORAGE_CLASS_RULE, POD_RUNTIME_CLASS_RULE
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
        principal_arn=f"arn:aws:iam::{ACCOUNT}:role/quome-acme-viewer", kubernetes_groups=("quome:acme:viewer",), name="acme-viewer"
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
    assert attached(dev, "c-ebs-csi-role") == {f"{managed}/service-role/AmazonEBSCSIDriverPolicy", "quome-test-ebs-csi-kms"}


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
        "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"
    }
    assert use["Condition"] == {"StringEquals": {"kms:ViaService": f"ec2.{REGION}.amazonaws.com"}}
    # Organization keys: what EBS needs of the caller, and no Encrypt or Decrypt (only the org decrypts).
    org_use = statement(document, "UseOrganizationKeysForVolumes")
    assert org_use == {
        "Sid": "UseOrganizationKeysForVolumes",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey"],
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
    assert ec2[0].principal_arns == ()  # the account, so the CSI role as its IAM policy allows
    assert ec2[0].allow_create_grant is True
    assert set(VOLUME_KEY_ACTIONS) <= set(ec2[0].actions)


def test_no_customer_policy_allows_wildcards(dev):
    for policy in of_type(dev, POLICY):
        for item in policy_document(policy.inputs["policy"])["Statement"]:
            actions = item["Action"] if isinstance(item["Action"], list) else [item["Action"]]
            assert item["Resource"] != "*"
            assert not any(a == "*" or a.endswith(":*") for a in actions)


def test_key_grants_ask_for_service_scoped_use_only():
    assert key_grants(make_spec()) == (
        KeyUseGrant(key="cluster", via_services=("eks",), actions=KEY_USE_ACTIONS, allow_create_grant=True),
        KeyUseGrant(key="storage", via_services=("ec2",), actions=KEY_USE_ACTIONS, allow_create_grant=True),
        KeyUseGrant(key="storage", via_services=("s3",), actions=("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")),
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
    assert json.loads(addons["aws-ebs-csi-driver"].inputs["configurationValues"]) == {"node": {"tolerateAllTaints": True}}
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
    assert one(dev, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs == {
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
        "bucket": ARTIFACTS, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True
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
    return {r.type.rsplit(":", 1)[1]: k8s_schema.manifest(r) for r in plan.registrations if r.type.startswith("kubernetes:")}


def test_every_kubernetes_object_is_valid_for_the_clusters_version(dev):
    objects = kubernetes_objects(dev)
    assert set(objects) == {"RuntimeClass", "StorageClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
    assert k8s_schema.schema_version("1.33") == "1.33"
    for document in objects.values():
        assert k8s_schema.validate(document, "1.33") == "1.33"


def test_schema_validation_is_strict():
    from kubernetes_validate import ValidationError

    with pytest.raises(ValidationError):
        k8s_schema.validate({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": {"name": "x"}, "handlr": "runsc"}, "1.33")


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
    tolerations = {(t["key"], t["operator"], t["value"], t["effect"]) for t in runtime_class["scheduling"]["tolerations"]}
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


def test_admission_policy_denies_in_tenant_namespaces_only(dev):
    objects = kubernetes_objects(dev)
    policy, binding = objects["ValidatingAdmissionPolicy"], objects["ValidatingAdmissionPolicyBinding"]
    spec = policy["spec"]
    assert spec["failurePolicy"] == "Fail"
    assert spec["matchConstraints"] == {
        "namespaceSelector": {"matchLabels": {"quome.io/tenant": "true"}},
        "resourceRules": [
            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods", "persistentvolumeclaims"]}
        ],
    }
    assert [v["expression"] for v in spec["validations"]] == [
        POD_RUNTIME_CLASS_RULE, POD_TOLERATION_RULE, PVC_STORAGE_CLASS_RULE
    ]
    assert all(v["reason"] == "Forbidden" for v in spec["validations"])
    assert binding["spec"] == {
        "policyName": policy["metadata"]["name"],
        "validationActions": ["Deny"],
        "matchResources": {"namespaceSelector": {"matchLabels": {"quome.io/tenant": "true"}}},
    }


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


def _cel(expression: str, activation: dict[str, Any]) -> bool:
    celpy = pytest.importorskip("celpy", reason="cel-python evaluates the admission policy's CEL offline")
    program = celpy.Environment().program(celpy.Environment().compile(expression))
    return bool(program.evaluate({key: celpy.json_to_cel(value) for key, value in activation.items()}))


@pytest.mark.parametrize(
    ("namespace", "pod_spec", "allowed"),
    [
        (TENANT_NAMESPACE, {"runtimeClassName": "gvisor-acme"}, True),
        (TENANT_NAMESPACE, {}, False),
        (TENANT_NAMESPACE, {"runtimeClassName": "gvisor"}, False),
        (TENANT_NAMESPACE, {"runtimeClassName": "runc"}, False),
        ({"metadata": {"name": "org-x"}}, {"runtimeClassName": "gvisor"}, False),
    ],
)
def test_pod_rule_requires_the_namespaces_runtime_class(namespace, pod_spec, allowed):
    activation = {"request": {"resource": {"group": "", "version": "v1", "resource": "pods"}}, "object": {"spec": pod_spec}, "namespaceObject": namespace}
    assert _cel(POD_RUNTIME_CLASS_RULE, activation) is allowed


@pytest.mark.parametrize(
    ("claim_spec", "allowed"),
    [
        ({"storageClassName": "org-acme-ebs"}, True),
        ({"storageClassName": "gp3-encrypted"}, True),
        ({"storageClassName": "gp2"}, False),
        ({"storageClassName": "org-other-ebs"}, False),
        ({"storageClassName": ""}, False),
        ({}, False),
    ],
)
def test_claim_rule_requires_the_orgs_or_the_default_class(claim_spec, allowed):
    activation = {
        "request": {"resource": {"group": "", "version": "v1", "resource": "persistentvolumeclaims"}},
        "object": {"spec": claim_spec},
        "namespaceObject": TENANT_NAMESPACE,
    }
    assert _cel(PVC_STORAGE_CLASS_RULE, activation) is allowed


RUNTIME_TOLERATION = {"key": "sandbox.quome.io/runtime", "operator": "Equal", "value": "gvisor", "effect": "NoSchedule"}
OWN_ORG = {"key": "quome.io/organization", "operator": "Equal", "value": "acme", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("namespace", "tolerations", "allowed"),
    [
        (TENANT_NAMESPACE, None, True),
        (TENANT_NAMESPACE, [RUNTIME_TOLERATION], True),
        (TENANT_NAMESPACE, [RUNTIME_TOLERATION, OWN_ORG], True),
        (TENANT_NAMESPACE, [{k: v for k, v in OWN_ORG.items() if k != "operator"}], True),
        (TENANT_NAMESPACE, [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}], True),
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
    spec = {"runtimeClassName": "gvisor"} if tolerations is None else {"runtimeClassName": "gvisor", "tolerations": tolerations}
    activation = {"request": {"resource": {"group": "", "version": "v1", "resource": "pods"}}, "object": {"spec": spec}, "namespaceObject": namespace}
    assert _cel(POD_TOLERATION_RULE, activation) is allowed


def test_each_rule_ignores_the_other_kind():
    pod = {"request": {"resource": {"resource": "pods"}}, "object": {"spec": {}}, "namespaceObject": TENANT_NAMESPACE}
    claim = {"request": {"resource": {"resource": "persistentvolumeclaims"}}, "object": {"spec": {}}, "namespaceObject": TENANT_NAMESPACE}
    assert _cel(PVC_STORAGE_CLASS_RULE, pod) is True
    assert _cel(POD_RUNTIME_CLASS_RULE, claim) is True
    other_org = {**OWN_ORG, "value": "bluebird"}
    claim_with_tolerations = {**claim, "object": {"spec": {"tolerations": [other_org]}}}
    assert _cel(POD_TOLERATION_RULE, claim_with_tolerations) is True


# -- argument checks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"private_subnet_ids": ["subnet-a"]}, "ClusterArgs.private_subnet_ids has 1 subnet(s): EKS needs subnets in at least two AZs"),
        ({"deployer_role_arn": "arn:aws:iam::999999999999:role/x"}, "must be an IAM role of account 111111111111"),
        ({"log_retention_days": 30}, "ClusterArgs.log_retention_days = 30: audit logs are kept at least 365 days (or 0, forever)"),
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
        (v.policy, v.urn.rsplit("::", 1)[1]) for v in result.violations if v.enforcement == "mandatory" and v.urn in cluster_urns
    ]
    expected = [] if _deployer_is_break_glass(stack, deployer) else [
        ("acc-eks-access-entries", f"quome-{stack}-cluster-deployer-admin")
    ]
    assert mandatory == expected
