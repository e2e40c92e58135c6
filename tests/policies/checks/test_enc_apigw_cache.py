"""enc-apigw-cache: caching stays off; where a method caches, the cache is encrypted."""
import datetime

from hipaa_pack.checks.enc_apigw_cache import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

STAGE = "aws:apigateway/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"


def stage(changes=None, config=None):
    props = {"stageName": "prod", "restApi": "a1b2c3", "deployment": "d1", **(changes or {})}
    return resource_args(STAGE, props, name="api-stage", config=resolved_config(POLICY, config))


def settings(**values):
    return resource_args(METHOD_SETTINGS, {"restApi": "a1b2c3", "stageName": "prod", "methodPath": "*/*",
                                           "settings": {"loggingLevel": "ERROR", **values}},
                         name="api-settings", config=resolved_config(POLICY))


def test_passes_for_a_stage_without_a_cache():
    outcome = run(POLICY, stage())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_a_stage_whose_cache_is_explicitly_off():
    assert run(POLICY, stage({"cacheClusterEnabled": False})).violations == []


def test_fails_for_a_stage_with_a_cache_cluster():
    assert run(POLICY, stage({"cacheClusterEnabled": True, "cacheClusterSize": "0.5"})).messages == [
        "stage 'api-stage': cacheClusterEnabled is true; required unset or false "
        "(a stage that needs a cache carries an exemption with the reason)"]


def test_an_exempted_stage_cache_is_not_applicable():
    config = {"exemptions": [{"resource": "api-stage", "reason": "catalogue lookups carry no PHI",
                              "expires": "2026-12-31"}]}
    outcome = run(POLICY, stage({"cacheClusterEnabled": True}, config), today=datetime.date(2026, 6, 1))
    assert outcome.not_applicable == "exempted until 2026-12-31: catalogue lookups carry no PHI"
    assert outcome.violations == []


def test_passes_for_method_settings_without_caching():
    assert run(POLICY, settings(metricsEnabled=True)).violations == []


def test_passes_for_method_settings_whose_cache_is_encrypted():
    assert run(POLICY, settings(cachingEnabled=True, cacheDataEncrypted=True)).violations == []


def test_fails_for_method_settings_that_cache_unencrypted():
    assert run(POLICY, settings(cachingEnabled=True, cacheDataEncrypted=False)).messages == [
        "method settings 'api-settings' (*/*): settings.cacheDataEncrypted is false while settings.cachingEnabled "
        "is true; required true"]


def test_fails_for_method_settings_that_cache_without_saying_encrypted():
    assert run(POLICY, settings(cachingEnabled=True)).messages == [
        "method settings 'api-settings' (*/*): settings.cacheDataEncrypted is unset while settings.cachingEnabled "
        "is true; required true"]
