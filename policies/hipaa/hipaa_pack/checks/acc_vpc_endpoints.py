"""acc-vpc-endpoints: every VPC reaches S3 through a gateway endpoint and the configured AWS APIs
through interface endpoints with private DNS, so PHI and key traffic stays on the AWS network."""
from __future__ import annotations

import re
from typing import Optional

from pulumi_policy import PolicyConfigSchema, PolicyResource, ReportViolation

from ..catalog import CATALOG
from ..factory import StackArgs, stack_policy
from ..props import as_bool, by_joined_urn, resources_of, shown

CONTROL = CATALOG["acc-vpc-endpoints"]

VPC_TOKEN = "aws:ec2/vpc:Vpc"
ENDPOINT_TOKEN = "aws:ec2/vpcEndpoint:VpcEndpoint"
SERVICE_NAME_RE = re.compile(r"^com\.amazonaws\.[a-z0-9-]+\.(?P<service>[a-z0-9.-]+)$")
GATEWAY_SERVICE = "s3"
# The provider's default vpcEndpointType.
DEFAULT_ENDPOINT_TYPE = "Gateway"

CONFIG_SCHEMA = PolicyConfigSchema(properties={
    "requiredInterfaceServices": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*$"},
        "default": ["kms", "secretsmanager", "sts", "logs", "ecr.api", "ecr.dkr"],
        "description": "Services (the part after com.amazonaws.<region>.) every VPC needs an Interface endpoint for.",
    },
})


def _service(endpoint: PolicyResource) -> Optional[str]:
    match = SERVICE_NAME_RE.match(str(endpoint.props.get("serviceName") or ""))
    return match.group("service") if match else None


def _endpoint_type(endpoint: PolicyResource) -> str:
    return str(endpoint.props.get("vpcEndpointType") or DEFAULT_ENDPOINT_TYPE)


def validate(args: StackArgs, report_violation: ReportViolation) -> None:
    required = list(args.get_config()["requiredInterfaceServices"])
    endpoints_by_vpc = by_joined_urn(resources_of(args, ENDPOINT_TOKEN), "vpcId")
    for vpc in resources_of(args, VPC_TOKEN):
        endpoints = endpoints_by_vpc.get(vpc.urn, [])
        by_service: dict[str, list[PolicyResource]] = {}
        for endpoint in endpoints:
            service = _service(endpoint)
            if service is not None:
                by_service.setdefault(service, []).append(endpoint)

        if not any(_endpoint_type(e) == "Gateway" for e in by_service.get(GATEWAY_SERVICE, [])):
            report_violation(f"VPC '{vpc.name}' has no Gateway endpoint for {GATEWAY_SERVICE}; required "
                             f"com.amazonaws.<region>.{GATEWAY_SERVICE} with vpcEndpointType Gateway", vpc.urn)

        for service in required:
            interfaces = [e for e in by_service.get(service, []) if _endpoint_type(e) == "Interface"]
            if not interfaces:
                report_violation(f"VPC '{vpc.name}' has no Interface endpoint for {service}; required "
                                 f"com.amazonaws.<region>.{service} with vpcEndpointType Interface and "
                                 f"privateDnsEnabled true (requiredInterfaceServices)", vpc.urn)
                continue
            for endpoint in interfaces:
                dns = endpoint.props.get("privateDnsEnabled")
                if as_bool(dns) is not True:
                    report_violation(f"VPC '{vpc.name}': Interface endpoint '{endpoint.name}' for {service} has "
                                     f"privateDnsEnabled {shown(dns)}; required true, so the service's default "
                                     f"hostname resolves to the endpoint", endpoint.urn)


POLICY = stack_policy(CONTROL, validate, CONFIG_SCHEMA)
