"""acc-eks-access-entries: API authentication, no creator admin, admin only for break-glass, namespaces otherwise."""
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.acc_eks_access_entries import POLICY
from tests.policies.fakes import resolved_config, resource_args, run

CLUSTER = "aws:eks/cluster:Cluster"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
ENTRY = "aws:eks/accessEntry:AccessEntry"
POLICIES = "arn:aws:eks::aws:cluster-access-policy"
DEPLOYER = "arn:aws:iam::111111111111:role/quome-deployer"
ORG_ADMIN = "arn:aws:iam::111111111111:role/quome-acme-health-admin"


def cluster(**access):
    config = {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False, **access}
    return resource_args(CLUSTER, {"name": "quome-dev", "accessConfig": {k: v for k, v in config.items()
                                                                         if v is not None}}, name="eks")


def association(policy="AmazonEKSEditPolicy", principal=ORG_ADMIN, scope=None, config=None):
    scope = scope if scope is not None else {"type": "namespace", "namespaces": ["org-acme-health"]}
    props = {"clusterName": "quome-dev", "policyArn": f"{POLICIES}/{policy}", "principalArn": principal,
             "accessScope": scope}
    return resource_args(ASSOCIATION, props, name="acme-admin", config=resolved_config(POLICY, config))


def test_passes_for_an_api_only_cluster():
    outcome = run(POLICY, cluster())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_the_aws_auth_config_map_still_counts():
    assert run(POLICY, cluster(authenticationMode="API_AND_CONFIG_MAP")).messages == [
        "EKS cluster 'quome-dev': accessConfig.authenticationMode is 'API_AND_CONFIG_MAP'; required 'API', so the "
        "aws-auth ConfigMap grants nothing"]


def test_fails_when_the_authentication_mode_is_unset():
    assert run(POLICY, cluster(authenticationMode=None)).messages == [
        "EKS cluster 'quome-dev': accessConfig.authenticationMode is unset (AWS default CONFIG_MAP); required 'API', "
        "so the aws-auth ConfigMap grants nothing"]


def test_fails_when_the_creator_keeps_admin():
    assert run(POLICY, cluster(bootstrapClusterCreatorAdminPermissions=True)).messages == [
        "EKS cluster 'quome-dev': accessConfig.bootstrapClusterCreatorAdminPermissions is true; required false, so "
        "the creator holds no implicit cluster-admin"]


def test_fails_when_creator_admin_is_unset():
    assert run(POLICY, cluster(bootstrapClusterCreatorAdminPermissions=None)).messages == [
        "EKS cluster 'quome-dev': accessConfig.bootstrapClusterCreatorAdminPermissions is unset (AWS default true); "
        "required false, so the creator holds no implicit cluster-admin"]


def test_passes_for_a_namespace_scoped_association():
    outcome = run(POLICY, association())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_a_cluster_scoped_association():
    assert run(POLICY, association("AmazonEKSViewPolicy", scope={"type": "cluster"})).messages == [
        "access policy association 'acme-admin' (AmazonEKSViewPolicy): accessScope.type is 'cluster'; "
        "required 'namespace'"]


def test_fails_for_a_namespace_scope_without_namespaces():
    assert run(POLICY, association(scope={"type": "namespace", "namespaces": []})).messages == [
        "access policy association 'acme-admin' (AmazonEKSEditPolicy): accessScope.namespaces is empty; "
        "required the organization's namespaces"]


def test_fails_for_cluster_admin_outside_break_glass():
    outcome = run(POLICY, association("AmazonEKSClusterAdminPolicy", DEPLOYER, {"type": "cluster"},
                                      config={"breakGlassPrincipalArns": ["arn:aws:iam::111111111111:role/bg"]}))
    assert outcome.messages == [
        f"access policy association 'acme-admin' (AmazonEKSClusterAdminPolicy): cluster-scoped admin access for "
        f"'{DEPLOYER}', which is not listed in breakGlassPrincipalArns (arn:aws:iam::111111111111:role/bg); "
        "required accessScope.type namespace"]


def test_fails_for_cluster_wide_eks_admin_with_no_break_glass_configured():
    assert run(POLICY, association("AmazonEKSAdminPolicy", ORG_ADMIN, {"type": "cluster"})).messages == [
        f"access policy association 'acme-admin' (AmazonEKSAdminPolicy): cluster-scoped admin access for "
        f"'{ORG_ADMIN}', which is not listed in breakGlassPrincipalArns (none configured); "
        "required accessScope.type namespace"]


def test_break_glass_cluster_admin_is_not_applicable():
    outcome = run(POLICY, association("AmazonEKSClusterAdminPolicy", DEPLOYER, {"type": "cluster"},
                                      config={"breakGlassPrincipalArns": [DEPLOYER]}))
    assert outcome.violations == []
    assert outcome.not_applicable == (f"cluster-wide AmazonEKSClusterAdminPolicy for {DEPLOYER}, which is listed in "
                                      "breakGlassPrincipalArns")


def test_access_entries_are_not_applicable():
    entry = resource_args(ENTRY, {"clusterName": "quome-dev", "principalArn": ORG_ADMIN, "type": "STANDARD"},
                          name="acme-admin-entry")
    assert run(POLICY, entry).not_applicable == (
        "access entry 'acme-admin-entry' grants nothing by itself; its access policy associations and Kubernetes "
        "RBAC bindings decide what it may do")


def test_a_namespaced_association_is_judged_while_its_principal_is_unknown():
    outcome = run(POLICY, association(principal=UNKNOWN_STRING_VALUE, scope={"type": "namespace"}))
    assert outcome.unknown is None
    assert outcome.messages == ["access policy association 'acme-admin' (AmazonEKSEditPolicy): accessScope.namespaces "
                                "is empty; required the organization's namespaces"]


def test_a_cluster_admin_association_with_an_unknown_principal_waits_for_the_principal():
    outcome = run(POLICY, association("AmazonEKSClusterAdminPolicy", UNKNOWN_STRING_VALUE, {"type": "cluster"}))
    assert outcome.unknown == "string value at .principalArn can't be known during preview"
    assert outcome.violations == []
