"""`quome plan`: the JSON contract, secrets, exit codes, and the mocks' AWS-like answers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from components.config import ConfigError
from quome.plan import PROJECT_ROOT, SECRET, plan_stack, render_tree

RESOURCE_KEYS = {
    "urn", "type", "name", "custom", "parent", "protect", "retainOnDelete", "provider",
    "inputs", "dependencies", "propertyDependencies",
}

TINY_PROGRAM = textwrap.dedent(
    '''
    import pulumi
    import pulumi_aws as aws

    config = pulumi.Config("tiny")
    provider = aws.Provider("p", region="us-east-1", allowed_account_ids=[pulumi.Config("quome").require("accountId")])
    secret = aws.secretsmanager.Secret("s", name="quome/app", opts=pulumi.ResourceOptions(provider=provider))
    aws.secretsmanager.SecretVersion(
        "v", secret_id=secret.id, secret_string=config.require_secret("password"),
        opts=pulumi.ResourceOptions(provider=provider, protect=True),
    )
    pulumi.export("secretArn", secret.arn)
    pulumi.export("password", config.require_secret("password"))
    '''
)

TINY_STACK = textwrap.dedent(
    '''
    config:
      aws:region: us-east-1
      quome:environment: dev
      quome:accountId: "111111111111"
      quome:residency: us
      quome:deployerRoleArn: arn:aws:iam::111111111111:role/deployer
      quome:breakGlassRoleArn: arn:aws:iam::111111111111:role/break-glass
      quome:cluster:
        name: tiny
      tiny:password:
        secure: AAABAKx0bGhlIGNpcGhlcnRleHQ=
    '''
)


@pytest.fixture()
def tiny_project(tmp_path: Path) -> Path:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "__main__.py").write_text(TINY_PROGRAM)
    (tmp_path / "stacks" / "Pulumi.tiny.yaml").write_text(TINY_STACK)
    return tmp_path


def test_plan_document_has_exactly_the_contract_keys(tiny_project: Path):
    document = plan_stack("tiny", tiny_project)
    assert set(document) == {"project", "stack", "resources", "outputs"}
    assert document["project"] == "quome-platform"
    assert document["stack"] == "tiny"
    assert [r["type"] for r in document["resources"]] == [
        "pulumi:providers:aws", "aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretVersion:SecretVersion",
    ]
    for resource in document["resources"]:
        assert set(resource) == RESOURCE_KEYS


def test_secret_inputs_and_outputs_are_masked(tiny_project: Path):
    document = plan_stack("tiny", tiny_project)
    version = document["resources"][2]
    assert version["inputs"]["secretString"] == SECRET
    assert document["outputs"]["password"] == SECRET
    assert SECRET not in json.dumps(document["resources"][1]["inputs"])


def test_references_resolve_to_aws_shaped_values(tiny_project: Path):
    document = plan_stack("tiny", tiny_project)
    secret, version = document["resources"][1], document["resources"][2]
    # Secrets Manager ids are ARNs with a random six-character suffix after the name.
    assert version["inputs"]["secretId"] == document["outputs"]["secretArn"]
    assert document["outputs"]["secretArn"].startswith(
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:quome/app-"
    )
    assert len(document["outputs"]["secretArn"].rsplit("-", 1)[1]) == 6
    assert version["propertyDependencies"] == {"secretId": [secret["urn"]]}
    assert version["dependencies"] == [secret["urn"]]
    assert version["protect"] is True and secret["protect"] is False
    provider = document["resources"][0]
    assert version["provider"].startswith(provider["urn"] + "::")
    assert provider["inputs"]["region"] == "us-east-1"


def test_invalid_stack_config_raises_config_error_before_running(tiny_project: Path):
    stack_file = tiny_project / "stacks" / "Pulumi.tiny.yaml"
    stack_file.write_text(TINY_STACK.replace('"111111111111"', '"42"'))
    with pytest.raises(ConfigError) as caught:
        plan_stack("tiny", tiny_project)
    assert 'quome:accountId = "42": must be a 12-digit AWS account id, quoted as a string' in str(caught.value)


def test_unknown_stack_names_the_available_ones(tiny_project: Path):
    with pytest.raises(ConfigError) as caught:
        plan_stack("nope", tiny_project)
    assert str(caught.value) == "stacks/Pulumi.nope.yaml: no such stack file; stacks available: tiny"


def test_tree_rendering_shows_flags(tiny_project: Path):
    tree = render_tree(plan_stack("tiny", tiny_project))
    assert tree.splitlines()[0] == "quome-platform / tiny: 3 resources"
    assert "+ aws:secretsmanager/secretVersion:SecretVersion  v  [protect]" in tree


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "quome", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )


def test_cli_plan_json_of_dev_is_one_json_document():
    result = run_cli("plan", "--stack", "dev", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stack"] == "dev"
    assert document["outputs"]["region"] == "us-east-1"
    assert len(document["resources"]) > 1


def test_cli_exit_code_2_on_invalid_config_without_traceback():
    result = run_cli("plan", "--stack", "does-not-exist")
    assert result.returncode == 2
    assert "stacks/Pulumi.does-not-exist.yaml: no such stack file" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_exit_code_2_on_bad_arguments():
    assert run_cli("plan").returncode == 2
