"""Sandbox node user data: parsed as MIME, TOML, YAML and shell, and the install script actually run."""

from __future__ import annotations

import base64
import email
import hashlib
import os
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from components.gvisor import BINARIES, GVISOR_RELEASES, GvisorRelease, gvisor_release
from components.user_data import (
    MIME_BOUNDARY,
    RUNSC_CONFIG_PATH,
    SandboxBootstrap,
    containerd_runtime_toml,
    encode,
    install_script,
    runsc_platform,
    runsc_toml,
    sandbox_user_data,
)

BUCKET = "quome-artifacts-111111111111-us-east-1"
V2_PLUGIN = "io.containerd.grpc.v1.cri"
V3_PLUGIN = "io.containerd.cri.v1.runtime"


def bootstrap(**changes) -> SandboxBootstrap:
    values = dict(
        artifact_bucket=BUCKET,
        account_id="111111111111",
        region="us-east-1",
        gvisor=gvisor_release("20260817.0"),
        architecture="arm64",
        containerd_major=2,
        platform="systrap",
    )
    values.update(changes)
    return SandboxBootstrap(**values)


def parts(document: str) -> list[email.message.Message]:
    message = email.message_from_string(document)
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_param("boundary") == MIME_BOUNDARY
    return [part for part in message.walk() if not part.is_multipart()]


def node_config_of(document: str) -> dict:
    return yaml.safe_load(parts(document)[1].get_payload())


def script_of(document: str) -> str:
    return parts(document)[0].get_payload()


def test_user_data_is_a_script_part_then_a_nodeconfig_part():
    found = parts(sandbox_user_data(bootstrap()))
    assert [p.get_content_type() for p in found] == ["text/x-shellscript", "application/node.eks.aws"]


def test_nodeconfig_holds_only_containerd_settings_eks_supplies_the_cluster():
    config = node_config_of(sandbox_user_data(bootstrap()))
    assert config["apiVersion"] == "node.eks.aws/v1alpha1"
    assert config["kind"] == "NodeConfig"
    assert list(config["spec"]) == ["containerd"]
    assert list(config["spec"]["containerd"]) == ["config"]


@pytest.mark.parametrize(
    ("major", "version", "plugin", "other"), [(1, 2, V2_PLUGIN, V3_PLUGIN), (2, 3, V3_PLUGIN, V2_PLUGIN)]
)
def test_runsc_runtime_sits_at_the_path_of_the_amis_containerd_major(major, version, plugin, other):
    config = node_config_of(sandbox_user_data(bootstrap(containerd_major=major)))
    toml = tomllib.loads(config["spec"]["containerd"]["config"])
    assert toml["version"] == version
    assert set(toml["plugins"]) == {plugin}
    assert other not in toml["plugins"]
    runsc = toml["plugins"][plugin]["containerd"]["runtimes"]["runsc"]
    assert runsc["runtime_type"] == "io.containerd.runsc.v1"
    assert runsc["options"] == {"TypeUrl": "io.containerd.runsc.v1.options", "ConfigPath": RUNSC_CONFIG_PATH}


@pytest.mark.parametrize(("metal", "platform"), [(False, "systrap"), (True, "kvm")])
def test_runsc_platform_is_systrap_in_a_vm_and_kvm_on_metal(metal, platform):
    assert runsc_platform(metal) == platform
    assert tomllib.loads(runsc_toml(platform)) == {"runsc_config": {"platform": platform, "oci-seccomp": "true"}}


def test_runsc_toml_is_written_verbatim_by_the_script():
    script = script_of(sandbox_user_data(bootstrap(platform="kvm")))
    body = script.split("<<'RUNSC_TOML'\n", 1)[1].split("RUNSC_TOML\n", 1)[0]
    assert body == runsc_toml("kvm")
    assert f'cat > "{RUNSC_CONFIG_PATH}"' in script


def test_script_passes_bash_syntax_check_and_shellcheck(tmp_path):
    path = tmp_path / "bootstrap.sh"
    for arch in ("arm64", "x86_64"):
        path.write_text(script_of(sandbox_user_data(bootstrap(architecture=arch))))
        subprocess.run(["bash", "-n", str(path)], check=True)
        shellcheck = shutil.which("shellcheck")
        assert shellcheck, "shellcheck is missing: `make tools` installs it (Debian package shellcheck)"
        result = subprocess.run(
            [shellcheck, "--shell=bash", "--severity=style", str(path)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout


def test_script_never_reaches_the_internet():
    script = script_of(sandbox_user_data(bootstrap()))
    for forbidden in ("http://", "https://", "curl", "wget", "storage.googleapis.com"):
        assert forbidden not in script


def test_user_data_is_deterministic_so_the_launch_template_only_changes_with_its_inputs():
    assert sandbox_user_data(bootstrap()) == sandbox_user_data(bootstrap())
    assert sandbox_user_data(bootstrap()) != sandbox_user_data(bootstrap(architecture="x86_64"))


def test_encode_is_base64_of_the_document():
    document = sandbox_user_data(bootstrap())
    assert base64.b64decode(encode(document)).decode("ascii") == document


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"artifact_bucket": "Not_A_Bucket"}, "artifact_bucket 'Not_A_Bucket' is not a valid S3 bucket name"),
        ({"account_id": "1234"}, "account_id '1234' must be a 12-digit AWS account id"),
        ({"region": "mars"}, "region 'mars' is not an AWS region name such as 'us-east-1'"),
        ({"architecture": "riscv64"}, "architecture 'riscv64': allowed are arm64, x86_64"),
        ({"containerd_major": 3}, "containerd major version 3: supported are 1 (config v2) and 2 (config v3)"),
        ({"platform": "ptrace"}, "runsc platform 'ptrace': allowed are 'systrap' and 'kvm'"),
    ],
)
def test_bootstrap_rejects_bad_inputs(changes, message):
    with pytest.raises(ValueError) as caught:
        bootstrap(**changes)
    assert str(caught.value) == message


