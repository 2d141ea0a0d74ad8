"""The state machine: DESIGN.md's data flow, top to bottom (Standard workflow, JSONPath).

Input valid? -> Prepare (Glue) -> Verify (our full scan, a SageMaker processing job) ->
Macie job (or "Macie skipped") -> Train -> Generate -> Gate passed? -> Publish -> Notify.
Both privacy scans must pass; Verify runs first and also with skipMacie.

Execution input (written by the start function, synthpipe.events.execution_input):
bucket, key, versionId, dataset, runId, source, root, paths{cleaned, cleanedPrefix, models,
checkpoints, staging}, validation{status, ...}, hyperparameters{...}, generate{...}.
Steps add: prepare{jobRunId, ...}, verify{jobName, scan{engine, rows_scanned,
objects_scanned, seconds}}, privacyScan{engine, ...}, training{...}, generated, gate, ...

Every failure ends the same way: `$.failure` says which step and why, Quarantine keeps a
copy and writes reason.json (its answer is `$.reason`), Notify tells the data owner, and
the execution fails with the reason's code and message. A failed gate skips quarantine:
staging/ is kept for the data scientist to read. The reason, the notification and the
execution's error carry codes, steps and fixed messages only (synthpipe.cloud
.failure_error): a service's own error text can quote data.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.access import acknowledge
from stacks.functions import retry_lambda_hiccups
from stacks.prepare import TRANSIENT_ERRORS as GLUE_TRANSIENT_ERRORS
from stacks.prepare import Prepare
from stacks.privacy_scan import PrivacyScan
from stacks.training import TRANSIENT_ERRORS as SAGEMAKER_TRANSIENT_ERRORS
from stacks.training import Training
from stacks.verify import Verify

# Fixed, like the bucket's name: the start function derives execution ARNs from it.
STATE_MACHINE_NAME = "synthpipe"


def _retry_transient(task: sfn.TaskStateBase, errors: list[str]) -> None:
    """Service hiccups (throttling, internal errors) get three more tries, a minute apart
    and growing; a job that failed on the data is not retried: it would fail the same way."""
    task.add_retry(
        errors=errors,
        interval=Duration.minutes(1),
        max_attempts=3,
        backoff_rate=2,
        jitter_strategy=sfn.JitterType.FULL,
    )


def _logical_id(function: lambda_.IFunction) -> str:
    return function.stack.get_logical_id(function.node.default_child)


class Workflow(Construct):
    """The pipeline's state machine and its encrypted log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        prepare: Prepare,
        verify: Verify,
        privacy_scan: PrivacyScan | None,
        training: Training,
        gate: lambda_.IFunction,
        publish: lambda_.IFunction,
        quarantine: lambda_.IFunction,
        notify: lambda_.IFunction,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)

        # --- how every run ends when something stops it ----------------------------------
        run_failed = sfn.Fail(
            self,
            "RunFailed",
            state_name="Run failed",
            error_path="$.reason.code",
            cause_path="$.reason.message",
        )
        notify_failure = self._lambda(
            notify, "Notify failure", "Tell the data owner why the run stopped", "$.notified"
        )
        notify_failure.add_catch(run_failed, result_path="$.notifyError")
        notify_failure.next(run_failed)
        quarantine_task = self._lambda(
            quarantine,
            "Quarantine",
            "Keep what failed under quarantine/<dataset>/<run_id>/ with reason.json",
            "$.reason",
            timeout=Duration.minutes(10),
        )
        quarantine_task.add_catch(
            sfn.Pass(
                self,
                "QuarantineFailed",
                state_name="Quarantine failed",
                # No Cause here: a service's words can quote data (see failure_error).
                parameters={
                    "step": sfn.JsonPath.string_at("$.failure.step"),
                    "code": "quarantine_failed",
                    "message": sfn.JsonPath.format(
                        "The run stopped at step {} ({}), and keeping its data under "
                        "quarantine/ failed too.",
                        sfn.JsonPath.string_at("$.failure.step"),
                        sfn.JsonPath.string_at("$.failure.Error"),
                    ),
                    "fix": "Nothing was quarantined; see the execution's history and the "
                    "quarantine function's log.",
                },
                result_path="$.reason",
            ).next(notify_failure),
            result_path="$.quarantineError",
        )
        quarantine_task.next(notify_failure)

        def on_error(task: sfn.TaskStateBase, step: str) -> None:
            """Catch anything the retries did not fix: record the step, quarantine."""
            task.add_catch(
                sfn.Pass(
                    self,
                    f"{step}Failed",
                    state_name=f"{step} failed",
                    parameters={
                        "step": step.lower(),
                        "Error": sfn.JsonPath.string_at("$.error.Error"),
                        "Cause": sfn.JsonPath.string_at("$.error.Cause"),
                    },
                    result_path="$.failure",
                ).next(quarantine_task),
                result_path="$.error",
            )

        # --- the flow ----------------------------------------------------------------------
        refused = sfn.Pass(
            self,
            "InputRefused",
            state_name="Input refused",
            parameters={
                "step": "validate",
                "Error": "InputRefused",
                "Cause": sfn.JsonPath.string_at("$.validation.reason.message"),
            },
            result_path="$.failure",
        ).next(quarantine_task)

        prepare_task = prepare.task(result_path="$.prepare")
        _retry_transient(prepare_task, GLUE_TRANSIENT_ERRORS)
        on_error(prepare_task, "Prepare")

        verify_task = verify.task(result_path="$.verify")
        _retry_transient(verify_task, SAGEMAKER_TRANSIENT_ERRORS)
        on_error(verify_task, "Verify")

        train = training.train_task(result_path="$.training")
        _retry_transient(train, SAGEMAKER_TRANSIENT_ERRORS)
        on_error(train, "Train")

        generate = training.generate_task(result_path="$.generated")
        _retry_transient(generate, SAGEMAKER_TRANSIENT_ERRORS)
        on_error(generate, "Generate")

        gate_task = self._lambda(
            gate, "Gate", "Read staging report.json: verdict and gates", "$.gate"
        )
        on_error(gate_task, "Gate")
        publish_task = self._lambda(
            publish,
            "Publish",
            "Copy staging/ to synthetic/<dataset>/<run_id>/ and write manifest.json",
            "$.published",
            timeout=Duration.minutes(10),
        )
        on_error(publish_task, "Publish")
        notify_success = self._lambda(
            notify, "Notify success", "Tell the data owner where the results are", "$.notified"
        )
        notification_failed = sfn.Fail(
            self,
            "NotificationFailed",
            state_name="Published, notification failed",
            error="NotificationFailed",
            cause="The results were published but the notification could not be sent.",
        )
        notify_success.add_catch(notification_failed, result_path="$.notifyError")

        gate_failed = sfn.Pass(
            self,
            "GateNotPassed",
            state_name="Gate not passed",
            input_path="$.gate.reason",
            result_path="$.reason",
        ).next(notify_failure)

        if privacy_scan is None:
            scan: sfn.IChainable = sfn.Pass(
                self,
                "ScanSkipped",
                state_name="Macie skipped",
                comment="skipMacie: only the pipeline's own scan (Verify) ran",
                result=sfn.Result.from_object(
                    {
                        "engine": "none",
                        "note": "Macie skipped by the skipMacie setting; only the pipeline's "
                        "own scan of every value (Verify) ran.",
                    }
                ),
                result_path="$.privacyScan",
            )
            scan_done: sfn.INextable = scan
        else:
            scan = privacy_scan.chain(on_failure=quarantine_task, result_path="$.privacyScan")
            scan_done = privacy_scan.passed

        definition = (
            sfn.Choice(self, "InputValid", state_name="Input valid?")
            .when(sfn.Condition.string_equals("$.validation.status", "refused"), refused)
            .otherwise(prepare_task)
        )
        prepare_task.next(verify_task)
        verify_task.next(scan)
        scan_done.next(train)
        train.next(generate)
        generate.next(gate_task)
        gate_task.next(
            sfn.Choice(self, "GatePassed", state_name="Gate passed?")
            .when(sfn.Condition.boolean_equals("$.gate.passed", True), publish_task)
            .otherwise(gate_failed)
        )
        publish_task.next(notify_success)
        notify_success.next(sfn.Succeed(self, "Published", state_name="Run published"))

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=key,
            retention=log_retention,
            removal_policy=removal_policy,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=STATE_MACHINE_NAME,
            comment="synthpipe: raw CSV -> prepare -> verify (own scan, then Macie) -> train "
            "-> generate -> gate -> publish",
            state_machine_type=sfn.StateMachineType.STANDARD,
            query_language=sfn.QueryLanguage.JSON_PATH,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=Duration.hours(24),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
        )
        acknowledge(
            self.state_machine.role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray, CloudWatch Logs delivery and macie2:ListFindings support no "
            "resource-level permission.",
        )

    def _lambda(
        self,
        function: lambda_.IFunction,
        name: str,
        comment: str,
        result_path: str,
        *,
        timeout: Duration | None = None,
    ) -> tasks.LambdaInvoke:
        task = tasks.LambdaInvoke(
            self,
            name.replace(" ", ""),
            state_name=name,
            comment=comment,
            lambda_function=function,
            payload_response_only=True,
            retry_on_service_exceptions=False,
            task_timeout=sfn.Timeout.duration(timeout or Duration.minutes(3)),
            result_path=result_path,
        )
        acknowledge(
            self,
            f"AwsSolutions-IAM5[Resource::<{_logical_id(function)}.Arn>:*]",
            "LambdaInvoke's grant covers the function's versions and aliases (ARN:*).",
        )
        retry_lambda_hiccups(task)
        return task
