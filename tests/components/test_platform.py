"""The platform composition: the CloudHSM phases plan end to end through the real __main__.py."""

from __future__ import annotations

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
