"""Lambda entry point: quarantine."""

from synthpipe.cloud import handle_quarantine


def handler(event, context):
    return handle_quarantine(event)
