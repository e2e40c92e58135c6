"""quome.mocks: the invokes answered like AWS would."""
import pytest

from pulumi.runtime import MockCallArgs

from quome.mocks import AwsLikeMocks, zone_id_prefix_of


@pytest.mark.parametrize("region, prefix", [
    ("us-east-1", "use1"),
    ("us-west-2", "usw2"),
    ("eu-central-1", "euc1"),
    ("eu-west-3", "euw3"),
    ("ca-central-1", "cac1"),
    ("ca-west-1", "caw1"),
    ("ap-southeast-2", "apse2"),
    ("ap-northeast-1", "apne1"),
])
def test_zone_ids_are_prefixed_as_aws_writes_them(region, prefix):
    assert zone_id_prefix_of(region) == prefix


def test_the_availability_zones_invoke_answers_names_and_real_looking_zone_ids():
    mocks = AwsLikeMocks("111111111111", "eu-central-1")
    answer = mocks.call(MockCallArgs("aws:index/getAvailabilityZones:getAvailabilityZones", {}, ""))
    assert answer["names"] == ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    assert answer["zoneIds"] == ["euc1-az1", "euc1-az2", "euc1-az3"]