def test_containerd_toml_rejects_an_unknown_major():
    with pytest.raises(ValueError):
        containerd_runtime_toml(0)


# -- the script, run for real against a stub `aws` ------------------------------------------------------


def _fake_release(contents: dict[str, bytes]) -> GvisorRelease:
    sums = {binary: hashlib.sha512(contents[binary]).hexdigest() for binary in BINARIES}
    return GvisorRelease(release="20990101.0", sha512={"x86_64": sums, "aarch64": sums})


def _run(
    tmp_path: Path, release: GvisorRelease, served: dict[str, bytes]
) -> tuple[subprocess.CompletedProcess, Path, Path, Path]:
    """Run the generated script with its install paths moved under tmp_path and `aws`, `sleep` stubbed on PATH.

    The stub serves `served[<binary>]` for any `s3 cp` of an object ending in that binary's name (and fails
    like S3's 404 for an object not served) and logs its arguments, so the test sees exactly what the node
    would ask S3 for; `sleep` returns at once so retries cost no time.
    """
    root = tmp_path / "root"
    bin_dir, etc_dir, stubs = root / "usr/local/bin", root / "etc/containerd", tmp_path / "stubs"
    for directory in (bin_dir, stubs, tmp_path / "objects"):
        directory.mkdir(parents=True)
    for binary, content in served.items():
        (tmp_path / "objects" / binary).write_bytes(content)
    log = tmp_path / "aws.log"
    aws = stubs / "aws"
    aws.write_text(
        "#!/bin/bash\n"
        f'echo "$*" >> "{log}"\n'
        'src="${@: -2:1}"; dst="${@: -1}"\n'
        f'cp "{tmp_path}/objects/${{src##*/}}" "$dst"\n'
    )
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)
    sleep = stubs / "sleep"
    sleep.write_text("#!/bin/bash\nexit 0\n")
    sleep.chmod(sleep.stat().st_mode | stat.S_IEXEC)
    script = install_script(bootstrap(gvisor=release, architecture="x86_64"))
    script = script.replace('"/usr/local/bin"', f'"{bin_dir}"').replace("/etc/containerd", str(etc_dir))
    path = tmp_path / "bootstrap.sh"
    path.write_text(script)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env)
    return result, bin_dir, etc_dir, log


def test_script_installs_binaries_whose_checksums_match(tmp_path):
    contents = {"runsc": b"runsc build\n", "containerd-shim-runsc-v1": b"shim build\n"}
    result, bin_dir, etc_dir, log = _run(tmp_path, _fake_release(contents), contents)
    assert result.returncode == 0, result.stderr
    for binary, content in contents.items():
        installed = bin_dir / binary
        assert installed.read_bytes() == content
        assert stat.S_IMODE(installed.stat().st_mode) == 0o755
    assert (etc_dir / "runsc.toml").read_text() == runsc_toml("systrap")
    requests = log.read_text().splitlines()
    assert requests == [
        f"s3 cp --only-show-errors --region us-east-1 --expected-bucket-owner 111111111111 "
        f"s3://{BUCKET}/gvisor/20990101.0/x86_64/{binary} {requests[i].split()[-1]}"
        for i, binary in enumerate(BINARIES)
    ]


def test_script_refuses_a_binary_whose_checksum_differs_and_installs_nothing_after_it(tmp_path):
    expected = {"runsc": b"runsc build\n", "containerd-shim-runsc-v1": b"shim build\n"}
    served = {**expected, "runsc": b"tampered runsc\n"}
    result, bin_dir, etc_dir, _ = _run(tmp_path, _fake_release(expected), served)
    assert result.returncode != 0
    assert not (bin_dir / "runsc").exists()
    assert not (bin_dir / "containerd-shim-runsc-v1").exists()
    assert not (etc_dir / "runsc.toml").exists()


def test_script_retries_a_missing_object_then_fails_closed(tmp_path):
    expected = {"runsc": b"runsc build\n", "containerd-shim-runsc-v1": b"shim build\n"}
    served = {"containerd-shim-runsc-v1": expected["containerd-shim-runsc-v1"]}
    result, bin_dir, etc_dir, log = _run(tmp_path, _fake_release(expected), served)
    assert result.returncode != 0
    assert len(log.read_text().splitlines()) == 5
    assert list(bin_dir.iterdir()) == []
    assert not (etc_dir / "runsc.toml").exists()


def test_pinned_release_checksums_are_the_ones_the_script_verifies():
    release = GVISOR_RELEASES["20260817.0"]
    for architecture, gvisor_arch in (("arm64", "aarch64"), ("x86_64", "x86_64")):
        script = script_of(sandbox_user_data(bootstrap(architecture=architecture)))
        for binary in BINARIES:
            expected = release.sha512[gvisor_arch][binary]
            assert f'fetch "gvisor/20260817.0/{gvisor_arch}/{binary}" "{binary}" \\\n  "{expected}"' in script
