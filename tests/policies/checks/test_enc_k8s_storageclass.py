"""enc-k8s-storageclass: StorageClasses provision encrypted volumes with a customer-managed key."""
import datetime

from hipaa_pack.checks.enc_k8s_storageclass import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/5370a966-9811-e81a-2eb0-d5f59b00253b"
EBS_PARAMETERS = {"type": "gp3", "encrypted": "true", "kmsKeyId": KEY_ARN}


def storage_class(provisioner="ebs.csi.aws.com", parameters=None, drop=(), config=None):
    parameters = {k: v for k, v in {**EBS_PARAMETERS, **(parameters or {})}.items() if k not in drop}
    props = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "gp3-encrypted"},
             "provisioner": provisioner, "parameters": parameters, "reclaimPolicy": "Retain"}
    return resource_args(STORAGE_CLASS, props, name="storage-class", config=resolved_config(POLICY, config))


def test_passes_for_an_encrypted_ebs_csi_class_with_a_customer_key():
    outcome = run(POLICY, storage_class())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_parameter_keys_match_case_insensitively_like_the_driver():
    outcome = run(POLICY, storage_class(parameters={"Encrypted": "true", "KmsKeyId": KEY_ARN},
                                        drop=["encrypted", "kmsKeyId"]))
    assert outcome.violations == []


def test_fails_when_ebs_volumes_are_not_encrypted():
    assert run(POLICY, storage_class(drop=["encrypted"])).messages == [
        "StorageClass 'gp3-encrypted': parameters encrypted is unset; required \"true\""]


def test_fails_for_a_capitalised_true_that_older_drivers_read_as_false():
    assert run(POLICY, storage_class(parameters={"encrypted": "True"})).messages == [
        "StorageClass 'gp3-encrypted': parameters encrypted is 'True'; required \"true\""]


def test_fails_without_a_key():
    assert run(POLICY, storage_class(drop=["kmsKeyId"])).messages == [
        "StorageClass 'gp3-encrypted': parameters kmsKeyId is unset, which means the account's default EBS key; "
        "required a customer-managed KMS key ARN"]


def test_fails_for_the_aws_managed_alias():
    alias = "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs"
    assert run(POLICY, storage_class(parameters={"kmsKeyId": alias})).messages == [
        f"StorageClass 'gp3-encrypted': parameters kmsKeyId is '{alias}'; required a customer-managed KMS key ARN"]


def test_fails_for_a_bare_key_id_because_the_driver_needs_the_arn():
    assert run(POLICY, storage_class(parameters={"kmsKeyId": "5370a966-9811-e81a-2eb0-d5f59b00253b"})).messages == [
        "StorageClass 'gp3-encrypted': parameters kmsKeyId is '5370a966-9811-e81a-2eb0-d5f59b00253b'; "
        "required a customer-managed KMS key ARN"]


def test_passes_for_an_efs_class_that_names_its_file_system():
    outcome = run(POLICY, storage_class("efs.csi.aws.com", {"provisioningMode": "efs-ap",
                                                            "fileSystemId": "fs-0123456789abcdef0"},
                                        drop=list(EBS_PARAMETERS)))
    assert outcome.violations == []


def test_fails_for_an_efs_class_without_a_file_system():
    outcome = run(POLICY, storage_class("efs.csi.aws.com", {"provisioningMode": "efs-ap"}, drop=list(EBS_PARAMETERS)))
    assert outcome.messages == [
        "StorageClass 'gp3-encrypted': parameters fileSystemId is unset; required the id of an EFS file system "
        "that passes enc-efs-cmk"]


def test_fails_for_the_in_tree_ebs_provisioner():
    assert run(POLICY, storage_class("kubernetes.io/aws-ebs")).messages == [
        "StorageClass 'gp3-encrypted': provisioner is 'kubernetes.io/aws-ebs' (in-tree, no customer-managed key); "
        "required 'ebs.csi.aws.com' with encrypted \"true\" and a kmsKeyId"]


def test_fails_for_any_other_provisioner():
    assert run(POLICY, storage_class("rancher.io/local-path", drop=list(EBS_PARAMETERS))).messages == [
        "StorageClass 'gp3-encrypted': provisioner is 'rancher.io/local-path'; required 'ebs.csi.aws.com' or "
        "'efs.csi.aws.com' (another provisioner needs an exemption saying why its volumes are safe)"]


def test_another_provisioner_with_an_exemption_is_not_applicable():
    config = {"exemptions": [{"resource": "storage-class", "reason": "node-local scratch space, wiped per pod",
                              "expires": "2026-09-30"}]}
    outcome = run(POLICY, storage_class("rancher.io/local-path", drop=list(EBS_PARAMETERS), config=config),
                  today=datetime.date(2026, 3, 1))
    assert outcome.not_applicable == "exempted until 2026-09-30: node-local scratch space, wiped per pod"
