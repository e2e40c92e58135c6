"""avl-deletion-protection: each type's own deletion-protection setting is true."""
import pytest

from hipaa_pack.checks.avl_deletion_protection import POLICY
from tests.policies.fakes import resource_args, run

CASES = [
    ("aws:lb/loadBalancer:LoadBalancer", "enableDeletionProtection", "load balancer"),
    ("aws:alb/loadBalancer:LoadBalancer", "enableDeletionProtection", "load balancer"),
    ("aws:rds/instance:Instance", "deletionProtection", "RDS instance"),
    ("aws:rds/cluster:Cluster", "deletionProtection", "RDS cluster"),
    ("aws:dynamodb/table:Table", "deletionProtectionEnabled", "DynamoDB table"),
    ("aws:eks/cluster:Cluster", "deletionProtection", "EKS cluster"),
]


@pytest.mark.parametrize("token, setting, kind", CASES)
def test_passes_when_protected(token, setting, kind):
    outcome = run(POLICY, resource_args(token, {setting: True}, name="store"))
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("token, setting, kind", CASES)
def test_fails_when_unprotected(token, setting, kind):
    assert run(POLICY, resource_args(token, {setting: False}, name="store")).messages == [
        f"{kind} 'store': {setting} is false; required true"]


@pytest.mark.parametrize("token, setting, kind", CASES)
def test_fails_when_unset(token, setting, kind):
    assert run(POLICY, resource_args(token, {}, name="store")).messages == [
        f"{kind} 'store': {setting} is unset; required true"]
