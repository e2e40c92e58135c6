"""aud-securityhub-config: the baseline-owning stack turns on Security Hub and a started, all-resource
AWS Config recorder."""
from hipaa_pack.checks.aud_securityhub_config import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

HUB = "aws:securityhub/account:Account"
RECORDER = "aws:cfg/recorder:Recorder"
STATUS = "aws:cfg/recorderStatus:RecorderStatus"
PACK = "aws:cfg/conformancePack:ConformancePack"
RECORDER_URN = urn_for(RECORDER, "config-recorder")


def recorder(group=None, name="config-recorder"):
    return FakeResource(RECORDER, name, {"name": "quome", "recordingGroup": {
        "allSupported": True, "includeGlobalResourceTypes": True} if group is None else group})


def status(enabled=True, name="config-recorder-status", recorder_ref="config-recorder"):
    return FakeResource(STATUS, name, {"name": "quome", "isEnabled": enabled},
                        property_dependencies={"name": recorder_ref} if recorder_ref else {})


def hub():
    return FakeResource(HUB, "security-hub", {"enableDefaultStandards": False})


def stack(*resources, config=None):
    return stack_args(list(resources), config=resolved_config(POLICY, config))


def test_passes_for_the_baseline():
    outcome = run(POLICY, stack(hub(), recorder(), status()))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_the_conformance_pack_is_recommended_not_required():
    with_pack = stack(hub(), recorder(), status(), FakeResource(PACK, "hipaa-pack", {"name": "hipaa"}))
    assert run(POLICY, with_pack).violations == []


def test_fails_without_security_hub():
    assert run(POLICY, stack(recorder(), status())).violations == [
        ("the stack has no Security Hub Account; required aws.securityhub.Account (ownsAccountBaseline is true)", None)]


def test_fails_without_a_recorder():
    assert run(POLICY, stack(hub())).violations == [
        ("the stack has no AWS Config Recorder; required one with recordingGroup.allSupported true and a "
         "RecorderStatus with isEnabled true (ownsAccountBaseline is true)", None)]


def test_fails_when_the_recorder_records_only_some_types():
    some = recorder({"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]})
    assert run(POLICY, stack(hub(), some, status())).violations == [
        ("Config recorder 'config-recorder': recordingGroup.allSupported is false; required true", RECORDER_URN)]


def test_fails_when_all_supported_is_left_implicit():
    assert run(POLICY, stack(hub(), recorder({}), status())).messages == [
        "Config recorder 'config-recorder': recordingGroup.allSupported is unset; required true"]


def test_fails_when_the_recorder_is_never_started():
    assert run(POLICY, stack(hub(), recorder())).messages == [
        "Config recorder 'config-recorder' has no RecorderStatus; required one with isEnabled true "
        "(name=<recorder>.name), or the recorder never starts"]


def test_fails_when_the_recorder_is_stopped():
    assert run(POLICY, stack(hub(), recorder(), status(enabled=False))).messages == [
        "Config recorder 'config-recorder': RecorderStatus 'config-recorder-status' isEnabled is false; required true"]


def test_a_status_naming_the_recorder_literally_does_not_join():
    assert run(POLICY, stack(hub(), recorder(), status(recorder_ref=None))).messages == [
        "Config recorder 'config-recorder' has no RecorderStatus; required one with isEnabled true "
        "(name=<recorder>.name), or the recorder never starts"]


def test_not_applicable_when_another_stack_owns_the_account_baseline():
    outcome = run(POLICY, stack(config={"ownsAccountBaseline": False}))
    assert outcome.not_applicable == ("ownsAccountBaseline is false: Security Hub and AWS Config belong to the stack "
                                      "that owns the account baseline")
    assert outcome.violations == []
