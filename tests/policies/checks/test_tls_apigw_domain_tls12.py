"""tls-apigw-domain-tls12: API Gateway custom domains negotiate TLS 1.2 or newer."""
from hipaa_pack.checks.tls_apigw_domain_tls12 import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

REST_DOMAIN = "aws:apigateway/domainName:DomainName"
HTTP_DOMAIN = "aws:apigatewayv2/domainName:DomainName"
CERT = "arn:aws:acm:us-east-1:111122223333:certificate/6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f"


def rest(changes=None, drop=()):
    props = {k: v for k, v in {"domainName": "api.example.com", "regionalCertificateArn": CERT,
                               "securityPolicy": "SecurityPolicy_TLS13_1_3_2025_09", "endpointAccessMode": "STRICT",
                               **(changes or {})}.items() if k not in drop}
    return resource_args(REST_DOMAIN, props, name="api-domain", config=resolved_config(POLICY))


def http(security_policy="TLS_1_2"):
    configuration = {"certificateArn": CERT, "endpointType": "REGIONAL"}
    if security_policy is not None:
        configuration["securityPolicy"] = security_policy
    return resource_args(HTTP_DOMAIN, {"domainName": "api.example.com", "domainNameConfiguration": configuration},
                         name="http-domain", config=resolved_config(POLICY))


def test_passes_for_an_enhanced_tls13_policy():
    outcome = run(POLICY, rest())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_passes_for_tls_1_2():
    assert run(POLICY, rest({"securityPolicy": "TLS_1_2"})).violations == []


def test_fails_for_tls_1_0():
    assert run(POLICY, rest({"securityPolicy": "TLS_1_0"})).messages == [
        "REST API domain 'api-domain': securityPolicy is 'TLS_1_0'; required TLS_1_2 or an enhanced "
        "SecurityPolicy_TLS13_* policy"]


def test_fails_when_unset():
    assert run(POLICY, rest(drop=["securityPolicy"])).messages == [
        "REST API domain 'api-domain': securityPolicy is unset; required TLS_1_2 or an enhanced "
        "SecurityPolicy_TLS13_* policy"]


def test_passes_for_an_http_api_domain_on_tls_1_2():
    assert run(POLICY, http()).violations == []


def test_fails_for_an_http_api_domain_without_a_policy():
    assert run(POLICY, http(None)).messages == [
        "HTTP API domain 'http-domain': domainNameConfiguration.securityPolicy is unset; required TLS_1_2"]
