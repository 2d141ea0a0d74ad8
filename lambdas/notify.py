"""Lambda entry point: notify."""

from synthpipe.cloud import handle_notify


def handler(event, context):
    return handle_notify(event)
