"""SandboxNodePool built alone under the plan's mocks: launch template, node group, labels and taints."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from components.node_pool import (
    ORGANIZATION_LABEL,
    POOL_LABEL,
    RUNTIME_LABEL,
    SYSTEM_POOL,
    PoolScaling,
    PoolTaint,
    SandboxNodePool,
    SandboxNodePoolArgs,
    hardened_launch_template,
    pool_label_value,
)
from components.providers import aws_provider
from components.user_data import sandbox_user_data
from tests.harness import build, make_spec, of_type, one

STORAGE_KEY = "arn:aws:kms:us-east-1:111111111111:key/storage"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
NG = "aws:eks/nodeGroup:NodeGroup"


def pool_args(**changes) -> SandboxNodePoolArgs:
    args = SandboxNodePoolArgs(
        cluster_name="quome-test",
        node_role_arn="arn:aws:iam::111111111111:role/quome-test-node",
        subnet_ids=["subnet-a", "subnet-b"],
        security_group_ids=["sg-shared-nodes"],
        storage_key_arn=STORAGE_KEY,
        instance_types=("m7g.xlarge",),
        architecture="arm64",
        scaling=PoolScaling(min_size=2, desired_size=2, max_size=6),
        kubernetes_version="1.33",
        release_version="1.33.5-20251120",
        artifact_bucket="quome-artifacts-111111111111-us-east-1",
        account_id="111111111111",
        region="us-east-1",
    )
    return dataclasses.replace(args, **changes)


def plan_of(args: SandboxNodePoolArgs):
    spec = make_spec()

    def body():
        SandboxNodePool("pool", args, aws_provider("aws", spec))

    return build(body)


@pytest.fixture(scope="module")
def shared():
    return plan_of(pool_args())


def test_launch_template_requires_imdsv2_with_hop_limit_1(shared):
    metadata = one(shared, LT).inputs["metadataOptions"]
    assert metadata == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
        "instanceMetadataTags": "disabled",
    }


def test_root_volume_is_encrypted_gp3_under_the_storage_key(shared):
    assert one(shared, LT).inputs["blockDeviceMappings"] == [
        {
            "deviceName": "/dev/xvda",
            "ebs": {
                "volumeSize": 50,
                "volumeType": "gp3",
                "encrypted": "true",
                "kmsKeyId": STORAGE_KEY,
                "deleteOnTermination": "true",
            },
        }
    ]


def test_launch_template_has_no_ami_no_ssh_no_public_interface_no_profile(shared):
    inputs = one(shared, LT).inputs
    for absent in ("imageId", "keyName", "networkInterfaces", "iamInstanceProfile", "instanceType"):
        assert absent not in inputs
    assert inputs["vpcSecurityGroupIds"] == ["sg-shared-nodes"]


def test_launch_template_carries_the_sandbox_user_data(shared):
    user_data = base64.b64decode(one(shared, LT).inputs["userData"]).decode("ascii")
    assert user_data == sandbox_user_data(pool_args().bootstrap)
    assert "gvisor/20260817.0/aarch64/runsc" in user_data


def test_node_group_pins_the_ami_by_release_on_the_launch_template(shared):
    group, template = one(shared, NG), one(shared, LT)
    inputs = group.inputs
    assert inputs["amiType"] == "AL2023_ARM_64_STANDARD"
    assert inputs["releaseVersion"] == "1.33.5-20251120"
    assert inputs["version"] == "1.33"
    assert inputs["instanceTypes"] == ["m7g.xlarge"]
    assert inputs["capacityType"] == "ON_DEMAND"
    assert inputs["subnetIds"] == ["subnet-a", "subnet-b"]
    assert inputs["scalingConfig"] == {"minSize": 2, "desiredSize": 2, "maxSize": 6}
    assert inputs["launchTemplate"]["version"] == "1"
    assert template.urn in group.property_dependencies["launchTemplate"]
    assert "remoteAccess" not in inputs and "diskSize" not in inputs


def test_shared_pool_is_labelled_and_tainted_for_gvisor_only(shared):
    inputs = one(shared, NG).inputs
    assert inputs["labels"] == {RUNTIME_LABEL: "gvisor", POOL_LABEL: "sandbox-shared"}
    assert inputs["taints"] == [{"key": RUNTIME_LABEL, "value": "gvisor", "effect": "NO_SCHEDULE"}]


def test_shared_pool_is_selected_by_its_pool_label_which_dedicated_nodes_never_carry():
    # Dedicated nodes carry the runtime label too; the pool label is what only shared nodes have.
    assert pool_args().node_selector == {RUNTIME_LABEL: "gvisor", POOL_LABEL: "sandbox-shared"}
    dedicated_labels = one(plan_of(pool_args(organization_id="acme")), NG).inputs["labels"]
    assert not pool_args().node_selector.items() <= dedicated_labels.items()


def test_dedicated_pool_adds_the_organizations_label_and_taint():
    args = pool_args(organization_id="acme")
    assert args.node_selector == {RUNTIME_LABEL: "gvisor", ORGANIZATION_LABEL: "acme"}
    assert args.taints == (PoolTaint(RUNTIME_LABEL, "gvisor"), PoolTaint(ORGANIZATION_LABEL, "acme"))
    inputs = one(plan_of(args), NG).inputs
    assert inputs["labels"] == {RUNTIME_LABEL: "gvisor", ORGANIZATION_LABEL: "acme", POOL_LABEL: "sandbox-acme"}
    assert inputs["taints"] == [
        {"key": RUNTIME_LABEL, "value": "gvisor", "effect": "NO_SCHEDULE"},
        {"key": ORGANIZATION_LABEL, "value": "acme", "effect": "NO_SCHEDULE"},
    ]


def test_pool_label_values_are_the_ones_the_node_admission_policy_places():
    """components/cluster_k8s.py accepts `sandbox-<org>` only inside <org>'s segment, the shared ones outside."""
    assert pool_label_value(None) == pool_args().pool_label == "sandbox-shared"
    assert pool_label_value("acme") == pool_args(organization_id="acme").pool_label == "sandbox-acme"
    assert SYSTEM_POOL == "system"
    from components.cluster_k8s import SHARED_LOCATION_POOLS

    assert SHARED_LOCATION_POOLS == ("system", "sandbox-shared")


