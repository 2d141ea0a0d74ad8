"""The stateless stack: one construct per step of DESIGN.md, grants wired here, outputs.

Nothing in this stack holds data, so it can be destroyed and deployed again freely; the
bucket and the key come from the storage stack.
"""

from __future__ import annotations

import json

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.access import acknowledge, grant_key, grant_macie_results, grant_prefixes
from stacks.functions import PipelineFunction
from stacks.monitoring import Monitoring
from stacks.notifications import Notifications
from stacks.prepare import INPUT_COPIES, Prepare
from stacks.privacy_scan import PrivacyScan
from stacks.settings import Settings
from stacks.storage_stack import data_bucket_name
from stacks.training import LINEAGE_OBJECTS, Training
from stacks.trigger import Trigger
from stacks.verify import Verify
from stacks.workflow import STATE_MACHINE_NAME, Workflow
from synthpipe.validate import LIMITS_ENV, InputLimits


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: kms.IKey,
        pseudonymisation_secret: secretsmanager.ISecret,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # By name, not by reference: see storage_stack.data_bucket_name.
        bucket = s3.Bucket.from_bucket_name(self, "DataBucket", data_bucket_name())
        retention = getattr(logs.RetentionDays, settings.log_retention)
        removal = RemovalPolicy.RETAIN if settings.retain_data else RemovalPolicy.DESTROY
        # What validation refuses early; the start function and Prepare apply the same.
        limits = InputLimits(max_bytes=settings.max_input_bytes)

        notifications = Notifications(
            self, "Notifications", key=key, email=settings.notification_email
        )

        def function(name: str, description: str, **options) -> PipelineFunction:
            return PipelineFunction(
                self,
                name.capitalize(),
                handler=name,
                description=description,
                key=key,
                log_retention=retention,
                removal_policy=removal,
                **options,
            )

        gate = function("gate", "synthpipe: read report.json, pass or stop the run", environment={})
        publish = function(
            "publish",
            "synthpipe: staging/ -> synthetic/ with manifest.json",
            environment={},
            # Server-side copies (boto3's managed copy): no bytes pass through the function.
            timeout=Duration.minutes(10),
        )
        quarantine = function(
            "quarantine",
            "synthpipe: keep what failed under quarantine/ with reason.json",
            environment={},
            timeout=Duration.minutes(10),
        )
        notify = function(
            "notify",
            "synthpipe: tell the data owner what happened and what to do",
            environment={"TOPIC_ARN": notifications.topic.topic_arn},
        )

        prepare = Prepare(
            self,
            "Prepare",
            key=key,
            key_secret=pseudonymisation_secret,
            worker_type=settings.glue_worker_type,
            worker_count=settings.glue_worker_count,
            flex=settings.glue_flex,
            timeout=Duration.minutes(settings.glue_timeout_minutes),
            limits=limits,
        )
        privacy_scan = macie_results = macie_setup = None
        if not settings.skip_macie:
            macie_setup = PipelineFunction(
                self,
                "MacieSetup",
                handler="macie_setup",
                description="synthpipe: Macie enabled? the e-mail identifier, made once",
                key=key,
                log_retention=retention,
                removal_policy=removal,
                environment={},
            )
            macie_results = PipelineFunction(
                self,
                "MacieResults",
                handler="macie_results",
                description="synthpipe: did Macie read every cleaned object? (its results)",
                key=key,
                log_retention=retention,
                removal_policy=removal,
                environment={"ACCOUNT_ID": Aws.ACCOUNT_ID},
                # Results can land after the job completes: it looks again for 5 minutes.
                timeout=Duration.minutes(8),
            )
            privacy_scan = PrivacyScan(
                self,
                "PrivacyScan",
                bucket=bucket,
                setup=macie_setup.function,
                results_check=macie_results.function,
                poll_interval=Duration.seconds(settings.macie_poll_seconds),
                timeout=Duration.minutes(settings.macie_timeout_minutes),
            )
        training = Training(
            self,
            "Training",
            key=key,
            training_instance_type=settings.training_instance_type,
            training_volume_gb=settings.training_volume_gb,
            training_max_runtime=Duration.minutes(settings.training_max_runtime_minutes),
            use_spot=settings.use_spot_training,
            spot_max_wait=Duration.minutes(settings.spot_max_wait_minutes),
            generate_instance_type=settings.generate_instance_type,
            generate_volume_gb=settings.generate_volume_gb,
            generate_max_runtime=Duration.minutes(settings.generate_max_runtime_minutes),
        )
        verify = Verify(
            self,
            "Verify",
            image=training.image,
            key=key,
            instance_type=settings.verify_instance_type,
            volume_gb=settings.verify_volume_gb,
            max_runtime=Duration.minutes(settings.verify_max_runtime_minutes),
        )
        workflow = Workflow(
            self,
            "Workflow",
            key=key,
            prepare=prepare,
            verify=verify,
            privacy_scan=privacy_scan,
            training=training,
            gate=gate.function,
            publish=publish.function,
            quarantine=quarantine.function,
            notify=notify.function,
            log_retention=retention,
            removal_policy=removal,
        )
        start = function(
            "start",
            "synthpipe: validate the uploaded CSV and start its run (once per object version)",
            environment={
                "STATE_MACHINE_ARN": workflow.state_machine.state_machine_arn,
                **{LIMITS_ENV[name]: str(value) for name, value in limits.kwargs().items()},
                "HYPERPARAMETERS": json.dumps(settings.hyperparameters, sort_keys=True),
                "THRESHOLDS": json.dumps(settings.thresholds, sort_keys=True),
                "ROWS_TO_GENERATE": str(settings.rows_to_generate),
                "RAW_OBJECT_LOCK_DAYS": str(settings.raw_object_lock_days),
            },
            # Validation reads the whole object once, streaming (up to maxInputBytes).
            timeout=Duration.minutes(15),
            memory_mb=1024,
        )
        trigger = Trigger(self, "Trigger", bucket=bucket, start=start.function)

        # --- grants, in one place: each role reads and writes only its prefixes --------
        training.grant_run(workflow.state_machine.role)
        verify.grant_run(workflow.state_machine.role)
        if privacy_scan is not None:
            privacy_scan.acknowledge_findings(workflow.state_machine.role)
        # It writes each run's lineage.json for the generate job (synthpipe.processing).
        grant_prefixes(start.role, bucket, key, read=("raw/", "config/"), write=(LINEAGE_OBJECTS,))
        if settings.raw_object_lock_days:
            # The start function locks each raw/ version it sees (governance mode).
            start.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["s3:GetObjectRetention", "s3:PutObjectRetention"],
                    resources=[bucket.arn_for_objects("raw/*")],
                )
            )
        workflow.state_machine.grant_start_execution(start.role)
        # A duplicate event is recognised by its execution's name, before any work.
        start.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution"],
                resources=[
                    f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:execution:"
                    f"{STATE_MACHINE_NAME}:*"
                ],
            )
        )
        acknowledge(
            start.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:"
            f"<AWS::AccountId>:execution:{STATE_MACHINE_NAME}:*]",
            "Executions are named per run (dataset and run id); the start function only "
            "describes executions of this state machine.",
        )
        grant_prefixes(
            prepare.role,
            bucket,
            key,
            read=("raw/", "config/", "cleaned/", INPUT_COPIES),
            write=("cleaned/", INPUT_COPIES),
            # Spark's committer removes its _temporary files; the job, its input copy.
            delete=("cleaned/", INPUT_COPIES),
        )
        grant_prefixes(verify.role, bucket, key, read=("cleaned/",))
        if macie_results is not None and macie_setup is not None:
            grant_macie_results(macie_results.role, bucket, key)
            # Reading the session and listing identifiers support no resource scope.
            macie_setup.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["macie2:GetMacieSession", "macie2:ListCustomDataIdentifiers"],
                    resources=["*"],
                )
            )
            identifiers = (
                f"arn:{Aws.PARTITION}:macie2:{Aws.REGION}:{Aws.ACCOUNT_ID}:custom-data-identifier/*"
            )
            macie_setup.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["macie2:CreateCustomDataIdentifier"], resources=[identifiers]
                )
            )
            acknowledge(
                macie_setup.role,
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:macie2:<AWS::Region>:"
                "<AWS::AccountId>:custom-data-identifier/*]",
                "Macie gives a custom identifier its id when it is created.",
            )
        grant_prefixes(
            training.role,
            bucket,
            key,
            # staging/: the run's lineage.json, an input of the generate job
            read=("cleaned/", "models/", "staging/"),
            write=("models/", "staging/"),
        )
        # A release is promoted and withdrawn under synthetic/ (synthpipe.publish): publish
        # writes .incoming-<attempt>/, moves it into place and deletes the marker it
        # replaces; a failed gate or any other failure (quarantine) withdraws the run's
        # release, so that no release outlives a failed attempt of its run id.
        grant_prefixes(
            gate.role,
            bucket,
            key,
            read=("staging/", "synthetic/"),
            write=("synthetic/",),
            delete=("synthetic/",),
        )
        grant_prefixes(
            publish.role,
            bucket,
            key,
            read=("staging/", "cleaned/", "synthetic/"),
            write=("synthetic/",),
            delete=("synthetic/",),
        )
        grant_prefixes(
            quarantine.role,
            bucket,
            key,
            read=("raw/", "cleaned/", "synthetic/"),
            write=("quarantine/", "synthetic/"),
            # cleaned output with personal data is moved, not copied; releases withdrawn
            delete=("cleaned/", "synthetic/"),
        )
        notify.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[notifications.topic.topic_arn])
        )
        grant_key(notify.role, key, encrypt=True)

        monitoring = Monitoring(
            self,
            "Monitoring",
            state_machine=workflow.state_machine,
            start=start.function,
            dead_letters=trigger.dead_letters,
            topic=notifications.topic,
        )

        CfnOutput(self, "DataBucketName", value=bucket.bucket_name)
        CfnOutput(self, "StateMachineArn", value=workflow.state_machine.state_machine_arn)
        CfnOutput(self, "TopicArn", value=notifications.topic.topic_arn)
        CfnOutput(self, "DashboardName", value=monitoring.dashboard.dashboard_name)
        CfnOutput(self, "GlueJobName", value=prepare.job.job_name)
