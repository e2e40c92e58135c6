"""enc-eks-secrets-envelope: EKS envelope-encrypts secrets with a customer-managed key."""
from hipaa_pack.checks.enc_eks_secrets_envelope import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

CLUSTER = "aws:eks/cluster:Cluster"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/0d90d14c-3681-9870-9112-ef47de1b8a00"


def cluster(encryption_config="default"):
    props = {"name": "quome-dev", "roleArn": "arn:aws:iam::111122223333:role/quome-dev-control-plane"}
    if encryption_config == "default":
        encryption_config = {"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}}
    if encryption_config is not None:
        props["encryptionConfig"] = encryption_config
    return resource_args(CLUSTER, props, name="eks", config=resolved_config(POLICY))


def test_passes_when_secrets_are_envelope_encrypted_with_a_customer_key():
    outcome = run(POLICY, cluster())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_encryption_config():
    assert run(POLICY, cluster(None)).messages == [
        "EKS cluster 'eks': encryptionConfig is unset, so Kubernetes secrets are not envelope-encrypted; required "
        "resources [\"secrets\"] with provider.keyArn naming a customer-managed KMS key"]


def test_fails_when_secrets_are_not_among_the_encrypted_resources():
    assert run(POLICY, cluster({"resources": [], "provider": {"keyArn": KEY_ARN}})).messages == [
        "EKS cluster 'eks': encryptionConfig.resources is []; required to contain \"secrets\""]


def test_fails_without_a_key():
    assert run(POLICY, cluster({"resources": ["secrets"], "provider": {}})).messages == [
        "EKS cluster 'eks': encryptionConfig.provider.keyArn is unset; required a customer-managed KMS key"]


def test_fails_for_an_aws_managed_alias():
    assert run(POLICY, cluster({"resources": ["secrets"], "provider": {"keyArn": "alias/aws/eks"}})).messages == [
        "EKS cluster 'eks': encryptionConfig.provider.keyArn is 'alias/aws/eks' (AWS-managed); "
        "required a customer-managed KMS key"]
