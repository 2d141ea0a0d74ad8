"""Lambda entry point: macie_setup (Macie enabled? the e-mail identifier's id)."""

from synthpipe.cloud import handle_macie_setup, lambda_handler

handler = lambda_handler(handle_macie_setup, step="verify")
