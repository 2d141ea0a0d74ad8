"""Lambda entry point: quarantine."""

from synthpipe.cloud import handle_quarantine, lambda_handler

handler = lambda_handler(handle_quarantine, step="quarantine")
