"""enc-messaging-kms: SNS topics and SQS queues use a customer-managed key."""
from hipaa_pack.checks.enc_messaging_kms import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

TOPIC = "aws:sns/topic:Topic"
QUEUE = "aws:sqs/queue:Queue"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/23cc7baf-0e22-fc41-78f6-85b783d8c72e"


def topic(props):
    return resource_args(TOPIC, props, name="alerts", config=resolved_config(POLICY))


def queue(props):
    return resource_args(QUEUE, props, name="jobs", config=resolved_config(POLICY))


def test_passes_for_a_topic_with_a_customer_key():
    outcome = run(POLICY, topic({"kmsMasterKeyId": KEY_ARN}))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_a_queue_with_a_customer_key():
    assert run(POLICY, queue({"kmsMasterKeyId": KEY_ARN, "kmsDataKeyReusePeriodSeconds": 300})).violations == []


def test_fails_for_an_unencrypted_topic():
    assert run(POLICY, topic({"displayName": "alerts"})).messages == [
        "SNS topic 'alerts': kmsMasterKeyId is unset, so messages are stored unencrypted; "
        "required a customer-managed KMS key"]


def test_fails_for_a_topic_with_the_aws_managed_key():
    assert run(POLICY, topic({"kmsMasterKeyId": "alias/aws/sns"})).messages == [
        "SNS topic 'alerts': kmsMasterKeyId is 'alias/aws/sns' (AWS-managed); required a customer-managed KMS key"]


def test_fails_for_a_queue_with_the_aws_managed_key():
    assert run(POLICY, queue({"kmsMasterKeyId": "alias/aws/sqs"})).messages == [
        "SQS queue 'jobs': kmsMasterKeyId is 'alias/aws/sqs' (AWS-managed); required a customer-managed KMS key"]


def test_fails_for_a_queue_that_relies_on_sqs_managed_encryption():
    assert run(POLICY, queue({"sqsManagedSseEnabled": True})).messages == [
        "SQS queue 'jobs': kmsMasterKeyId is unset and sqsManagedSseEnabled is true (SQS-owned keys, no key "
        "policy); required a customer-managed KMS key"]


def test_fails_for_a_queue_without_any_encryption_setting():
    assert run(POLICY, queue({})).messages == [
        "SQS queue 'jobs': kmsMasterKeyId is unset and sqsManagedSseEnabled is unset; "
        "required a customer-managed KMS key"]
