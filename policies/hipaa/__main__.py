"""Entry point the Pulumi CLI runs (`python -m pulumi.policy ... <this directory>`).

PolicyPack() starts the analyzer's gRPC server and never returns, so nothing may import this
file; tests and `quome check` import hipaa_pack instead. Nothing may print to stdout before
PolicyPack() does: the CLI reads the server's port from the first stdout line.
"""
from pulumi_policy import EnforcementLevel, PolicyPack

from hipaa_pack import PACK_DESCRIPTION, PACK_DISPLAY_NAME, PACK_NAME, POLICIES

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    # Every policy carries its own level from the catalog; this is only the fallback.
    enforcement_level=EnforcementLevel.ADVISORY,
    description=PACK_DESCRIPTION,
    display_name=PACK_DISPLAY_NAME,
    provider="aws",
    tags=["hipaa", "aws", "kubernetes"],
)
