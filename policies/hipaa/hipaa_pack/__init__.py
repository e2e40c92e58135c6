"""The quome-hipaa policy pack as importable data: name, version, catalog and the built policies.

policies/hipaa/__main__.py wraps POLICIES in a PolicyPack; everything else (tests, `quome check`,
the README generator) imports from here, because constructing a PolicyPack blocks forever.
"""
from __future__ import annotations

import re
from pathlib import Path

PACK_NAME = "quome-hipaa"
PACK_DISPLAY_NAME = "quome HIPAA Security Rule"
PACK_DESCRIPTION = "HIPAA Security Rule (45 CFR 164 Subpart C) controls for the quome platform on AWS and EKS."
POLICY_PACK_FILE = Path(__file__).resolve().parent.parent / "PulumiPolicy.yaml"

_VERSION_LINE = re.compile(r"""^version:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$""", re.MULTILINE)


def read_pack_version(path: Path = POLICY_PACK_FILE) -> str:
    """The `version:` of PulumiPolicy.yaml, which is where the CLI takes a Python pack's version from.

    A regex rather than a YAML parser: the pack's virtualenv has only pulumi and pulumi-policy, and
    the file keeps `version` as one top-level scalar line.
    """
    match = _VERSION_LINE.search(Path(path).read_text(encoding="utf-8"))
    if match is None:
        raise RuntimeError(f"{path}: no top-level 'version: X.Y.Z' line")
    return match.group(1)


PACK_VERSION = read_pack_version()

# Imported after the constants: check modules import this package while it is initializing.
from .catalog import CATALOG, REQUIREMENTS  # noqa: E402
from .checks import ALL as CHECKS  # noqa: E402

POLICIES = [module.POLICY for module in CHECKS]
"""One policy per catalog control, in catalog order."""

# The analyzer would otherwise rebuild each resource's properties once per policy (see shared_props).
from .shared_props import install as _share_property_views  # noqa: E402

_share_property_views()

__all__ = ["PACK_NAME", "PACK_VERSION", "PACK_DISPLAY_NAME", "PACK_DESCRIPTION", "CATALOG", "REQUIREMENTS",
           "CHECKS", "POLICIES", "read_pack_version"]
