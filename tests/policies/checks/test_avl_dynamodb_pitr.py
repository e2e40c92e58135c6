"""avl-dynamodb-pitr: pointInTimeRecovery.enabled is true."""
from hipaa_pack.checks.avl_dynamodb_pitr import POLICY
from tests.policies.fakes import resource_args, run

TABLE = "aws:dynamodb/table:Table"


def test_passes_with_point_in_time_recovery():
    outcome = run(POLICY, resource_args(TABLE, {"name": "records", "pointInTimeRecovery": {"enabled": True}}))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_disabled():
    assert run(POLICY, resource_args(TABLE, {"name": "records", "pointInTimeRecovery": {"enabled": False}})).messages \
        == ["DynamoDB table 'records': pointInTimeRecovery.enabled is false; required true"]


def test_fails_when_unset():
    assert run(POLICY, resource_args(TABLE, {"hashKey": "id"}, name="records-table")).messages == [
        "DynamoDB table 'records-table': pointInTimeRecovery.enabled is unset; required true"]
