"""acc-igw-routes-edge-only: internet-gateway default routes only in route tables of edge subnets."""
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from hipaa_pack.checks.acc_igw_routes_edge_only import POLICY
from tests.policies.fakes import FakeResource, resolved_config, run, stack_args, urn_for

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
NAT = "aws:ec2/natGateway:NatGateway"
LB = "aws:lb/loadBalancer:LoadBalancer"
RT = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
RTA = "aws:ec2/routeTableAssociation:RouteTableAssociation"
REQUIRED = "required internet-gateway routes only in route tables whose subnets are all edge subnets"


def subnet(name):
    return FakeResource(SUBNET, name, {"mapPublicIpOnLaunch": False}, property_dependencies={"vpcId": "vpc"})


def association(subnet_name, table, name=None):
    return FakeResource(RTA, name or f"{subnet_name}-rta", {"subnetId": f"subnet-{subnet_name}", "routeTableId": "rtb"},
                        property_dependencies={"subnetId": subnet_name, "routeTableId": table})


def route(name, table, gateway="igw", destination="0.0.0.0/0", **props):
    key = "destinationIpv6CidrBlock" if ":" in destination else "destinationCidrBlock"
    deps = {"routeTableId": table}
    if gateway:
        deps["gatewayId"] = gateway
    return FakeResource(ROUTE, name, {key: destination, "gatewayId": "igw-0abc", **props}, property_dependencies=deps)


def network(*extra, lb_internal=False, with_nat=True, with_lb=True, igw_vpc=True):
    """public-az0 holds the NAT gateway, public-az1 the ALB; private-az0 routes through the NAT."""
    resources = [
        FakeResource(VPC, "vpc", {"cidrBlock": "10.64.0.0/16"}),
        FakeResource(IGW, "igw", {"vpcId": "vpc-1"} if igw_vpc else {},
                     property_dependencies={"vpcId": "vpc"} if igw_vpc else {}),
        subnet("public-az0"), subnet("public-az1"), subnet("private-az0"),
        FakeResource(RT, "public-rt", {"vpcId": "vpc-1"}, property_dependencies={"vpcId": "vpc"}),
        FakeResource(RT, "private-rt", {"vpcId": "vpc-1"}, property_dependencies={"vpcId": "vpc"}),
        route("public-default", "public-rt"),
        route("public-default6", "public-rt", destination="::/0"),
        FakeResource(ROUTE, "private-default", {"destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"},
                     property_dependencies={"routeTableId": "private-rt",
                                            **({"natGatewayId": "nat"} if with_nat else {})}),
        association("public-az0", "public-rt"), association("public-az1", "public-rt"),
        association("private-az0", "private-rt"),
        *extra,
    ]
    if with_nat:
        resources.append(FakeResource(NAT, "nat", {"connectivityType": "public"},
                                      property_dependencies={"subnetId": "public-az0"}))
    if with_lb:
        resources.append(FakeResource(LB, "alb", {"internal": lb_internal},
                                      property_dependencies={"subnets": ["public-az1"]}))
    return stack_args(resources, config=resolved_config(POLICY))


def test_passes_when_only_nat_and_load_balancer_subnets_use_the_internet_gateway():
    outcome = run(POLICY, network())
    assert outcome.violations == [] and outcome.not_applicable is None


def test_fails_when_a_subnet_without_nat_or_load_balancer_uses_the_public_route_table():
    outcome = run(POLICY, network(with_lb=False))
    assert outcome.violations == [
        ("route table 'public-rt' routes 0.0.0.0/0 to internet gateway 'igw' and serves subnet 'public-az1', "
         f"which hosts no internet-facing load balancer or NAT gateway; {REQUIRED}", urn_for(RTA, "public-az1-rta")),
        ("route table 'public-rt' routes ::/0 to internet gateway 'igw' and serves subnet 'public-az1', "
         f"which hosts no internet-facing load balancer or NAT gateway; {REQUIRED}", urn_for(RTA, "public-az1-rta"))]


def test_an_internal_load_balancer_does_not_make_an_edge_subnet():
    assert len(run(POLICY, network(lb_internal=True)).violations) == 2


def test_a_private_nat_gateway_does_not_make_an_edge_subnet():
    private_nat = FakeResource(NAT, "tgw-nat", {"connectivityType": "private"},
                               property_dependencies={"subnetId": "public-az1"})
    assert len(run(POLICY, network(private_nat, with_lb=False)).violations) == 2


def test_fails_for_a_private_subnet_with_an_internet_gateway_route():
    outcome = run(POLICY, network(route("private-igw", "private-rt")))
    assert outcome.messages == [
        "route table 'private-rt' routes 0.0.0.0/0 to internet gateway 'igw' and serves subnet 'private-az0', "
        f"which hosts no internet-facing load balancer or NAT gateway; {REQUIRED}"]


