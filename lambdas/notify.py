"""Lambda entry point: notify."""

from synthpipe.cloud import handle_notify, lambda_handler

handler = lambda_handler(handle_notify, step="notify")
