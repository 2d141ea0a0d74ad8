"""Lambda entry point: gate."""

from synthpipe.cloud import handle_gate


def handler(event, context):
    return handle_gate(event)
