"""Pulumi engine mocks that behave like AWS for the offline plan.

The mocks echo a resource's inputs into its state and add what AWS would compute (ids, ARNs built
from the stack's account, region and the resource's name), and answer the invokes the program
uses, so references resolve to the values a reader expects.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

PARTITION = "aws"

# ELB log-delivery accounts per region (AWS "Enable access logs for your Application Load Balancer").
ELB_SERVICE_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-2": "797873946194",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-3": "009996457667",
    "ca-central-1": "985666609251",
}


_DIRECTION_CODES = {
    "north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
    "northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw",
}


def zone_id_prefix_of(region: str) -> str:
    """The prefix of a region's availability-zone ids, as AWS writes them: use1 (us-east-1), euc1
    (eu-central-1), apse2 (ap-southeast-2), so zone ids read like the real use1-az1."""
    geography, direction, number = region.split("-")
    return f"{geography}{_DIRECTION_CODES.get(direction, direction[:1])}{number}"


def _short_hash(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _stable_uuid(*parts: str) -> str:
    return str(uuid.UUID(hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]))


class AwsLikeMocks(Mocks):
    """Deterministic AWS-shaped state for every resource the program registers."""

    def __init__(self, account_id: str, region: str):
        self.account_id = account_id
        self.region = region

    # -- resources -------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        state = dict(args.inputs)
        token = args.typ
        if token.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", state
        region = state.get("region") or self.region
        resource_id, extra = self._computed(token, args.name, state, region)
        for key, value in extra.items():
            state.setdefault(key, value)
        return resource_id, state

    def _computed(self, token: str, name: str, state: dict, region: str) -> tuple[str, dict[str, Any]]:
        account, suffix = self.account_id, _short_hash(token, name)
        module, _, kind = token.partition(":")[2].partition(":")[0].partition("/")
        if token in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
            bucket = state.get("bucket") or f"{name}-{suffix}"
            return bucket, {
                "bucket": bucket,
                "arn": f"arn:{PARTITION}:s3:::{bucket}",
                "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
                "bucketRegion": region,
            }
        if token == "aws:kms/key:Key":
            key_id = _stable_uuid(name)
            return key_id, {"keyId": key_id, "arn": f"arn:{PARTITION}:kms:{region}:{account}:key/{key_id}"}
        if token == "aws:kms/alias:Alias":
            alias = state.get("name", f"alias/{name}")
            return alias, {"arn": f"arn:{PARTITION}:kms:{region}:{account}:{alias}"}
        if module == "iam":
            iam_name = state.get("name") or f"{name}-{suffix[:7]}"
            path = state.get("path", "/")
            iam_kind = {"role": "role", "policy": "policy", "user": "user", "serviceLinkedRole": "role"}.get(kind)
            extra: dict[str, Any] = {"name": iam_name}
            if kind == "serviceLinkedRole":
                service = state.get("awsServiceName", "service.amazonaws.com")
                iam_name = f"AWSServiceRoleFor{service.split('.')[0].title().replace('-', '')}"
                path = f"/aws-service-role/{service}/"
                extra["name"] = iam_name
            if iam_kind:
                extra["arn"] = f"arn:{PARTITION}:iam::{account}:{iam_kind}{path}{iam_name}"
                return iam_name if iam_kind != "policy" else extra["arn"], extra
            return f"{name}-{suffix}", extra
        if token == "aws:cloudwatch/logGroup:LogGroup":
            group = state.get("name") or f"{name}-{suffix[:7]}"
            return group, {"name": group, "arn": f"arn:{PARTITION}:logs:{region}:{account}:log-group:{group}"}
        if token == "aws:cloudtrail/trail:Trail":
            trail = state.get("name") or name
            return trail, {"name": trail, "arn": f"arn:{PARTITION}:cloudtrail:{region}:{account}:trail/{trail}"}
        if token == "aws:eks/cluster:Cluster":
            cluster = state.get("name") or name
            return cluster, {
                "name": cluster,
                "arn": f"arn:{PARTITION}:eks:{region}:{account}:cluster/{cluster}",
                "endpoint": f"https://{suffix.upper()}.gr7.{region}.eks.amazonaws.com",
                "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
                "vpcConfig": {**state.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{suffix}c"},
                "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{suffix.upper()}"}]}],
            }
        if token == "aws:secretsmanager/secret:Secret":
            secret_name = state.get("name") or f"{name}-{suffix[:7]}"
            arn = f"arn:{PARTITION}:secretsmanager:{region}:{account}:secret:{secret_name}-{suffix[:6]}"
            return arn, {"arn": arn, "name": secret_name}
        if module == "ec2" or module == "vpc":
            prefix = {
                "vpc": "vpc", "subnet": "subnet", "securityGroup": "sg", "routeTable": "rtb",
                "internetGateway": "igw", "natGateway": "nat", "eip": "eipalloc", "vpcEndpoint": "vpce",
                "launchTemplate": "lt", "networkAcl": "acl", "flowLog": "fl", "defaultSecurityGroup": "sg",
            }.get(kind, kind.lower()[:6])
            resource_id = f"{prefix}-{_short_hash(token, name, length=17)}"
            extra = {"arn": f"arn:{PARTITION}:ec2:{region}:{account}:{kind.lower()}/{resource_id}"}
            if kind == "launchTemplate":
                extra["latestVersion"] = 1
            return resource_id, extra
        resource_name = state.get("name") or f"{name}-{suffix[:7]}"
        return f"{name}-{suffix}", {
            "arn": f"arn:{PARTITION}:{module}:{region}:{account}:{kind.lower()}/{resource_name}",
        }

    # -- invokes ---------------------------------------------------------------------------
    def call(self, args: MockCallArgs) -> dict:
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account_id,
                "arn": f"arn:{PARTITION}:sts::{self.account_id}:assumed-role/deployer/quome-plan",
                "userId": "AROAEXAMPLEQUOMEPLAN:quome-plan",
                "id": self.account_id,
            }
        if token == "aws:index/getPartition:getPartition":
            return {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION}
        if token == "aws:index/getRegion:getRegion":
            region = args.args.get("region") or self.region
            return {"region": region, "name": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            letters = ("a", "b", "c")
            zone_id_prefix = zone_id_prefix_of(self.region)
            return {
                "names": [f"{self.region}{letter}" for letter in letters],
                "zoneIds": [f"{zone_id_prefix}-az{i + 1}" for i in range(3)],
                "id": self.region,
                "state": "available",
            }
        if token == "aws:elb/getServiceAccount:getServiceAccount":
            region = args.args.get("region") or self.region
            account = ELB_SERVICE_ACCOUNTS[region]
            return {"id": account, "arn": f"arn:{PARTITION}:iam::{account}:root"}
        raise LookupError(f"quome plan mocks: no answer for invoke {token!r}; add one in quome/mocks.py")
