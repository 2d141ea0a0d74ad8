"""Operations: alarms on runs that fail or time out, and a small dashboard."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    """Alarms go to the notification topic; the dashboard shows runs and their steps."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.StateMachine,
        start: lambda_.IFunction,
        dead_letters: sqs.IQueue,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        failed = state_machine.metric_failed(period=PERIOD, statistic="Sum")
        timed_out = state_machine.metric_timed_out(period=PERIOD, statistic="Sum")
        start_errors = start.metric_errors(period=PERIOD, statistic="Sum")
        undelivered = dead_letters.metric_approximate_number_of_messages_visible(period=PERIOD)
        self.alarms = [
            self._alarm(
                "RunsFailed", failed, "A synthpipe run failed (each also sends a message)."
            ),
            self._alarm("RunsTimedOut", timed_out, "A synthpipe run exceeded 24 hours."),
            self._alarm("StartErrors", start_errors, "The start function failed on an event."),
            self._alarm(
                "UndeliveredEvents",
                undelivered,
                "An upload event could not start a run; it waits in the dead-letter queue.",
            ),
        ]
        for alarm in self.alarms:
            alarm.add_alarm_action(actions.SnsAction(topic))

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="synthpipe")
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Runs",
                left=[
                    state_machine.metric_started(period=PERIOD, statistic="Sum"),
                    state_machine.metric_succeeded(period=PERIOD, statistic="Sum"),
                    failed,
                    timed_out,
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Run duration (ms)",
                left=[state_machine.metric_time(period=PERIOD)],
                width=12,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )

    def _alarm(self, name: str, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            name,
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
