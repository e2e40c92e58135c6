"""aud-apigw-logging: stages write access logs; REST stages log errors through a */* MethodSettings joined on
stageName; no MethodSettings traces full bodies."""
import pytest

from hipaa_pack.checks.aud_apigw_logging import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

STAGE = "aws:apigateway/stage:Stage"
V2_STAGE = "aws:apigatewayv2/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
LOG_GROUP_ARN = "arn:aws:logs:us-east-1:111111111111:log-group:/quome/apigw/access"
ACCESS_LOGS = {"destinationArn": LOG_GROUP_ARN, "format": '{"requestId":"$context.requestId"}'}
STAGE_URN = urn_for(STAGE, "api-stage")


def stage(token=STAGE, name="api-stage", drop=()):
    logs = {k: v for k, v in ACCESS_LOGS.items() if k not in drop}
    return FakeResource(token, name, {"stageName": "v1", "accessLogSettings": logs})


def method_settings(level="ERROR", data_trace=False, path="*/*", name="api-stage-settings", stage_ref="api-stage"):
    settings = {"metricsEnabled": True}
    if level is not None:
        settings["loggingLevel"] = level
    if data_trace is not None:
        settings["dataTraceEnabled"] = data_trace
    deps = {"stageName": stage_ref} if stage_ref else {}
    return FakeResource(METHOD_SETTINGS, name, {"restApi": "api", "stageName": "v1", "methodPath": path,
                                                "settings": settings}, property_dependencies=deps)


def stack(*resources):
    return stack_args(list(resources), config=resolved_config(POLICY))


@pytest.mark.parametrize("level", ["ERROR", "INFO"])
def test_passes_for_a_rest_stage_with_access_and_execution_logs(level):
    outcome = run(POLICY, stack(stage(), method_settings(level)))
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_an_http_api_stage_with_access_logs():
    assert run(POLICY, stack(stage(V2_STAGE))).violations == []


@pytest.mark.parametrize("prop, required", [("destinationArn", "the ARN of an encrypted log group"),
                                            ("format", "an access-log format")])
def test_fails_without_access_log_settings(prop, required):
    assert run(POLICY, stack(stage(drop=[prop]), method_settings())).violations == [
        (f"REST stage 'api-stage': accessLogSettings.{prop} is unset; required {required}", STAGE_URN)]


def test_fails_for_an_http_api_stage_without_access_logs():
    assert run(POLICY, stack(stage(V2_STAGE, name="http", drop=["destinationArn"]))).violations == [
        ("API Gateway v2 stage 'http': accessLogSettings.destinationArn is unset; required the ARN of an encrypted "
         "log group", urn_for(V2_STAGE, "http"))]


def test_fails_without_execution_logging():
    assert run(POLICY, stack(stage())).messages == [
        "REST stage 'api-stage' has no MethodSettings for methodPath '*/*'; required one with settings.loggingLevel "
        "ERROR or INFO"]


def test_fails_when_execution_logging_is_off():
    assert run(POLICY, stack(stage(), method_settings("OFF"))).messages == [
        "REST stage 'api-stage': MethodSettings 'api-stage-settings' (methodPath '*/*') settings.loggingLevel is "
        "'OFF'; required 'ERROR' or 'INFO'"]


def test_fails_when_the_logging_level_is_unset():
    assert run(POLICY, stack(stage(), method_settings(None))).messages == [
        "REST stage 'api-stage': MethodSettings 'api-stage-settings' (methodPath '*/*') settings.loggingLevel is "
        "unset; required 'ERROR' or 'INFO'"]


def test_settings_for_one_method_do_not_cover_the_stage():
    assert run(POLICY, stack(stage(), method_settings(path="patients/GET"))).messages == [
        "REST stage 'api-stage' has no MethodSettings for methodPath '*/*'; required one with settings.loggingLevel "
        "ERROR or INFO"]


def test_settings_naming_the_stage_literally_do_not_join():
    assert run(POLICY, stack(stage(), method_settings(stage_ref=None))).messages == [
        "REST stage 'api-stage' has no MethodSettings for methodPath '*/*'; required one with settings.loggingLevel "
        "ERROR or INFO"]


def test_fails_when_full_bodies_are_traced():
    assert run(POLICY, stack(stage(), method_settings(data_trace=True))).violations == [
        ("MethodSettings 'api-stage-settings' (methodPath '*/*'): settings.dataTraceEnabled is true; required false "
         "or unset, because full request and response bodies may carry PHI",
         urn_for(METHOD_SETTINGS, "api-stage-settings"))]


def test_body_tracing_is_refused_on_any_method_path():
    traced = method_settings(path="patients/GET", data_trace=True, name="patients-get")
    assert run(POLICY, stack(stage(), method_settings(), traced)).messages == [
        "MethodSettings 'patients-get' (methodPath 'patients/GET'): settings.dataTraceEnabled is true; required false "
        "or unset, because full request and response bodies may carry PHI"]
