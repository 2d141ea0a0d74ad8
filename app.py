#!/usr/bin/env python3
"""CDK entry point: `cdk synth` / `cdk deploy --all` (settings: cdk.json context)."""

import aws_cdk as cdk

from stacks import build

app = cdk.App()
build(app)
app.synth()
