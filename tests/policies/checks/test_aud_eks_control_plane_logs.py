"""aud-eks-control-plane-logs: all five control-plane log types go to CloudWatch."""
import json

import pytest

from hipaa_pack.checks.aud_eks_control_plane_logs import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

CLUSTER = "aws:eks/cluster:Cluster"
ALL_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def cluster(log_types):
    props = {"name": "quome-dev", "version": "1.33"}
    if log_types is not None:
        props["enabledClusterLogTypes"] = log_types
    return resource_args(CLUSTER, props, name="eks", config=resolved_config(POLICY))


def test_passes_with_every_log_type():
    outcome = run(POLICY, cluster(ALL_TYPES))
    assert outcome.violations == [] and outcome.not_applicable is None


@pytest.mark.parametrize("missing", ALL_TYPES)
def test_fails_when_one_log_type_is_missing(missing):
    found = [t for t in ALL_TYPES if t != missing]
    assert run(POLICY, cluster(found)).messages == [
        f"EKS cluster 'eks': enabledClusterLogTypes is {json.dumps(found)}; required all of api, "
        f"audit, authenticator, controllerManager, scheduler (missing {missing})"]


def test_fails_when_logging_is_unset():
    assert run(POLICY, cluster(None)).messages == [
        "EKS cluster 'eks': enabledClusterLogTypes is unset; required all of api, audit, authenticator, "
        "controllerManager, scheduler (missing api, audit, authenticator, controllerManager, scheduler)"]


def test_the_message_shows_the_list_as_found():
    assert run(POLICY, cluster(["api", "audit"])).messages == [
        'EKS cluster \'eks\': enabledClusterLogTypes is ["api", "audit"]; required all of api, audit, authenticator, '
        'controllerManager, scheduler (missing authenticator, controllerManager, scheduler)']
