"""Lambda entry point: gate."""

from synthpipe.cloud import handle_gate, lambda_handler

handler = lambda_handler(handle_gate, step="gate")
