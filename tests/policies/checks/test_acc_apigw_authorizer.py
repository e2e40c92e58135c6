"""acc-apigw-authorizer: every non-OPTIONS method authenticates; an API key alone does not."""
from hipaa_pack.checks.acc_apigw_authorizer import POLICY
from tests.policies.fakes import resource_args, run

METHOD = "aws:apigateway/method:Method"
REQUIRED = "required AWS_IAM, COGNITO_USER_POOLS or CUSTOM"


def method(http="GET", **changes):
    props = {"httpMethod": http, "authorization": "COGNITO_USER_POOLS", "authorizerId": "abc123",
             "restApi": "api-1", "resourceId": "res-1", **changes}
    return resource_args(METHOD, props, name="records-get")


def test_passes_for_each_authenticating_type():
    for authorization in ("AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM"):
        outcome = run(POLICY, method(authorization=authorization))
        assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_without_authorization():
    assert run(POLICY, method(authorization="NONE")).messages == [
        f"method 'records-get' ('GET'): authorization is 'NONE'; {REQUIRED}"]


def test_fails_when_authorization_is_unset():
    assert run(POLICY, method(authorization=None)).messages == [
        f"method 'records-get' ('GET'): authorization is unset; {REQUIRED}"]


def test_an_api_key_is_not_authentication():
    assert run(POLICY, method(authorization="NONE", apiKeyRequired=True)).messages == [
        "method 'records-get' ('GET'): authorization is 'NONE' (apiKeyRequired is true, but an API key identifies a "
        f"client, it does not authenticate it); {REQUIRED}"]


def test_cors_preflight_is_not_applicable():
    outcome = run(POLICY, method("OPTIONS", authorization="NONE"))
    assert outcome.violations == []
    assert outcome.not_applicable == ("method 'records-get' is OPTIONS, which answers CORS pre-flight requests; "
                                      "browsers send those without credentials")
