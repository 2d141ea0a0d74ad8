"""Amazon Macie enabled for the account and region (`enableMacieSession`), never disabled.

A Macie session is account-wide state, not the pipeline's: it lives in the stateful
storage stack, and `cdk destroy` leaves it alone (disabling Macie would delete every
finding, job and setting of the account in the region, whoever made them).

It is not an `AWS::Macie::Session`: that resource fails to create where Macie is already
enabled (EnableMacie answers ConflictException), and deleting it disables Macie. This
calls EnableMacie once, takes "already enabled" as done, and does nothing on delete.
"""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from stacks.access import acknowledge

# CDK's singleton function behind every AwsCustomResource of a stack.
AWS_CUSTOM_RESOURCE_ID = "AWS679f53fac002430cb0da5b7982bd2287"


class MacieSession(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        enable = cr.AwsSdkCall(
            service="Macie2",
            action="enableMacie",
            parameters={"status": "ENABLED", "findingPublishingFrequency": "FIFTEEN_MINUTES"},
            physical_resource_id=cr.PhysicalResourceId.of("synthpipe-macie-session"),
            # Macie already enabled (by someone else, or by an earlier deploy): done.
            ignore_error_codes_matching="ConflictException",
        )
        self.resource = cr.AwsCustomResource(
            self,
            "Enable",
            on_create=enable,
            # No on_delete, and retained: destroying the stack never disables Macie.
            removal_policy=RemovalPolicy.RETAIN,
            install_latest_aws_sdk=False,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(actions=["macie2:EnableMacie"], resources=["*"]),
                    # EnableMacie creates Macie's service-linked role the first time.
                    iam.PolicyStatement(
                        actions=["iam:CreateServiceLinkedRole"],
                        resources=[
                            f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/aws-service-role/"
                            "macie.amazonaws.com/AWSServiceRoleForAmazonMacie"
                        ],
                        conditions={"StringEquals": {"iam:AWSServiceName": "macie.amazonaws.com"}},
                    ),
                ]
            ),
        )
        handler = self.node.scope.node.try_find_child(AWS_CUSTOM_RESOURCE_ID)  # type: ignore[union-attr]
        assert handler is not None, "CDK renamed its AwsCustomResource function"
        acknowledge(
            handler,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "CDK's AwsCustomResource function (deploy time only) uses the AWS managed basic "
            "execution role for its logs; CDK gives no way to replace it.",
        )
        acknowledge(
            self.resource,
            "AwsSolutions-IAM5[Resource::*]",
            "macie2:EnableMacie supports no resource scope.",
        )
