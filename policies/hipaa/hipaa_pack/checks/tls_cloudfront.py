"""tls-cloudfront: CloudFront distributions use HTTPS with TLS 1.2 to viewers and to origins."""
from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs

from ..catalog import CATALOG
from ..factory import resource_policy
from ..props import as_bool, as_list, shown

CONTROL = CATALOG["tls-cloudfront"]

VIEWER_POLICIES = ("https-only", "redirect-to-https")
MINIMUM_PROTOCOL_VERSION = "TLSv1.2_2021"
ORIGIN_SSL_PROTOCOLS = ["TLSv1.2"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    where = f"distribution '{args.name}'"
    props = args.props

    behaviours = [("defaultCacheBehavior", props.get("defaultCacheBehavior"))]
    ordered = as_list(props.get("orderedCacheBehaviors"))
    behaviours += [(f"orderedCacheBehaviors[{i}]", b) for i, b in enumerate(ordered)]
    for label, behaviour in behaviours:
        if not isinstance(behaviour, Mapping):
            continue
        policy = behaviour.get("viewerProtocolPolicy")
        if policy not in VIEWER_POLICIES:
            path = behaviour.get("pathPattern")
            at = f"{label} ({path})" if path else label
            report_violation(f"{where}: {at}.viewerProtocolPolicy is {shown(policy)}; required https-only or "
                             f"redirect-to-https", None)

    certificate = props.get("viewerCertificate")
    certificate = certificate if isinstance(certificate, Mapping) else {}
    default_certificate = certificate.get("cloudfrontDefaultCertificate")
    if as_bool(default_certificate) is True:
        # The *.cloudfront.net certificate allows TLS 1.0 whatever minimumProtocolVersion says.
        report_violation(f"{where}: viewerCertificate.cloudfrontDefaultCertificate is true; required a custom "
                         f"ACM certificate (acmCertificateArn) with minimumProtocolVersion "
                         f"{MINIMUM_PROTOCOL_VERSION}", None)
    else:
        if not certificate.get("acmCertificateArn"):
            report_violation(f"{where}: viewerCertificate.acmCertificateArn is unset; required a custom ACM "
                             f"certificate", None)
        version = certificate.get("minimumProtocolVersion")
        if version != MINIMUM_PROTOCOL_VERSION:
            report_violation(f"{where}: viewerCertificate.minimumProtocolVersion is {shown(version)}; required "
                             f"{MINIMUM_PROTOCOL_VERSION}", None)

    for index, origin in enumerate(as_list(props.get("origins"))):
        if not isinstance(origin, Mapping) or not isinstance(origin.get("customOriginConfig"), Mapping):
            continue  # the catalog holds custom origins to TLS 1.2; S3 origins follow the viewer protocol
        custom = origin["customOriginConfig"]
        at = f"origins[{index}] ({origin.get('originId') or 'no originId'}).customOriginConfig"
        policy = custom.get("originProtocolPolicy")
        if policy != "https-only":
            report_violation(f"{where}: {at}.originProtocolPolicy is {shown(policy)}; required https-only", None)
        protocols = custom.get("originSslProtocols")
        if list(as_list(protocols)) != ORIGIN_SSL_PROTOCOLS:
            report_violation(f"{where}: {at}.originSslProtocols is {shown(protocols)}; required exactly "
                             f"[\"TLSv1.2\"]", None)


POLICY = resource_policy(CONTROL, validate)
