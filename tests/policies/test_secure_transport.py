"""The TLS-only Deny statement shared by tls-s3-secure-transport and tls-efs-secure-transport."""
import pytest

from hipaa_pack.secure_transport import secure_transport_finding

EVERY_ACTION = ("s3:*", "*")
TLS_ONLY = {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def document(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_a_complete_deny_statement_leaves_nothing_to_report():
    assert secure_transport_finding("where", document(TLS_ONLY), EVERY_ACTION) is None
    lenient = {**TLS_ONLY, "Principal": {"AWS": ["*"]}, "Action": ["S3:*"],
               "Condition": {"BoolIfExists": {"aws:securetransport": ["false"]}}}
    assert secure_transport_finding("where", document(lenient), EVERY_ACTION) is None


def test_without_a_deny_on_secure_transport_the_finding_says_so():
    allow = {**TLS_ONLY, "Effect": "Allow"}
    assert secure_transport_finding("bucket 'b'", document(allow), EVERY_ACTION) == \
        "bucket 'b' has no Deny statement on aws:SecureTransport"
    assert secure_transport_finding("bucket 'b'", None, EVERY_ACTION) == \
        "bucket 'b' has no Deny statement on aws:SecureTransport"


@pytest.mark.parametrize("change, problem", [
    ({"NotPrincipal": {"AWS": "x"}}, "uses NotPrincipal"),
    ({"Principal": {"AWS": "*", "Service": "s3.amazonaws.com"}},
     'has Principal {"AWS": "*", "Service": "s3.amazonaws.com"}'),
    ({"Action": "s3:GetObject"}, "has Action 's3:GetObject'"),
    ({"Condition": {"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
     'has Condition {"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:PrincipalOrgID": "o-1"}}'),
])
def test_the_first_statement_that_falls_short_is_named(change, problem):
    found = secure_transport_finding("where", document({**TLS_ONLY, **change}, {**TLS_ONLY, "Action": "x"}),
                                     EVERY_ACTION)
    assert found == f"where: statement 0 ('DenyInsecure') {problem}"


def test_every_action_is_the_services_own():
    efs = {**TLS_ONLY, "Action": "elasticfilesystem:*"}
    assert secure_transport_finding("fs", document(efs), ("*", "elasticfilesystem:*")) is None
    assert secure_transport_finding("b", document(efs), EVERY_ACTION) == \
        "b: statement 0 ('DenyInsecure') has Action 'elasticfilesystem:*'"


def test_the_resource_check_runs_after_the_actions_and_before_the_condition():
    seen = []

    def resource_problem(statement):
        seen.append(statement["Sid"])
        return "has Resource 'elsewhere'" if statement["Sid"] == "Elsewhere" else None

    wrong_action = {**TLS_ONLY, "Sid": "WrongAction", "Action": "s3:GetObject"}
    assert secure_transport_finding("b", document(wrong_action), EVERY_ACTION, resource_problem) == \
        "b: statement 0 ('WrongAction') has Action 's3:GetObject'"
    assert seen == []
    elsewhere = {**TLS_ONLY, "Sid": "Elsewhere", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert secure_transport_finding("b", document(elsewhere), EVERY_ACTION, resource_problem) == \
        "b: statement 0 ('Elsewhere') has Resource 'elsewhere'"
    assert secure_transport_finding("b", document(TLS_ONLY), EVERY_ACTION, resource_problem) is None
    assert seen == ["Elsewhere", "DenyInsecure"]
