"""The platform: composes every component of one stack from its validated spec.

Order follows the data: keys first (everything encrypts with them), then the audit trail (its
buckets and log groups need the logs key), the network, the cluster and the organizations. Each
shared thing has one owner; the others ask for what they need through typed inputs (grants).
"""

from __future__ import annotations

import pulumi

from components.config import PlatformSpec
from components.providers import aws_provider


class Platform(pulumi.ComponentResource):
    """Everything one stack creates in its account and region."""

    def __init__(self, name: str, spec: PlatformSpec, opts: pulumi.ResourceOptions | None = None):
        super().__init__("quome:platform:Platform", name, None, opts)
        self.spec = spec
        # Stateful leaves are protected in prod; components never are (children would inherit it).
        self.protect_stateful = spec.environment == "prod"
        # Object-locked data cannot be deleted for years anyway: outside prod, forget it on destroy.
        self.retain_locked_data = spec.environment != "prod"
        self.provider = aws_provider(f"{name}-aws", spec, opts=pulumi.ResourceOptions(parent=self))

        # --- section: keys and account baseline (components/keys.py, components/account_baseline.py)
        # --- section: audit trail (components/audit_trail.py)
        # --- section: network (components/network.py)
        # --- section: cluster (components/cluster.py)
        # --- section: organizations (components/organization.py)

        self.register_outputs({"region": spec.region, "accountId": spec.account_id})
