"""Residency zones as data: which AWS regions hold a zone's data, keys, logs and state.

Each zone is served by its own AWS account(s) (see `quome plan`'s cross-stack check): a multi-region
CloudTrail trail in one zone's account can then never record another zone's activity.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

RESIDENCY_ZONES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "us": ("us-east-1", "us-east-2", "us-west-2"),
        "eu": ("eu-central-1", "eu-west-1", "eu-west-3"),
        "ca": ("ca-central-1", "ca-west-1"),
    }
)

# Services whose control plane is global: their API calls are recorded in us-east-1 whatever the
# zone. They carry identities and configuration, never customer data (see README, "Residency").
GLOBAL_SERVICE_EXCEPTIONS: tuple[str, ...] = (
    "iam.amazonaws.com",
    "signin.amazonaws.com",
    "sts.amazonaws.com (global endpoint)",
    "organizations.amazonaws.com",
    "route53.amazonaws.com",
    "cloudfront.amazonaws.com",
)


def regions_of(zone: str) -> tuple[str, ...]:
    """The regions of a residency zone; KeyError for an unknown zone."""
    return RESIDENCY_ZONES[zone]


def zone_of_region(region: str) -> str | None:
    """The zone a region belongs to, or None when no zone holds it."""
    for zone, regions in RESIDENCY_ZONES.items():
        if region in regions:
            return zone
    return None
