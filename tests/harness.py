"""Shared test helpers: build resources under the plan's mocks and look at what was registered."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Mapping

from components.config import PlatformSpec, parse_spec
from quome.plan import Plan, Registration, run_under_mocks

ACCOUNT = "111111111111"
REGION = "us-east-1"

BASE_CONFIG: dict[str, Any] = {
    "aws:region": REGION,
    "quome:environment": "dev",
    "quome:accountId": ACCOUNT,
    "quome:residency": "us",
    "quome:deployerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/quome-deployer",
    "quome:breakGlassRoleArn": f"arn:aws:iam::{ACCOUNT}:role/quome-break-glass",
    "quome:cluster": {"name": "quome-test"},
    "quome:organizations": [
        {"id": "acme", "displayName": "Acme", "tier": "enterprise", "residency": "us"},
        {"id": "bluebird", "displayName": "Bluebird", "tier": "standard", "residency": "us"},
    ],
}


def make_spec(**overrides: Any) -> PlatformSpec:
    """A valid spec (the compliant fixture); keyword overrides replace `quome:<key>` values."""
    config = dict(BASE_CONFIG)
    for key, value in overrides.items():
        config[key if ":" in key else f"quome:{key}"] = value
    return parse_spec(config, "test")


def build(body: Callable[[], None], stack: str = "test", account: str = ACCOUNT, region: str = REGION) -> Plan:
    return run_under_mocks(body, stack=stack, account_id=account, region=region)


def of_type(plan: Plan, token: str) -> list[Registration]:
    return [r for r in plan.registrations if r.type == token]


def one(plan: Plan, token: str, name: str | None = None) -> Registration:
    found = [r for r in of_type(plan, token) if name is None or r.name == name]
    assert len(found) == 1, f"expected one {token} {name or ''}, found {[r.name for r in found]}"
    return found[0]


def policy_document(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """Policies arrive as JSON text; parse them so tests check statements, not strings."""
    return json.loads(value) if isinstance(value, str) else dict(value)


def statement(document: Mapping[str, Any], sid: str) -> dict[str, Any]:
    matches = [s for s in document["Statement"] if s.get("Sid") == sid]
    assert len(matches) == 1, f"expected one statement {sid}, found {[s.get('Sid') for s in document['Statement']]}"
    return matches[0]


def names(registrations: Iterable[Registration]) -> list[str]:
    return sorted(r.name for r in registrations)
