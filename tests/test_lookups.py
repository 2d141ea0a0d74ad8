"""Categories one column decides (a country's continent): found at training, set at
generate, counted by the evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from synthpipe.evaluate.report import load_schema
from synthpipe.lookups import (
    MIN_REPEATS,
    apply,
    each_broken,
    find_lookups,
    lookups_from,
    named,
    to_records,
)
from synthpipe.protection import RARE_TOKEN
from synthpipe.schema import ColumnSchema, DatasetSchema
from tests.model_steps import train_generate_evaluate

CONTINENTS = {"Kenya": "Africa", "Peru": "Americas", "Chile": "Americas", "Japan": "Asia",
              "Nepal": "Asia", "Spain": "Europe", "Italy": "Europe", "Fiji": "Oceania"}  # fmt: skip
CODES = {"Kenya": "KEN", "Peru": "PER", "Chile": "CHL", "Japan": "JPN", "Nepal": "NPL",
         "Spain": "ESP", "Italy": "ITA", "Fiji": "FJI"}  # fmt: skip
SUBREGIONS = {"Kenya": "East Africa", "Peru": "South America", "Chile": "South America",
              "Japan": "East Asia", "Nepal": "South Asia", "Spain": "South Europe",
              "Italy": "South Europe", "Fiji": "Melanesia"}  # fmt: skip
KINDS = {"continent": "categorical", "subregion": "categorical", "code": "categorical"}
KINDS |= {"country": "categorical", "rich": "boolean", "income": "numerical"}
# Each decided column by the column with the fewest values that decides it (the code and
# the country decide each other: the earlier one), sources with more values first, so
# that the subregion is set before the continent it decides.
EXPECTED = [
    ("code", "subregion"),
    ("code", "country"),
    ("code", "rich"),
    ("subregion", "continent"),
]


# A year's price index, as a panel repeats it on each of that year's rows.
PRICE_INDEX = {year: round(100 * 1.03 ** (year - 2000), 2) for year in range(2000, 2010)}
NUMBERS = {"year": "numerical", "price_index": "numerical", "income": "numerical"}
NUMBERS |= {"visits": "numerical", "log_visits": "numerical"}


def countries(rows: int, seed: int = 0) -> pd.DataFrame:
    """A row per person: their continent, subregion, country's code and country (which
    decides the others, last), whether it is rich, an income, a year and its price
    index, a count of visits and its logarithm."""
    rng = np.random.default_rng(seed)
    country = rng.choice(list(CONTINENTS), rows)
    year, visits = rng.integers(2000, 2010, rows), rng.poisson(3, rows)
    return pd.DataFrame(
        {
            "continent": [CONTINENTS[c] for c in country],
            "subregion": [SUBREGIONS[c] for c in country],
            "code": [CODES[c] for c in country],
            "country": country,
            "rich": np.isin(country, ["Japan", "Spain", "Italy", "Chile"]),
            "income": np.round(rng.lognormal(10, 0.4, rows), 2),
            "year": year,
            "price_index": [PRICE_INDEX[y] for y in year],
            "visits": visits,
            "log_visits": np.round(np.log1p(visits), 4),
        }
    )


def broken(frame: pd.DataFrame, lookups: list) -> np.ndarray:
    """Rows of `frame` that break one of `lookups`."""
    return np.logical_or.reduce([np.zeros(len(frame), dtype=bool), *each_broken(frame, lookups)])


def test_training_finds_the_columns_a_country_decides_through_the_fewest_values() -> None:
    frame = countries(400)
    found = find_lookups(frame, KINDS)
    assert [(lk.source, lk.target) for lk in found] == EXPECTED
    assert dict(found[1].pairs) == {CODES[c]: c for c in CODES}
    assert dict(found[3].pairs) == {SUBREGIONS[c]: CONTINENTS[c] for c in CONTINENTS}
    assert dict(found[2].pairs)["JPN"] is True  # the real rows' own value, not a label
    # What the manifest and the report keep: names and counts, no category.
    assert named(found)[1] == {"source": "code", "target": "country", "values": 8}
    assert lookups_from(json.loads(json.dumps(to_records(found)))) == found


def test_no_lookup_from_one_row_the_other_way_from_values_held_once_or_for_the_class() -> None:
    frame = countries(400)
    frame.loc[7, "continent"] = "Atlantis"
    assert "continent" not in {lk.target for lk in find_lookups(frame, KINDS)}
    few = countries(MIN_REPEATS + 8)  # 8 countries: 50 rows beyond each one's first
    assert find_lookups(few, KINDS)
    assert not find_lookups(few.head(MIN_REPEATS + 5), KINDS)
    ids = pd.DataFrame({"id": [f"p{i}" for i in range(300)], "group": ["a", "b"] * 150})
    assert not find_lookups(ids, {"id": "categorical", "group": "categorical"})
    targets = {lk.target for lk in find_lookups(countries(400), KINDS, exclude=["rich"])}
    assert "rich" not in targets


def test_the_rare_token_and_missing_values_decide_nothing() -> None:
    """Value protection folds rare countries into one token, which stands for countries
    of every continent; rows without a country are not read either."""
    frame = countries(400)
    frame.loc[:9, "code"] = RARE_TOKEN
    frame.loc[:4, "continent"] = "Africa"
    frame.loc[5:9, "continent"] = "Europe"
    frame.loc[10:14, "code"] = None
    frame.loc[10:14, "continent"] = "Asia"
    found = {lk.target: lk for lk in find_lookups(frame, KINDS, rare_token=RARE_TOKEN)}
    assert found["continent"].source == "code"
    assert RARE_TOKEN not in dict(found["continent"].pairs)


def test_generate_sets_the_decided_columns_down_a_chain() -> None:
    found = find_lookups(countries(400), KINDS)
    drawn = countries(300, seed=1)
    rng = np.random.default_rng(2)
    for name in ("continent", "subregion", "country", "rich"):  # each learned apart
        drawn[name] = rng.permutation(drawn[name].to_numpy())
    drawn.loc[3, "code"] = RARE_TOKEN  # a source value no lookup holds: left as drawn
    assert broken(drawn, found).sum() > 200
    fixed, changed = apply(drawn, found)
    assert changed == int(broken(drawn, found).sum())
    assert not broken(fixed, found).any()
    held = fixed.drop(index=3)
    assert (held["continent"] == held["country"].map(CONTINENTS)).all()
    # Its subregion stays as drawn, and decides its continent.
    assert fixed.loc[3, "subregion"] == drawn.loc[3, "subregion"]
    by_subregion = {SUBREGIONS[c]: CONTINENTS[c] for c in CONTINENTS}
    assert fixed.loc[3, "continent"] == by_subregion[drawn.loc[3, "subregion"]]
    assert fixed["rich"].dtype == bool and fixed["income"].equals(drawn["income"])


def test_numbers_decide_and_are_decided_by_their_values_held_on_k_rows() -> None:
    """A year decides its price index, a count its logarithm; a count's value held on
    fewer than k rows decides nothing, so that no pair is one row's."""
    frame = countries(400)
    found = {lk.target: lk for lk in find_lookups(frame, NUMBERS, min_count=10)}
    assert {name: lk.source for name, lk in found.items()} == {
        "price_index": "year",
        "log_visits": "visits",
    }
    assert dict(found["price_index"].pairs) == {str(y): v for y, v in PRICE_INDEX.items()}
    counts = frame["visits"].value_counts()
    assert {int(k) for k, _ in found["log_visits"].pairs} == set(counts[counts >= 10].index)
    assert (counts < 10).any()  # the rare counts were there, and are left out
    drawn = countries(300, seed=1)
    drawn["price_index"] = drawn["price_index"].sample(frac=1, random_state=3).to_numpy()
    drawn["log_visits"] = drawn["log_visits"].sample(frac=1, random_state=3).to_numpy()
    fixed, changed = apply(drawn, list(found.values()))
    assert changed > 250 and not broken(fixed, list(found.values())).any()
    assert (fixed["price_index"] == fixed["year"].map(PRICE_INDEX)).all()
    assert fixed["price_index"].dtype == float and fixed["income"].equals(drawn["income"])


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The people, trained (TVAE, as test_generate trains it), generated and evaluated."""
    frame = countries(1_200, seed=4)
    kinds = {name: "categorical" for name in ("continent", "subregion", "code", "country")}
    kinds |= {"rich": "boolean", "income": "decimal", "year": "integer"}
    kinds |= {"price_index": "decimal", "visits": "integer", "log_visits": "decimal"}
    columns = [
        ColumnSchema(name, name, kind, role="feature", distinct_count=int(frame[name].nunique()))
        for name, kind in kinds.items()
    ]
    schema = DatasetSchema(dataset="d", run_id="r", columns=columns, rows=len(frame))
    return train_generate_evaluate(tmp_path_factory.mktemp("lookups"), frame, schema)


def test_a_release_keeps_every_lookup_and_the_report_counts_them(
    run_dirs: dict[str, Path],
) -> None:
    training = json.loads((run_dirs["model"] / "training.json").read_text())
    numbers = [("visits", "log_visits"), ("year", "price_index")]
    assert [(r["source"], r["target"]) for r in training["lookups"]] == numbers + EXPECTED
    # A lookup's target keeps its source's values: no tail is drawn past them.
    assert not {"price_index", "log_visits"} & set(training["tails"])
    synthetic = pd.read_parquet(run_dirs["staging"] / "synthetic.parquet")
    assert (synthetic["continent"] == synthetic["country"].map(CONTINENTS)).all()
    assert (synthetic["code"] == synthetic["country"].map(CODES)).all()
    assert (synthetic["price_index"] == synthetic["year"].map(PRICE_INDEX)).all()
    held = synthetic["visits"].isin([int(k) for k, _ in training["lookups"][0]["pairs"]])
    assert held.mean() > 0.9
    logs = np.round(np.log1p(synthetic["visits"][held].astype(float)), 4)
    assert (synthetic["log_visits"][held] == logs).all()
    report = json.loads((run_dirs["staging"] / "report.json").read_text())
    jsonschema.validate(report, load_schema())
    lookups = report["diagnostic"]["lookups"]
    assert lookups["rows"] == 0 and lookups["broken"] == {}
    assert lookups["pairs"][2] == {"source": "code", "target": "subregion", "values": 8}
    assert "Kenya" not in json.dumps(lookups)  # names only, never a category
    generation = json.loads((run_dirs["staging"] / "generation.json").read_text())
    assert generation["lookups"] == 6
    html = (run_dirs["staging"] / "report.html").read_text()
    assert "Columns another column decides" in html and "<code>code</code> &rarr;" in html
