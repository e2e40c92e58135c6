"""The cluster section of the config and its data tables: AMI releases, gVisor releases, instance families."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.ami_releases import AMI_TYPES, CONTAINERD_BY_RELEASE, DEFAULT_RELEASE_VERSIONS, parse_release
from components.cluster_spec import MEMORY_ENCRYPTING_FAMILIES, check_instance_types, instance_family, is_metal
from components.config import ConfigError, parse_spec
from components.gvisor import BINARIES, GVISOR_ARCH, GVISOR_RELEASES, GvisorRelease, artifact_key, gvisor_release
from tests.harness import BASE_CONFIG

SOURCE = "stacks/Pulumi.test.yaml"


def spec_with(**cluster: Any):
    config = copy.deepcopy(BASE_CONFIG)
    config["quome:cluster"] = {"name": "quome-test", **cluster}
    return parse_spec(config, SOURCE)


def problems(**cluster: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        spec_with(**cluster)
    return list(caught.value.problems)


def pool(instance_types: list[str], architecture: str, **sizes: int) -> dict[str, Any]:
    return {"instanceTypes": instance_types, "architecture": architecture, **sizes}


def test_defaults_pin_a_release_with_containerd_2_and_graviton_pools():
    cluster = spec_with().cluster
    assert cluster.version == "1.33"
    assert cluster.release_version == "1.33.5-20251120"
    assert cluster.ami_release.containerd_major == 2
    assert cluster.gvisor_release == "20260817.0"
    assert cluster.public_access_cidrs == ()
    assert cluster.instance_families == tuple(MEMORY_ENCRYPTING_FAMILIES)
    assert (cluster.system_pool.instance_types, cluster.system_pool.architecture) == (("m7g.large",), "arm64")
    assert (cluster.system_pool.min_size, cluster.system_pool.desired_size, cluster.system_pool.max_size) == (2, 2, 3)
    sandbox = cluster.sandbox_pool
    assert (sandbox.instance_types, sandbox.architecture) == (("m7g.xlarge",), "arm64")
    assert (sandbox.min_size, sandbox.desired_size, sandbox.max_size) == (2, 2, 6)
    assert cluster.sandbox_pool.disk_size_gib == 50


def test_each_kubernetes_version_pins_its_own_release():
    assert spec_with(version="1.34").cluster.release_version == "1.34.1-20250920"


def test_an_explicit_release_before_the_containerd_2_cutover_uses_containerd_1():
    cluster = spec_with(releaseVersion="1.33.4-20251001").cluster
    assert cluster.ami_release.containerd_major == 1


def test_x86_metal_pool_and_narrowed_allow_list_are_accepted():
    cluster = spec_with(
        instanceFamilies=["m6i", "m7g"],
        sandboxPool=pool(["m6i.metal"], "x86_64"),
    ).cluster
    assert cluster.sandbox_pool.instance_types == ("m6i.metal",)
    assert cluster.instance_families == ("m6i", "m7g")


@pytest.mark.parametrize(
    ("cluster", "expected"),
    [
        (
            {"version": "1.35"},
            "quome:cluster.releaseVersion = null: no pinned AMI release for Kubernetes 1.35 (pinned: 1.33, 1.34); "
            "set releaseVersion",
        ),
        (
            {"version": "1.35", "releaseVersion": "1.35.0-20260101"},
            'quome:cluster.releaseVersion = "1.35.0-20260101": '
            "no AMI release data for Kubernetes 1.35 (known: 1.33, 1.34); "
            "add its containerd version to components/ami_releases.py after checking the AMI",
        ),
        (
            {"releaseVersion": "v20251120"},
            'quome:cluster.releaseVersion = "v20251120": '
            "must be an EKS AMI release version '<kubernetes x.y.z>-<YYYYMMDD>', e.g. '1.33.5-20251120'",
        ),
        (
            {"releaseVersion": "1.34.1-20250920"},
            'quome:cluster.releaseVersion = "1.34.1-20250920": '
            "is an AMI release for Kubernetes 1.34, but the cluster runs 1.33",
        ),
        (
            {"releaseVersion": "1.33.0-20250401"},
            'quome:cluster.releaseVersion = "1.33.0-20250401": '
            "predates the first known Kubernetes 1.33 AL2023 AMI release (20250519)",
        ),
        (
            {"gvisorRelease": "latest"},
            'quome:cluster.gvisorRelease = "latest": is not a pinned gVisor release (pinned: 20260817.0); '
            "add it with its checksums to components/gvisor.py",
        ),
        (
            {"instanceFamilies": ["m7g", "m5"]},
            'quome:cluster.instanceFamilies = ["m7g", "m5"]: m5: not a family whose processor always encrypts memory '
            f"(Graviton2+, AMD Milan+, Intel Ice Lake+); allowed: {', '.join(sorted(MEMORY_ENCRYPTING_FAMILIES))}",
        ),
        (
            {"systemPool": pool(["m5.large"], "x86_64")},
            'quome:cluster.systemPool = {"instanceTypes": ["m5.large"], "architecture": "x86_64"}: '
            "instance type 'm5.large': family 'm5' is not one whose processor always encrypts memory "
            "(Graviton2+, AMD Milan+, Intel Ice Lake+); "
            f"allowed: {', '.join(sorted(MEMORY_ENCRYPTING_FAMILIES))}",
        ),
        (
            {"sandboxPool": pool(["m7g.xlarge", "m6i.xlarge"], "arm64")},
            'quome:cluster.sandboxPool = {"instanceTypes": ["m7g.xlarge", "m6i.xlarge"], "architecture": "arm64"}: '
            "instance type 'm6i.xlarge' is x86_64, but the pool's architecture is arm64 "
            "(its AMI and gVisor binaries are per architecture)",
        ),
        (
            {"sandboxPool": pool(["m6i.large", "m6i.metal"], "x86_64")},
            'quome:cluster.sandboxPool = {"instanceTypes": ["m6i.large", "m6i.metal"], "architecture": "x86_64"}: '
            "mixes .metal and virtualized instance types; gVisor's platform (kvm or systrap) is set per pool",
        ),
        (
            {"sandboxPool": pool([], "arm64")},
            'quome:cluster.sandboxPool = {"instanceTypes": [], "architecture": "arm64"}: '
            "must name at least one instance type",
        ),
        (
            {"sandboxPool": pool(["m7g.large"], "arm64", minSize=3, desiredSize=2)},
            'quome:cluster.sandboxPool = {"instanceTypes": ["m7g.large"], "architecture": "arm64", '
            '"minSize": 3, "desiredSize": 2}: '
            "sizes must satisfy minSize <= desiredSize <= maxSize (got 3, 2, 4)",
        ),
        (
            {"instanceFamilies": ["m6i"]},
            'quome:cluster.systemPool = {"instanceTypes": ["m7g.large"], "architecture": "arm64", '
            '"minSize": 2, "desiredSize": 2, "maxSize": 3}: '
            "instance types m7g.large are outside instanceFamilies (m6i)",
        ),
        (
            {"sandboxPool": pool(["m7g.xlarge"], "riscv64")},
            "quome:cluster.sandboxPool.architecture = \"riscv64\": Input should be 'arm64' or 'x86_64'",
        ),
        (
            {"publicAccessCidrs": ["0.0.0.0/0"]},
            'quome:cluster.publicAccessCidrs = ["0.0.0.0/0"]: must not contain 0.0.0.0/0: '
            "the API endpoint is private, or open to named ranges only",
        ),
        (
            {"publicAccessCidrs": ["::/0"]},
            'quome:cluster.publicAccessCidrs = ["::/0"]: '
            "'::/0' is not an IPv4 network in CIDR notation (EKS takes IPv4 ranges here)",
        ),
        (
            {"publicAccessCidrs": ["0.0.0.0/1"]},
            'quome:cluster.publicAccessCidrs = ["0.0.0.0/1"]: '
            "'0.0.0.0/1' is broader than /8: name the ranges that operate the cluster",
        ),
        (
            {"name": "q" * 41},
            f'quome:cluster.name = "{"q" * 41}": must start with a letter and hold only letters, digits and \'-\', '
            "at most 40 characters (role names derived from it must fit IAM's 64)",
        ),
    ],
)
def test_rejects_with_a_message_naming_key_value_and_what_is_allowed(cluster, expected):
    assert expected in problems(**cluster)


def test_a_public_endpoint_needs_named_ranges():
    assert spec_with(publicAccessCidrs=["203.0.113.0/24"]).cluster.public_access_cidrs == ("203.0.113.0/24",)


# -- data tables ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("release", "major"),
    [
        ("1.33.0-20250519", 1),
        ("1.33.4-20251015", 1),
        ("1.33.5-20251016", 2),
        ("1.33.5-20251120", 2),
        ("1.34.0-20250915", 2),
        ("1.34.1-20250920", 2),
    ],
)
def test_containerd_major_follows_the_release_table(release, major):
    assert parse_release(release).containerd_major == major


def test_release_table_rows_are_consistent():
    for row in CONTAINERD_BY_RELEASE:
        assert row.major in (1, 2)
        assert len(row.since) == 8 and row.since.isdigit()
    for kubernetes, release in DEFAULT_RELEASE_VERSIONS.items():
        assert parse_release(release).kubernetes == kubernetes
    assert dict(AMI_TYPES) == {"arm64": "AL2023_ARM_64_STANDARD", "x86_64": "AL2023_x86_64_STANDARD"}


@pytest.mark.parametrize("family", ["m5", "m5a", "c5", "r5", "t3", "t3a", "a1", "m4", "c5n"])
def test_families_without_always_on_memory_encryption_are_not_in_the_table(family):
    assert family not in MEMORY_ENCRYPTING_FAMILIES


def test_family_architectures():
    def families(architecture: str) -> set[str]:
        return {f for f, arch in MEMORY_ENCRYPTING_FAMILIES.items() if arch == architecture}

    assert families("arm64") >= {"m6g", "c6g", "r6g", "m7g", "m8g"}
    assert families("x86_64") >= {"m6a", "c6a", "r6a", "m6i", "c6i", "r6i"}
    assert all(("g" in family) == (arch == "arm64") for family, arch in MEMORY_ENCRYPTING_FAMILIES.items())


def test_instance_type_parsing():
    assert instance_family("m7gd.2xlarge") == "m7gd"
    assert is_metal("c6i.metal") and is_metal("m7i.metal-24xl") and not is_metal("m7g.xlarge")
    with pytest.raises(ValueError, match="is not of the form '<family>.<size>'"):
        instance_family("m7g")
    with pytest.raises(ValueError, match="family 'x2' is not one whose processor always encrypts memory"):
        check_instance_types(("x2.large",), "x86_64")


def test_pinned_gvisor_release_has_both_binaries_for_both_architectures():
    release = gvisor_release("20260817.0")
    assert set(GVISOR_RELEASES) == {"20260817.0"}
    for arch in ("arm64", "x86_64"):
        for binary in BINARIES:
            assert len(release.checksum(arch, binary)) == 128
    checksums = [release.sha512[a][b] for a in GVISOR_ARCH.values() for b in BINARIES]
    assert len(set(checksums)) == 4
    assert release.checksum("arm64", "runsc").startswith("6394fd16")
    assert release.checksum("x86_64", "runsc").startswith("84936438")
    assert artifact_key("20260817.0", "arm64", "runsc") == "gvisor/20260817.0/aarch64/runsc"


def test_a_release_without_a_valid_checksum_for_every_binary_is_refused():
    good = dict(GVISOR_RELEASES["20260817.0"].sha512)
    broken = {**good, "aarch64": {"runsc": "0" * 128}}
    with pytest.raises(ValueError) as caught:
        GvisorRelease(release="x", sha512=broken)
    assert str(caught.value) == "gVisor x: aarch64/containerd-shim-runsc-v1 needs a 128-hex-digit SHA-512, got ''"
