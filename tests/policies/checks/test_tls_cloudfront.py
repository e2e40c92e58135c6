"""tls-cloudfront: HTTPS with TLS 1.2 from viewers to CloudFront and from CloudFront to custom origins."""
from hipaa_pack.checks.tls_cloudfront import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
CERT = "arn:aws:acm:us-east-1:111122223333:certificate/6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f"


def distribution(default=None, ordered=None, certificate=None, origin=None):
    props = {
        "enabled": True,
        "defaultCacheBehavior": {"targetOriginId": "app", "viewerProtocolPolicy": "redirect-to-https",
                                 **(default or {})},
        "orderedCacheBehaviors": ordered or [{"pathPattern": "/api/*", "targetOriginId": "app",
                                              "viewerProtocolPolicy": "https-only"}],
        "viewerCertificate": certificate or {"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                                             "minimumProtocolVersion": "TLSv1.2_2021"},
        "origins": [{"originId": "app", "domainName": "app.example.com",
                     "customOriginConfig": {"httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only",
                                            "originSslProtocols": ["TLSv1.2"], **(origin or {})}},
                    {"originId": "assets", "domainName": "assets.s3.us-east-1.amazonaws.com",
                     "s3OriginConfig": {"originAccessIdentity": ""}}],
    }
    return resource_args(DISTRIBUTION, props, name="cdn", config=resolved_config(POLICY))


def test_passes_for_https_everywhere_with_tls12():
    outcome = run(POLICY, distribution())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_the_default_behaviour_allows_http():
    assert run(POLICY, distribution(default={"viewerProtocolPolicy": "allow-all"})).messages == [
        "distribution 'cdn': defaultCacheBehavior.viewerProtocolPolicy is 'allow-all'; required https-only or "
        "redirect-to-https"]


def test_fails_when_an_ordered_behaviour_allows_http():
    ordered = [{"pathPattern": "/static/*", "targetOriginId": "assets", "viewerProtocolPolicy": "allow-all"}]
    assert run(POLICY, distribution(ordered=ordered)).messages == [
        "distribution 'cdn': orderedCacheBehaviors[0] (/static/*).viewerProtocolPolicy is 'allow-all'; required "
        "https-only or redirect-to-https"]


def test_fails_for_the_default_cloudfront_certificate():
    assert run(POLICY, distribution(certificate={"cloudfrontDefaultCertificate": True})).messages == [
        "distribution 'cdn': viewerCertificate.cloudfrontDefaultCertificate is true; required a custom ACM "
        "certificate (acmCertificateArn) with minimumProtocolVersion TLSv1.2_2021"]


def test_fails_for_an_older_minimum_protocol_version():
    certificate = {"acmCertificateArn": CERT, "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.1_2016"}
    assert run(POLICY, distribution(certificate=certificate)).messages == [
        "distribution 'cdn': viewerCertificate.minimumProtocolVersion is 'TLSv1.1_2016'; required TLSv1.2_2021"]


def test_fails_for_a_certificate_that_is_not_from_acm():
    certificate = {"iamCertificateId": "ASCA1234567890", "minimumProtocolVersion": "TLSv1.2_2021"}
    assert run(POLICY, distribution(certificate=certificate)).messages == [
        "distribution 'cdn': viewerCertificate.acmCertificateArn is unset; required a custom ACM certificate"]


def test_fails_for_an_origin_reached_over_http():
    assert run(POLICY, distribution(origin={"originProtocolPolicy": "match-viewer"})).messages == [
        "distribution 'cdn': origins[0] (app).customOriginConfig.originProtocolPolicy is 'match-viewer'; required "
        "https-only"]


def test_fails_for_an_origin_that_still_accepts_tls11():
    assert run(POLICY, distribution(origin={"originSslProtocols": ["TLSv1.1", "TLSv1.2"]})).messages == [
        "distribution 'cdn': origins[0] (app).customOriginConfig.originSslProtocols is [\"TLSv1.1\", \"TLSv1.2\"]; "
        "required exactly [\"TLSv1.2\"]"]
