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