def test_inline_routes_of_a_route_table_count_too():
    inline = FakeResource(RT, "inline-rt", {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0abc"}]},
                          property_dependencies={"routes": "igw"})
    outcome = run(POLICY, network(inline, association("private-az0", "inline-rt", name="private-az0-inline-rta")))
    assert outcome.messages == [
        "route table 'inline-rt' routes 0.0.0.0/0 to internet gateway 'igw' and serves subnet 'private-az0', "
        f"which hosts no internet-facing load balancer or NAT gateway; {REQUIRED}"]


def test_routes_to_other_targets_and_other_destinations_pass():
    extra = [route("peer", "private-rt", destination="10.0.0.0/8"),
             FakeResource(ROUTE, "vgw", {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": "vgw-1"},
                          property_dependencies={"routeTableId": "private-rt"})]
    assert run(POLICY, network(*extra)).violations == []


def test_fails_for_a_route_in_a_table_the_stack_does_not_hold():
    orphan = FakeResource(ROUTE, "main-default", {"destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-0abc",
                                                  "routeTableId": "rtb-main"},
                          property_dependencies={"gatewayId": "igw"})
    assert run(POLICY, network(orphan)).violations == [
        ("route 'main-default' routes 0.0.0.0/0 to internet gateway 'igw', but its routeTableId depends on no route "
         f"table of this stack, so the subnets it serves cannot be checked; {REQUIRED}",
         urn_for(ROUTE, "main-default"))]


def test_fails_for_an_internet_route_in_the_main_route_table():
    default = FakeResource("aws:ec2/defaultRouteTable:DefaultRouteTable", "main-rt",
                           {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-0abc"}]},
                           property_dependencies={"routes": "igw"})
    assert run(POLICY, network(default)).messages == [
        "route table 'main-rt' routes 0.0.0.0/0 to internet gateway 'igw' and is the VPC's main route table, which "
        f"serves every subnet without an explicit association; {REQUIRED}"]


def test_a_route_table_made_main_counts_as_main():
    main = FakeResource("aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation", "main",
                        {"vpcId": "vpc-1", "routeTableId": "rtb"},
                        property_dependencies={"vpcId": "vpc", "routeTableId": "public-rt"})
    assert len(run(POLICY, network(main)).violations) == 2


def test_a_route_table_without_subnets_is_listed_as_not_applicable():
    spare = FakeResource(RT, "spare-rt", {}, property_dependencies={"vpcId": "vpc"})
    outcome = run(POLICY, network(spare, route("spare-default", "spare-rt")))
    assert outcome.violations == []
    assert outcome.not_applicable_to == {
        "spare-rt": "route table routes 0.0.0.0/0 to internet gateway 'igw' but has no subnet associations"}


def test_fails_for_an_internet_gateway_in_a_vpc_without_edge_subnets():
    assert run(POLICY, network(with_lb=False, with_nat=False)).messages[-1] == (
        "internet gateway 'igw' is attached to VPC 'vpc', which has no edge subnet (no internet-facing load balancer "
        "or NAT gateway); required internet gateways only in VPCs with edge subnets")


def test_internet_gateway_attachments_are_checked_too():
    other = FakeResource(VPC, "isolated-vpc", {"cidrBlock": "10.65.0.0/16"})
    attachment = FakeResource("aws:ec2/internetGatewayAttachment:InternetGatewayAttachment", "igw-attach",
                              {"vpcId": "vpc-2", "internetGatewayId": "igw-0abc"},
                              property_dependencies={"vpcId": "isolated-vpc", "internetGatewayId": "igw"})
    outcome = run(POLICY, network(other, attachment, igw_vpc=False))
    assert outcome.violations == [
        ("internet gateway 'igw' is attached to VPC 'isolated-vpc', which has no edge subnet (no internet-facing "
         "load balancer or NAT gateway); required internet gateways only in VPCs with edge subnets",
         urn_for("aws:ec2/internetGatewayAttachment:InternetGatewayAttachment", "igw-attach"))]


def test_ids_unknown_during_preview_do_not_stop_the_check():
    args = network(with_lb=False)
    for resource in args.resources:
        for key in ("gatewayId", "subnetId", "routeTableId", "vpcId"):
            if key in list(resource.props):
                resource.props[key] = UNKNOWN_STRING_VALUE
    outcome = run(POLICY, args)
    assert outcome.unknown is None
    assert [urn for _, urn in outcome.violations] == [urn_for(RTA, "public-az1-rta")] * 2
