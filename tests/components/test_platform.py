"""The platform composition: the CloudHSM phases plan end to end through the real __main__.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from quome.plan import PROJECT_ROOT, plan_stack

PEM = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n"


def project_with(tmp_path: Path, cloud_hsm: dict) -> Path:
    document = yaml.safe_load((PROJECT_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    document["config"]["quome:features"] = {"cloudHsm": cloud_hsm}
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    for entry in ("__main__.py", "components"):
        (tmp_path / entry).symlink_to(PROJECT_ROOT / entry)
    return tmp_path


def types_in(document: dict) -> list[str]:
    return [r["type"] for r in document["resources"]]


def test_without_cloudhsm_no_hsm_resources():
    types = types_in(plan_stack("dev"))
    assert not [t for t in types if t.startswith("aws:cloudhsmv2") or t == "aws:kms/customKeyStore:CustomKeyStore"]


@pytest.mark.parametrize(
    ("cloud_hsm", "hsms", "stores"),
    [
        ({"enabled": True}, 2, 0),
        ({"enabled": True, "trustAnchorCertificate": PEM, "kmsuserPassword": "correct-horse"}, 2, 1),
    ],
    ids=["phase-1", "phase-2"],
)
def test_cloudhsm_phases_plan_through_the_program(tmp_path, cloud_hsm, hsms, stores):
    document = plan_stack("dev", project_with(tmp_path, cloud_hsm))
    types = types_in(document)
    assert types.count("aws:cloudhsmv2/cluster:Cluster") == 1
    assert types.count("aws:cloudhsmv2/hsm:Hsm") == hsms
    assert types.count("aws:kms/customKeyStore:CustomKeyStore") == stores
    cluster = next(r for r in document["resources"] if r["type"] == "aws:cloudhsmv2/cluster:Cluster")
    isolated = [r for r in document["resources"] if r["type"] == "aws:ec2/subnet:Subnet" and "isolated" in r["name"]]
    assert len(cluster["inputs"]["subnetIds"]) == 2
    assert {r["urn"] for r in isolated} >= set(cluster["propertyDependencies"]["subnetIds"])
    hsm_zones = [r["inputs"].get("subnetId") for r in document["resources"] if r["type"] == "aws:cloudhsmv2/hsm:Hsm"]
    assert len(set(hsm_zones)) == 2, "the two HSMs sit in different subnets (AZs)"


def test_stack_outputs_name_the_audit_trail_keys_cluster_and_organizations():
    outputs = plan_stack("dev")["outputs"]
    assert outputs["auditBucketName"] == "quome-audit-111111111111-us-east-1"
    assert outputs["trailArn"] == "arn:aws:cloudtrail:us-east-1:111111111111:trail/quome-audit"
    assert sorted(outputs["keyArns"]) == ["cluster", "logs", "secrets", "storage"]
    assert all(arn.startswith("arn:aws:kms:us-east-1:111111111111:key/") for arn in outputs["keyArns"].values())
    assert outputs["clusterName"] == "quome-dev"
    assert sorted(outputs["organizations"]) == ["acme-health", "bluebird"]
    acme = outputs["organizations"]["acme-health"]
    assert acme["namespace"] == "org-acme-health"
    assert acme["workloadRoleArn"] == "arn:aws:iam::111111111111:role/quome-acme-health-workload"
    assert sorted(acme["roleArns"]) == ["admin", "developer", "owner", "viewer"]
    assert acme["keyArn"] not in outputs["keyArns"].values(), "each organization has its own key"


def test_every_volume_key_names_in_its_ec2_statements_the_csi_role_the_program_associates():
    """Finding: an org key's EC2 statement named no principal. Through the real program: each org key's EC2
    statements name exactly the EBS CSI add-on's Pod Identity role and the backup role; the storage key also
    keeps account-wide EC2 use, since dev owns the account baseline and the storage key is the default EBS key."""
    resources = plan_stack("dev")["resources"]
    addons = [r for r in resources if r["type"] == "aws:eks/addon:Addon"]
    addon = next(r for r in addons if r["inputs"]["addonName"] == "aws-ebs-csi-driver")
    csi_role = addon["inputs"]["podIdentityAssociations"][0]["roleArn"]
    assert csi_role == "arn:aws:iam::111111111111:role/quome-dev-ebs-csi"
    backup_role = "arn:aws:iam::111111111111:role/quome-backup-us-east-1"
    keys = {r["name"]: json.loads(r["inputs"]["policy"]) for r in resources if r["type"] == "aws:kms/key:Key"}
    expected = [
        ("EbsCsiDriverVolumes", [csi_role]),
        ("EbsCsiDriverVolumesCreateGrant", [csi_role]),
        ("UseViaEc2", [backup_role]),
        ("UseViaEc2CreateGrant", [backup_role]),
    ]
    for org_id in ("acme-health", "bluebird"):
        assert ec2_principals(keys[f"quome-dev-keys-org-{org_id}"]) == expected, org_id
    assert ec2_principals(keys["quome-dev-keys-storage"]) == [
        ("UseViaEc2", None),
        ("UseViaEc2CreateGrant", None),
        ("EbsCsiDriverVolumes", [csi_role]),
        ("EbsCsiDriverVolumesCreateGrant", [csi_role]),
        ("UseViaEc22", [backup_role]),
        ("UseViaEc22CreateGrant", [backup_role]),
    ]
    for other in ("logs", "secrets", "cluster"):
        assert ec2_principals(keys[f"quome-dev-keys-{other}"]) == [], other


def ec2_principals(document: dict) -> list[tuple[str, list[str] | None]]:
    """(Sid, aws:PrincipalArn values or None for the whole account) of every key statement through EC2."""
    return [
        (s["Sid"], s["Condition"].get("ArnEquals", {}).get("aws:PrincipalArn"))
        for s in document["Statement"]
        if s.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService") == "ec2.us-east-1.amazonaws.com"
    ]