def test_x86_metal_pool_uses_the_x86_ami_binaries_and_kvm():
    args = pool_args(instance_types=("c6i.metal",), architecture="x86_64")
    plan = plan_of(args)
    assert one(plan, NG).inputs["amiType"] == "AL2023_x86_64_STANDARD"
    user_data = base64.b64decode(one(plan, LT).inputs["userData"]).decode("ascii")
    assert "gvisor/20260817.0/x86_64/runsc" in user_data and "aarch64" not in user_data
    assert 'platform = "kvm"' in user_data


def test_containerd_1_release_registers_runsc_in_the_v2_layout():
    user_data = sandbox_user_data(pool_args(release_version="1.33.4-20251001").bootstrap)
    assert "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runsc" in user_data
    assert "io.containerd.cri.v1.runtime" not in user_data


def test_every_aws_resource_uses_the_explicit_provider_and_nothing_is_protected(shared):
    provider = one(shared, "pulumi:providers:aws")
    for registration in shared.registrations:
        assert registration.protect is False
        if registration.custom and registration.type.startswith("aws:"):
            assert registration.provider == f"{provider.urn}::aws-provider-id"


def test_component_and_children_names():
    plan = plan_of(pool_args())
    assert one(plan, "quome:node_pool:SandboxNodePool").name == "pool"
    assert [r.name for r in of_type(plan, LT)] == ["pool-lt"]
    assert [r.name for r in of_type(plan, NG)] == ["pool"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"instance_types": ("m5.large",)},
            "instance type 'm5.large': family 'm5' is not one whose processor always encrypts memory",
        ),
        (
            {"instance_types": ("m6i.large",)},
            "instance type 'm6i.large' is x86_64, but the pool's architecture is arm64",
        ),
        (
            {"release_version": "1.34.1-20250920"},
            "release_version '1.34.1-20250920' is for Kubernetes 1.34, the pool runs 1.33",
        ),
        ({"gvisor_release": "latest"}, "is not a pinned gVisor release"),
        ({"organization_id": "Acme"}, "organization_id 'Acme' must be a DNS-1123 label"),
        (
            {"organization_id": "shared"},
            "organization_id 'shared' is reserved: "
            "its nodes would carry quome.io/pool=sandbox-shared, the shared pool's label",
        ),
        (
            {"extra_labels": {RUNTIME_LABEL: "runc"}},
            f"extra_labels may not set {RUNTIME_LABEL}: the pool sets them itself",
        ),
        ({"extra_labels": {"team": "a b"}}, "extra_labels team=a b: values must be Kubernetes label values"),
        ({"disk_size_gib": 8}, "disk_size_gib 8: allowed 20 to 1000"),
    ],
)
def test_args_are_checked_eagerly(changes, message):
    with pytest.raises(ValueError) as caught:
        pool_args(**changes)
    assert message in str(caught.value)


def test_scaling_must_be_ordered():
    with pytest.raises(ValueError, match="0 <= min_size <= desired_size <= max_size"):
        PoolScaling(min_size=3, desired_size=1, max_size=4)
    with pytest.raises(ValueError):
        PoolScaling(min_size=0, desired_size=0, max_size=0)


def test_a_launch_template_without_security_groups_is_refused():
    import pulumi

    with pytest.raises(ValueError, match="security_group_ids must name the network's node security group"):
        hardened_launch_template(
            "lt", storage_key_arn=STORAGE_KEY, security_group_ids=[], disk_size_gib=50, user_data=None, tags={},
            opts=pulumi.ResourceOptions(),
        )
