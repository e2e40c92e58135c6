"""acc-rds-not-public: publiclyAccessible is never true."""
from hipaa_pack.checks.acc_rds_not_public import POLICY
from tests.policies.fakes import resource_args, run


def test_passes_for_a_private_instance():
    outcome = run(POLICY, resource_args("aws:rds/instance:Instance", {"publiclyAccessible": False}, name="db"))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_unset_because_aws_defaults_to_private():
    assert run(POLICY, resource_args("aws:rds/instance:Instance", {"engine": "postgres"}, name="db")).violations == []


def test_fails_for_a_public_instance():
    assert run(POLICY, resource_args("aws:rds/instance:Instance", {"publiclyAccessible": True},
                                     name="db")).messages == [
        "RDS instance 'db': publiclyAccessible is true; required false"]


def test_fails_for_a_public_cluster_instance():
    assert run(POLICY, resource_args("aws:rds/clusterInstance:ClusterInstance", {"publiclyAccessible": True},
                                     name="aurora-1")).messages == [
        "RDS cluster instance 'aurora-1': publiclyAccessible is true; required false"]
