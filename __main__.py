"""Composition root: read the stack's config, validate it, build the platform, export its outputs.

This is the program `pulumi up` runs; `quome plan` runs the very same file under mocks.
"""

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from components.config import parse_spec
from components.platform import Platform

# Every key the engine handed over (process environment under the CLI, set_all_config under mocks):
# the spec rejects unknown keys, so it must see all of them, not only the ones it asks for.
raw_config = {**get_config_env(), **CONFIG.get()}
spec = parse_spec(raw_config, source=f"stacks/Pulumi.{pulumi.get_stack()}.yaml")

platform = Platform(f"quome-{pulumi.get_stack()}", spec)

pulumi.export("region", spec.region)
pulumi.export("accountId", spec.account_id)
pulumi.export("residency", spec.residency)
pulumi.export("environment", spec.environment)
# What operators and other stacks look up: where the audit trail lands, which keys guard what, and
# how to reach the cluster and each organization.
pulumi.export("auditBucketName", platform.audit_trail.audit_bucket_name)
pulumi.export("accessLogBucketName", platform.audit_trail.access_log_bucket_name)
pulumi.export("trailArn", platform.audit_trail.trail_arn)
pulumi.export(
    "keyArns", {purpose: platform.keys.key_arn(purpose) for purpose in ("logs", "storage", "secrets", "cluster")}
)
pulumi.export("vpcId", platform.network.vpc_id)
pulumi.export("clusterName", platform.cluster.name)
pulumi.export("clusterEndpoint", platform.cluster.endpoint)
pulumi.export("artifactBucketName", platform.cluster.artifact_bucket_name)
pulumi.export(
    "organizations",
    {
        org_id: {
            "namespace": org.namespace_name,
            "keyArn": platform.keys.org_key_arn(org_id),
            "workloadRoleArn": org.workload_role_arn,
            "roleArns": org.role_arns,
        }
        for org_id, org in platform.organizations.items()
    },
)
