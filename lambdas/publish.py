"""Lambda entry point: publish."""

from synthpipe.cloud import handle_publish


def handler(event, context):
    return handle_publish(event)
