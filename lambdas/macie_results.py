"""Lambda entry point: macie_results (did Macie read every object of the run?)."""

from synthpipe.cloud import handle_macie_results, lambda_handler

handler = lambda_handler(handle_macie_results, step="verify")
