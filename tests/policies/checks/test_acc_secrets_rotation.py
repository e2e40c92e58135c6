"""acc-secrets-rotation: one SecretRotation per secret, at most maxRotationDays apart; schedule arithmetic."""
import datetime

import pytest

from hipaa_pack.checks.acc_secrets_rotation import POLICY, max_interval_days
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SECRET_URN = urn_for(SECRET, "db-credentials")


def rotation(name="db-rotation", **rules):
    return FakeResource(ROTATION, name, {"rotationLambdaArn": "arn:aws:lambda:us-east-1:111111111111:function:rotate",
                                         "rotationRules": rules or {"automaticallyAfterDays": 30}},
                        property_dependencies={"secretId": "db-credentials"})


def stack(*rotations, config=None, extra=()):
    resources = [FakeResource(SECRET, "db-credentials", {"name": "quome/acme-health/db"}), *rotations, *extra]
    return stack_args(resources, config=resolved_config(POLICY, config))


def test_passes_for_a_30_day_rotation():
    outcome = run(POLICY, stack(rotation()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_a_schedule_that_runs_often_enough():
    assert run(POLICY, stack(rotation(scheduleExpression="cron(0 4 1 * ? *)"))).violations == []
    assert run(POLICY, stack(rotation(scheduleExpression="rate(30 days)"))).violations == []


def test_fails_without_a_rotation():
    assert run(POLICY, stack()).violations == [
        ("secret 'db-credentials' has no SecretRotation; required one that rotates it at least every 90 days "
         "(maxRotationDays), or an exemption saying why it cannot rotate", SECRET_URN)]


def test_fails_with_two_rotations():
    assert run(POLICY, stack(rotation(), rotation("db-rotation-2"))).messages == [
        "secret 'db-credentials' has 2 SecretRotation resources ('db-rotation', 'db-rotation-2'); required exactly one"]


def test_fails_when_rotation_is_too_rare():
    assert run(POLICY, stack(rotation(automaticallyAfterDays=180))).messages == [
        "secret 'db-credentials': SecretRotation 'db-rotation' has rotationRules.automaticallyAfterDays 180; "
        "required at most 90 (maxRotationDays)"]


def test_a_stricter_configured_maximum_applies():
    assert run(POLICY, stack(rotation(), config={"maxRotationDays": 14})).messages == [
        "secret 'db-credentials': SecretRotation 'db-rotation' has rotationRules.automaticallyAfterDays 30; "
        "required at most 14 (maxRotationDays)"]


def test_fails_for_a_quarterly_schedule():
    assert run(POLICY, stack(rotation(scheduleExpression="cron(0 4 1 1/3 ? *)"))).messages == [
        "secret 'db-credentials': SecretRotation 'db-rotation' has rotationRules.scheduleExpression "
        "'cron(0 4 1 1/3 ? *)', which can leave 92 days between rotations; required at most 90 (maxRotationDays)"]


def test_fails_for_a_schedule_that_cannot_be_evaluated():
    assert run(POLICY, stack(rotation(scheduleExpression="every full moon"))).messages == [
        "secret 'db-credentials': SecretRotation 'db-rotation' has rotationRules.scheduleExpression "
        "'every full moon', which this check cannot evaluate; required rate(N days) or cron(...) running at least "
        "every 90 days (maxRotationDays)"]


def test_fails_when_the_rules_set_no_interval():
    assert run(POLICY, stack(rotation(duration="2h"))).messages == [
        "secret 'db-credentials': SecretRotation 'db-rotation' sets neither rotationRules.automaticallyAfterDays nor "
        "scheduleExpression; required a rotation at least every 90 days (maxRotationDays)"]


def test_a_rotation_naming_the_secret_literally_does_not_join():
    literal = FakeResource(ROTATION, "db-rotation", {"secretId": "arn:aws:secretsmanager:...:secret:db",
                                                     "rotationRules": {"automaticallyAfterDays": 30}})
    assert len(run(POLICY, stack(literal)).violations) == 1


def test_an_exempted_secret_is_waived_with_its_reason():
    config = {"exemptions": [{"resource": "db-credentials", "reason": "vendor API key, rotated by the vendor yearly",
                              "expires": "2026-12-31"}]}
    outcome = run(POLICY, stack(config=config), today=datetime.date(2026, 3, 1))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "db-credentials": "exempted until 2026-12-31: vendor API key, rotated by the vendor yearly (waived: secret "
                          "'db-credentials' has no SecretRotation; required one that rotates it at least every 90 "
                          "days (maxRotationDays), or an exemption saying why it cannot rotate)"}


@pytest.mark.parametrize("expression, days", [
    ("rate(30 days)", 30),
    ("rate(1 day)", 1),
    ("rate(4 hours)", 4 / 24),
    ("cron(0 5 ? * * *)", 1),              # daily, the AWS Backup console default
    ("cron(0 */4 * * ? *)", 1),            # several runs a day count per day
    ("cron(0 4 ? * MON *)", 7),
    ("cron(0 4 ? * MON-FRI *)", 3),        # Friday to Monday
    ("cron(0 4 1,15 * ? *)", 17),          # the 15th to the 1st of a 31-day month
    ("cron(0 4 1 * ? *)", 31),
    ("cron(0 4 L * ? *)", 31),
    ("cron(0 4 31 * ? *)", 61),            # only months with 31 days
    ("cron(0 4 ? * 2#1 *)", 35),           # first Monday of the month
    ("cron(0 4 ? * 6L *)", 35),            # last Friday of the month
    ("cron(0 4 LW * ? *)", 33),
    ("cron(0 4 15W * ? *)", 32),
    ("cron(0 4 1 JAN,APR,JUL,OCT ? *)", 92),
    ("cron(0 4 1 1 ? *)", 366),
])
def test_schedule_intervals(expression, days):
    assert max_interval_days(expression) == pytest.approx(days)


@pytest.mark.parametrize("expression", [
    "rate(0 days)", "rate(2 weeks)", "cron(0 4 * * *)", "cron(0 4 32 * ? *)", "cron(0 4 1 13 ? *)",
    "cron(0 4 ? * FUNDAY *)", "cron(0 4 1 * ? 2026)", "cron(0 4 30 2 ? *)", "at(2026-01-01T00:00:00)",
])
def test_schedules_that_cannot_be_evaluated(expression):
    assert max_interval_days(expression) is None
