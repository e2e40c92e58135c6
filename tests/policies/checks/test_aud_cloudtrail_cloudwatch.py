"""aud-cloudtrail-cloudwatch: the trail delivers to a CloudWatch log group through its role."""
import pytest

from hipaa_pack.checks.aud_cloudtrail_cloudwatch import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

TRAIL = "aws:cloudtrail/trail:Trail"
GROUP_ARN = "arn:aws:logs:us-east-1:111111111111:log-group:/quome/audit/cloudtrail:*"
ROLE_ARN = "arn:aws:iam::111111111111:role/quome-dev-audit-trail-logs-role"
COMPLIANT = {"name": "quome-audit", "cloudWatchLogsGroupArn": GROUP_ARN, "cloudWatchLogsRoleArn": ROLE_ARN}


def trail(changes=None, drop=()):
    props = {k: v for k, v in {**COMPLIANT, **(changes or {})}.items() if k not in drop}
    return resource_args(TRAIL, props, name="audit-trail", config=resolved_config(POLICY))


def test_passes_when_group_and_role_are_set():
    outcome = run(POLICY, trail())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_the_log_group():
    assert run(POLICY, trail(drop=["cloudWatchLogsGroupArn"])).messages == [
        "trail 'audit-trail': cloudWatchLogsGroupArn is unset; required the ARN of the trail's CloudWatch log group"]


def test_fails_without_the_delivery_role():
    assert run(POLICY, trail(drop=["cloudWatchLogsRoleArn"])).messages == [
        "trail 'audit-trail': cloudWatchLogsRoleArn is unset; required the ARN of the role CloudTrail assumes to "
        "write to it"]


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_arn_counts_as_missing(blank):
    assert run(POLICY, trail({"cloudWatchLogsGroupArn": blank})).messages == [
        f"trail 'audit-trail': cloudWatchLogsGroupArn is {blank!r}; required the ARN of the trail's CloudWatch "
        f"log group"]
