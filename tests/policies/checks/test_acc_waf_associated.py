"""acc-waf-associated: internet-facing ALBs and REST stages joined to a WebAclAssociation; distributions
name a web ACL."""
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.acc_waf_associated import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
STAGE = "aws:apigateway/stage:Stage"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
REGIONAL = "required an association with a REGIONAL web ACL"


def association(name, target):
    return FakeResource(ASSOCIATION, name, {"webAclArn": "arn:aws:wafv2:...:regional/webacl/edge/1"},
                        property_dependencies={"resourceArn": target, "webAclArn": "acl"})


def stack(*extra, lb_type=LB, lb_props=None, associate_lb=True, associate_stage=True):
    resources = [FakeResource("aws:wafv2/webAcl:WebAcl", "acl", {"scope": "REGIONAL"}),
                 FakeResource(lb_type, "alb", {"internal": False, **(lb_props or {})}),
                 FakeResource(STAGE, "api-v1", {"stageName": "v1"}),
                 FakeResource(DISTRIBUTION, "cdn", {"webAclId": "arn:aws:wafv2:us-east-1:...:global/webacl/cdn/1"})]
    if associate_lb:
        resources.append(association("alb-waf", "alb"))
    if associate_stage:
        resources.append(association("api-waf", "api-v1"))
    resources.extend(extra)
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_when_everything_public_is_behind_waf():
    outcome = run(POLICY, stack())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_for_an_internet_facing_alb_without_association():
    assert run(POLICY, stack(associate_lb=False)).violations == [
        ("load balancer 'alb' is internet-facing and no WebAclAssociation names it in resourceArn; " + REGIONAL,
         urn_for(LB, "alb"))]


def test_an_unset_internal_flag_means_internet_facing():
    args = stack(associate_lb=False, lb_type=ALB, lb_props={"internal": None})
    assert run(POLICY, args).messages == [
        "load balancer 'alb' is internet-facing and no WebAclAssociation names it in resourceArn; " + REGIONAL]


def test_an_association_naming_the_alb_literally_does_not_join():
    literal = FakeResource(ASSOCIATION, "alb-waf", {"resourceArn": "arn:aws:elasticloadbalancing:...:alb"})
    assert len(run(POLICY, stack(literal, associate_lb=False)).violations) == 1


def test_fails_for_a_stage_without_association():
    assert run(POLICY, stack(associate_stage=False)).violations == [
        ("API Gateway stage 'api-v1' has no WebAclAssociation naming it in resourceArn; " + REGIONAL,
         urn_for(STAGE, "api-v1"))]


def test_fails_for_a_distribution_without_web_acl():
    no_acl = FakeResource(DISTRIBUTION, "cdn-2", {"enabled": True})
    assert run(POLICY, stack(no_acl)).messages == [
        "CloudFront distribution 'cdn-2': webAclId is unset; required a CLOUDFRONT-scope web ACL"]


def test_a_distribution_whose_web_acl_is_unknown_during_preview_passes_by_dependency():
    acl = FakeResource("aws:wafv2/webAcl:WebAcl", "cdn-acl", {"scope": "CLOUDFRONT"})
    cdn = FakeResource(DISTRIBUTION, "cdn-2", {"webAclId": UNKNOWN_STRING_VALUE},
                       property_dependencies={"webAclId": "cdn-acl"})
    outcome = run(POLICY, stack(acl, cdn))
    assert outcome.unknown is None and outcome.violations == []


def test_internal_and_network_load_balancers_are_not_applicable():
    internal = FakeResource(LB, "internal-alb", {"internal": True})
    nlb = FakeResource(LB, "nlb", {"internal": False, "loadBalancerType": "network"})
    outcome = run(POLICY, stack(internal, nlb))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "internal-alb": "internal load balancer, not reachable from the internet",
        "nlb": "network load balancers cannot be associated with a WAF web ACL",
    }
