"""Lambda entry point: start."""

from synthpipe.cloud import handle_start


def handler(event, context):
    return handle_start(event)
