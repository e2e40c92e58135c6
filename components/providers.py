"""The one AWS provider factory: every AWS resource and invoke goes through a provider made here.

Default providers are disabled in every stack file (`pulumi:disable-default-providers`), so a
resource that forgets `provider=` fails at `pulumi up` instead of landing in an ambient region or
account.
"""

from __future__ import annotations

from typing import Mapping

import pulumi
import pulumi_aws as aws

from components.config import PlatformSpec
from components.residency import RESIDENCY_ZONES

MANAGED_BY = "quome-platform"


def default_tags(spec: PlatformSpec) -> dict[str, str]:
    """Tags every AWS resource carries (they appear in `tagsAll`, not in each resource's `tags`)."""
    return {
        **spec.tags,
        "environment": spec.environment,
        "residency": spec.residency,
        "data-classification": "phi",
        "managed-by": MANAGED_BY,
    }


def aws_provider(
    name: str,
    spec: PlatformSpec,
    region: str | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> aws.Provider:
    """An explicit provider pinned to the stack's account; `region` must stay inside its residency zone."""
    target_region = region or spec.region
    allowed = RESIDENCY_ZONES[spec.residency]
    if target_region not in allowed:
        raise ValueError(
            f"provider '{name}': region {target_region!r} is outside residency zone "
            f"'{spec.residency}' (allowed: {', '.join(allowed)})"
        )
    return aws.Provider(
        name,
        region=target_region,
        allowed_account_ids=[spec.account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=default_tags(spec)),
        opts=opts,
    )


def invoke_options(provider: aws.Provider) -> pulumi.InvokeOptions:
    """Invokes need the provider too, or they would use the (disabled) default one."""
    return pulumi.InvokeOptions(provider=provider)


def child_options(parent: pulumi.Resource, provider: aws.Provider, **extra: object) -> pulumi.ResourceOptions:
    """Options for a component's child: parented, on the stack's explicit provider."""
    return pulumi.ResourceOptions(parent=parent, provider=provider, **extra)  # type: ignore[arg-type]


def stateful_options(
    parent: pulumi.Resource,
    provider: aws.Provider,
    protect: bool,
    retain_on_delete: bool = False,
    **extra: object,
) -> pulumi.ResourceOptions:
    """Options for a stateful leaf (key, bucket, log group, trail, cluster, secret, vault).

    Protection is set on leaves only: a protected component would pass `protect` to every child, and a
    protected launch template or security-group rule could then never be replaced.
    """
    return pulumi.ResourceOptions(
        parent=parent,
        provider=provider,
        protect=protect,
        retain_on_delete=retain_on_delete,
        **extra,  # type: ignore[arg-type]
    )


def merged_tags(*groups: Mapping[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for group in groups:
        merged.update(group)
    return merged
