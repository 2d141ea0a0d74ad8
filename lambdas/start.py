"""Lambda entry point: start."""

from synthpipe.cloud import handle_start, lambda_handler

handler = lambda_handler(handle_start, step="start")
