"""Trigger: S3 "Object Created" under raw/ -> the start function.

Every object under raw/ is sent, whatever its name: `data.CSV`, `export.txt` and
`data.csv.gz` all reach validation, which reads the content, runs what is a CSV and
refuses the rest with a code (`compressed`, `binary`, `html`, `json`, ...) that is
quarantined and notified. A name filter would drop such uploads silently, and the data
owner would wait for a message that never comes. (It would also be clumsy: `wildcard`
is case-sensitive, and `suffix` with `equals-ignore-case` cannot be combined with the
`raw/` prefix, since the matchers given for one field are alternatives; `raw/` plus
`.csv` in any case would take eight wildcards.) The start function ignores only folder
markers (keys ending in '/').

The start function, not EventBridge, starts the execution: only a caller of
StartExecution can name it, and the name (from bucket, key and version) is what makes a
duplicate event start no second run.

What lands in the dead-letter queue, so that no upload goes unanswered without a sign:
- events EventBridge could not hand to the function (its 4 retries over up to 2 hours
  spent: throttling, a missing permission), as the event itself;
- events the function failed on (its handler raised, timed out or ran out of memory,
  after Lambda's 2 retries of an asynchronous invocation), as Lambda's on-failure record:
  the event in `requestPayload`, the error in `responsePayload` (`synthpipe:<code>` only).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.access import acknowledge

RAW_PREFIX = "raw/"


class Trigger(Construct):
    """The EventBridge rule and the dead-letter queue of events that could not be handled."""

    def __init__(
        self, scope: Construct, construct_id: str, *, bucket: s3.IBucket, start: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.dead_letters,
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of the EventBridge target and the start "
            "function's on-failure destination; a queue behind it would only hold the same "
            "events again.",
        )
        self.rule = events.Rule(
            self,
            "RawObjectCreated",
            description="An object under raw/ of the data bucket starts a synthpipe run",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [bucket.bucket_name]},
                    "object": {"key": events.Match.prefix(RAW_PREFIX)},
                },
            ),
            targets=[
                targets.LambdaFunction(
                    start,
                    dead_letter_queue=self.dead_letters,
                    retry_attempts=4,
                    max_event_age=Duration.hours(2),
                )
            ],
        )
        # Without it, an event the function fails on is dropped after Lambda's retries.
        start.configure_async_invoke(
            on_failure=destinations.SqsDestination(self.dead_letters),
            retry_attempts=2,
            max_event_age=Duration.hours(6),
        )
