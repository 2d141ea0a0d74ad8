"""The Spark session settings Prepare relies on, for Glue and for the local runner."""

from __future__ import annotations

import os
from pathlib import Path

# Runtime SQL settings the transform depends on: applied to any session, Glue's included.
SQL_SETTINGS = {
    # Dates and timestamps are stored and compared in UTC, whatever the machine's zone.
    "spark.sql.session.timeZone": "UTC",
    # Unparseable dates give null (we only cast values that matched a pattern) instead
    # of the Spark 2 -> 3 upgrade exception.
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    # pyarrow and pandas read INT64 micros; Spark's default INT96 is legacy.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.ansi.enabled": "false",
    # Write and read dates and timestamps as they are, in the proleptic Gregorian
    # calendar that pandas and pyarrow use. The default (EXCEPTION) stops the write of a
    # timestamp before 1900 (1887-05-12 00:00:00, an appointment date) or a date before
    # 1582, and a read of such values from Parquet that pyarrow wrote.
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
}


def apply_settings(spark) -> None:
    for key, value in SQL_SETTINGS.items():
        spark.conf.set(key, value)


# JVM options for a short job (a small input): the client compiler alone and the serial
# collector. Prepare of flchain (0.2 MB) took 18-21 s with them and 34-56 s without, on 2
# cores; of movies (4 MB) 59 s against 74 s; of BankSim (48 MB) 123 s against 97 s,
# where the optimising compiler pays off (benchmarks/prepare_bench.py --quick-start).
QUICK_START_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
QUICK_START_MAX_BYTES = 16 * 1024 * 1024


def local_session(
    app_name: str = "synthpipe", *, cores: int | None = None, quick_start: bool = False
):
    """A local session shaped like a small Glue worker: no UI, few shuffle partitions;
    with `quick_start`, a JVM tuned for a short job (QUICK_START_OPTIONS). JVM options
    apply only where this process starts its first session."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", _python())
    # The driver JVM starts with these options (builder settings come too late for log4j).
    options = f"{_java_options()} {QUICK_START_OPTIONS}" if quick_start else _java_options()
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", f'--driver-java-options "{options}" pyspark-shell')
    from pyspark.sql import SparkSession  # imported lazily: starting a JVM is slow

    master = f"local[{cores}]" if cores else "local[*]"
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", os.environ.get("SYNTHPIPE_SPARK_MEMORY", "4g"))
        .config("spark.sql.warehouse.dir", _tmp_dir("spark-warehouse"))
    )
    for key, value in SQL_SETTINGS.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _java_options() -> str:
    log4j = Path(__file__).parent / "conf" / "log4j2.properties"
    return f"-Dderby.system.home={_tmp_dir('derby')} -Dlog4j2.configurationFile={log4j.as_uri()}"


def _python() -> str:
    import sys

    return sys.executable


def _tmp_dir(name: str) -> str:
    import tempfile

    return os.path.join(tempfile.gettempdir(), f"synthpipe-{name}")
