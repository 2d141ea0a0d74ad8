"""Lambda entry point: publish."""

from synthpipe.cloud import handle_publish, lambda_handler

handler = lambda_handler(handle_publish, step="publish")
