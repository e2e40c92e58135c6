"""key-deletion-window: KMS keys keep the 30-day deletion waiting period."""
from hipaa_pack.checks.key_deletion_window import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

KEY = "aws:kms/key:Key"


def key(props):
    return resource_args(KEY, {"enableKeyRotation": True, **props}, name="audit", config=resolved_config(POLICY))


def test_passes_for_thirty_days():
    outcome = run(POLICY, key({"deletionWindowInDays": 30}))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_when_unset_because_aws_waits_thirty_days():
    assert run(POLICY, key({})).violations == []


def test_fails_for_a_shorter_window():
    assert run(POLICY, key({"deletionWindowInDays": 7})).messages == [
        "KMS key 'audit': deletionWindowInDays is 7; required unset or 30"]
