"""What a user should do, by error code: one text, shared by the steps that raise the error
and by the notifications that report it (no heavy imports: the Lambdas load it)."""

PII_FOUND = (
    "Drop or mask the columns named (set their pii_action in config/<dataset>.json to "
    "'drop' or 'mask', and remove any 'keep'), then upload the file again."
)
GATE_FAILED = (
    "Read report.html in staging/: each failed gate says what to try (a gate on quality, "
    "train longer; one on memorisation, train less or give the model more rows); then run "
    "again. Nothing was published."
)
INPUT_CHANGED = (
    "Run it again (on AWS: upload the file again) and leave the file unchanged until the run "
    "has finished: each upload is a run of its own. If the file did not change, report this "
    "with the run's log: validation and Prepare read it differently."
)
DATASET_CONFIG_UNREADABLE = (
    "Upload config/<dataset>.json again without naming an encryption key (the bucket's "
    "default, the data key, applies), or check that no policy keeps the start function's "
    "role from reading config/; then upload the data file again."
)
MACIE_RESULTS_REPOSITORY = (
    "Configure Macie's results repository once per account and region: aws macie2 "
    "put-classification-export-configuration --configuration 's3Destination={bucketName="
    "<DataBucketName>,keyPrefix=macie-results/,kmsKeyArn=<DataKeyArn>}' (outputs of the "
    "storage stack); or deploy with skipMacie=true. Then upload the file again."
)
