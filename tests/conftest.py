"""Shared fixtures: one local Spark session for the whole run, sample files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Stray __pycache__ folders inside asset folders change CDK asset hashes.
sys.dont_write_bytecode = True
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def spark():
    """One local session shared by every test of a worker (starting one takes ~10 s).
    `make test` runs two workers (pytest-xdist), each with one Spark core: two cores in
    all, as the machines CI runs on have."""
    from synthpipe.spark import local_session

    cores = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 2
    session = local_session("synthpipe-tests", cores=cores)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def banksim_csv(tmp_path_factory) -> Path:
    """A small BankSim-shaped raw CSV (quoted values, constant zip columns)."""
    from synthpipe.sample_data import write_banksim_csv

    return write_banksim_csv(tmp_path_factory.mktemp("sample") / "banksim.csv", rows=3000)
