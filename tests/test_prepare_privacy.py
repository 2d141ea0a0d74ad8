"""Prepare's privacy actions, end to end on Spark: drop, mask, generalise, pseudonymise, keep."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from synthpipe.dataset_config import DatasetConfig
from synthpipe.errors import StepFailed
from synthpipe.layout import RunLayout
from synthpipe.pii.keys import ENV_VAR
from synthpipe.prepare import CsvDialect, prepare
from synthpipe.sample_data import write_banksim_csv
from synthpipe.validate import validate_file

pytestmark = pytest.mark.slow
KEY = "a-test-key-that-is-long-enough"


def run_prepare(
    spark, tmp_path: Path, raw: Path, config=None, run_id="20261123T000000Z-abc", protect=True
):
    layout = RunLayout(str(tmp_path), "ds", run_id)
    schema = prepare(
        spark,
        source=str(raw),
        dialect=CsvDialect.from_report(validate_file(raw)),
        layout=layout,
        config=DatasetConfig.from_dict(config or {}),
        protect=protect,
    )
    return schema, pq.read_table(layout.cleaned_data).to_pandas(), layout


def prepared_actions(spark, tmp_path: Path, lines: list[str]):
    """Prepare of a CSV of `lines`: the cleaned frame, and column -> (action, types)."""
    raw = tmp_path / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text("\n".join(lines) + "\n")
    _, frame, layout = run_prepare(spark, tmp_path, raw)
    actions = json.loads(Path(layout.pii_actions_json).read_text())
    return frame, {a["column"]: (a["action"], a["entity_types"]) for a in actions}


@pytest.fixture(scope="module")
def pii_csv(tmp_path_factory) -> Path:
    return write_banksim_csv(tmp_path_factory.mktemp("pii") / "pii.csv", rows=1500, with_pii=True)


@pytest.fixture(scope="module")
def prepared_pii(spark, pii_csv, tmp_path_factory):
    return run_prepare(spark, tmp_path_factory.mktemp("out"), pii_csv)


def test_direct_identifiers_are_dropped(prepared_pii):
    schema, frame, _ = prepared_pii
    for name in ("first_name", "last_name", "email", "phone", "card_number", "iban"):
        assert schema.column(name).role == "dropped", name
        assert schema.column(name).pii_action == "drop"
        assert name not in frame.columns
    assert "street_address" not in frame.columns


def test_free_text_is_masked_cell_by_cell(prepared_pii, pii_csv):
    schema, frame, _ = prepared_pii
    assert schema.column("memo").pii_action == "mask"
    memos = frame["memo"].dropna()
    assert not memos.str.contains(r"[\w.+-]+@[\w-]+\.\w+", regex=True).any()
    assert memos.str.contains("<EMAIL_ADDRESS>", regex=False).any()
    raw_memos = pii_csv.read_text()
    assert "@" in raw_memos  # the input did hold e-mails


def test_date_of_birth_becomes_an_age_band(prepared_pii):
    schema, frame, _ = prepared_pii
    assert schema.column("date_of_birth").pii_action == "generalise"
    assert schema.column("date_of_birth").type == "categorical"
    bands = frame["date_of_birth"].dropna().unique()
    # Bands seen fewer than 10 times are folded into the rare token.
    assert all(re.fullmatch(r"\d+-\d+|_RARE_", band) for band in bands)
    assert len(bands) > 1


def test_banksim_columns_are_kept_and_ids_dropped(prepared_pii):
    schema, frame, _ = prepared_pii
    for name in ("step", "age", "gender", "merchant", "category", "amount", "fraud"):
        assert name in frame.columns, name
        assert schema.column(name).pii_action is None
    assert schema.column("customer").pii_action == "drop"


def test_pii_actions_json_names_columns_and_types_never_values(prepared_pii, pii_csv):
    _, _, layout = prepared_pii
    text = Path(layout.pii_actions_json).read_text()
    actions = {a["column"]: a for a in json.loads(text)}
    assert "EMAIL_ADDRESS" in actions["email"]["entity_types"]
    assert "CREDIT_CARD_NUMBER" in actions["card_number"]["entity_types"]
    assert actions["customer"]["action"] == "drop"
    first_email = next(line.split(",")[12] for line in pii_csv.read_text().splitlines()[1:3])
    assert first_email.strip("'\"") not in text


def test_pseudonymise_is_hmac_sha256_with_the_configured_key(spark, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, KEY)
    raw = tmp_path / "in.csv"
    rows = "".join(f"C{100000 + i},{i % 3}\n" for i in range(200))
    raw.write_text("customer_id,kind\n" + rows)
    config = {"columns": {"customer_id": {"pii_action": "pseudonymise"}}}
    schema, frame, _ = run_prepare(spark, tmp_path, raw, config)
    expected = hmac.new(KEY.encode(), b"C100000", hashlib.sha256).hexdigest()
    assert frame["customer_id"].iloc[0] == expected
    assert schema.column("customer_id").role == "identifier"
    assert frame["customer_id"].nunique() == 200


def test_pseudonymise_without_a_key_says_how_to_set_one(spark, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    raw = tmp_path / "in.csv"
    raw.write_text("account,kind\nA1,1\nA2,2\n")
    config = {"columns": {"account": {"pii_action": "pseudonymise"}}}
    with pytest.raises(StepFailed) as caught:
        run_prepare(spark, tmp_path, raw, config)
    assert caught.value.code == "pseudonymisation_key_missing"
    assert ENV_VAR in caught.value.fix


def test_postcode_generalised_to_its_prefix_on_request(spark, tmp_path):
    raw = tmp_path / "in.csv"
    raw.write_text("postcode,n\nSW1A 1AA,1\n28007,2\nEC2V 7HH,3\n")
    config = {"columns": {"postcode": {"pii_action": "generalise"}}}
    _, frame, _ = run_prepare(spark, tmp_path, raw, config, protect=False)
    assert frame["postcode"].tolist() == ["SW1A", "28", "EC2V"]


def test_keep_in_the_config_keeps_a_detected_column(spark, tmp_path):
    raw = tmp_path / "in.csv"
    emails = "".join(f"user{i}@example.org,{i}\n" for i in range(50))
    raw.write_text("email,n\n" + emails)
    schema, frame, _ = run_prepare(
        spark, tmp_path, raw, {"columns": {"email": {"pii_action": "keep"}}}
    )
    assert schema.column("email").pii_action == "keep"
    assert frame["email"].iloc[0] == "user0@example.org"


@pytest.mark.parametrize(
    ("locale", "encoding"),
    [
        ("ru_RU", "cp1251"),
        ("ja_JP", "cp932"),
        ("he_IL", "cp1255"),
        ("ar_AA", "cp1256"),
        ("th_TH", "cp874"),
    ],
)
def test_names_in_a_legacy_non_latin_encoding_are_found(spark, tmp_path, locale, encoding):
    """Read as cp1252, these names were mojibake that no detector recognised, and a
    column of repeated names was kept as a category (Hebrew was read as Cyrillic, and
    Arabic and Thai as cp1252, until stop 48). Twenty names: eight Hebrew ones repeated
    read as KOI8-R as coherently as Hebrew."""
    from faker import Faker

    faker = Faker(locale)
    faker.seed_instance(3)
    managers = [faker.name() for _ in range(20)]
    lines = ["manager;amount"] + [f"{managers[i % 20]};{i % 17}" for i in range(200)]
    raw = tmp_path / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    schema, frame, _ = run_prepare(spark, tmp_path, raw)
    assert schema.encoding == encoding
    assert schema.column("manager").pii_action == "drop"
    assert "manager" not in frame.columns


def test_personal_data_written_as_excel_text_formulas_is_found(spark, tmp_path):
    """A phone number and an IBAN inside Excel's text formula (="+44 20 7946 0958"), as
    exports write them to keep a leading zero or plus, are found whatever the column is
    called: Prepare reads the text between the quotes."""
    from faker import Faker

    faker = Faker("en_GB")
    faker.seed_instance(5)
    lines = ["c1,c2,n"] + [
        f'="{faker.phone_number()}",="{faker.iban()}",{i % 7}' for i in range(60)
    ]
    raw = tmp_path / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text("\n".join(lines) + "\n")
    schema, frame, _ = run_prepare(spark, tmp_path, raw)
    assert schema.column("c1").pii_action == "drop"
    assert schema.column("c2").pii_action == "drop"
    assert list(frame.columns) == ["n"]


def test_a_customer_table_s_repeated_addresses_and_names_are_found(spark, tmp_path):
    """Each customer on several rows: the address, the street, the surname and the user
    name repeat, so rare-category folding kept them, and a neutral header hid them.
    Judged by the values, all four are dropped; what is not personal data stays."""
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(8)
    people = [
        (
            faker.address().replace("\n", ", "),
            faker.street_address(),
            faker.last_name(),
            faker.user_name(),
        )
        for _ in range(120)
    ]
    lines = ["f1,f2,f3,f4,kind,amount"] + [
        '"{}",{},{},{},'.format(*people[i % 120])
        + f"{('food', 'rent', 'travel')[i % 3]},{i % 97}.5"
        for i in range(600)
    ]
    frame, found = prepared_actions(spark, tmp_path, lines)
    assert found["f1"] == ("drop", ["ADDRESS"])
    assert found["f2"] == ("drop", ["ADDRESS"])
    assert found["f3"] == ("drop", ["NAME"])
    assert found["f4"] == ("drop", ["NAME"])
    assert list(frame.columns) == ["kind", "amount"]


def test_a_customer_table_s_repeated_national_ids_are_dropped(spark, tmp_path):
    """Each customer on twenty rows: China's resident id, Russia's SNILS, a device's MAC
    address and a car's VIN repeat far more often than rare-category folding's k, so
    under a neutral header they were kept as categories and published (the ids' birth
    places failed stdnum's county list; the others were not read at all). One MAC address
    has no digit, so only its dashes let Spark's cell count see it."""
    from faker import Faker

    china, russia = Faker("zh_CN"), Faker("ru_RU")
    china.seed_instance(9)
    russia.seed_instance(9)
    people = [
        (china.ssn(), russia.snils(), china.mac_address().upper().replace(":", "-"), china.vin())
        for _ in range(29)
    ] + [("11010519491231002X", "112-233-445 95", "AB-CD-EF-AB-CD-EF", "1M8GDM9AXKP042788")]
    lines = ["k1,k2,k3,k4,kind,amount"] + [
        ",".join(people[i % 30]) + f",{('a', 'b', 'c')[i % 3]},{i % 89}.5" for i in range(600)
    ]
    frame, found = prepared_actions(spark, tmp_path, lines)
    assert sorted(found) == ["k1", "k2", "k3", "k4"]
    expected_types = {"k1": "NATIONAL_ID", "k2": "NATIONAL_ID", "k3": "MAC_ADDRESS"}
    expected_types["k4"] = "VEHICLE_IDENTIFICATION_NUMBER"
    for column, expected in expected_types.items():
        action, entity_types = found[column]
        assert action == "drop" and expected in entity_types, column
    assert list(frame.columns) == ["kind", "amount"]


def test_personal_data_typed_in_full_width_characters_is_found(spark, tmp_path):
    """Japanese, Chinese and Korean input methods type digits, @ and Latin letters full
    width (０９０－１２３４－５６７８): a customer's phone number and e-mail on each of
    their rows, under neutral headers, and one phone number in a note. Read as the ASCII
    characters they stand for, the columns go and the note is masked; they were kept, the
    phones and e-mails seen often enough to outlive rare-category folding."""
    full = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
    people = [
        (f"090-{1000 + 37 * i:04d}-{2000 + 53 * i:04d}", f"taro{i}@example.co.jp")
        for i in range(40)
    ]
    lines = ["k1,k2,memo,kind"] + [
        ",".join(value.translate(full) for value in people[i % 40])
        + ("," + "折り返し ０８０－３１１２－４５６７ まで" if i == 5 else ",なし")
        + f",{('a', 'b', 'c')[i % 3]}"
        for i in range(800)
    ]
    raw = tmp_path / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, frame, layout = run_prepare(spark, tmp_path, raw)
    actions = json.loads(Path(layout.pii_actions_json).read_text())
    found = {a["column"]: (a["action"], a["entity_types"]) for a in actions}
    assert found["k1"] == ("drop", ["PHONE_NUMBER"])
    assert found["k2"] == ("drop", ["EMAIL_ADDRESS"])
    assert found["memo"][0] == "mask"
    assert "０８０" not in "".join(frame["memo"].dropna())
    assert list(frame.columns) == ["memo", "kind"]


def test_birth_dates_with_month_names_become_age_bands_or_go(spark, tmp_path):
    """'17-Apr-1953', '17 avril 1953' and 19530417 are read as dates: their age bands are
    kept, in Prepare, where verify would otherwise have stopped the run. Months' first three letters
    ('17 jui. 1953': juin and juillet alike) are no abbreviation Prepare reads as a date,
    so no age band can be counted: the column is dropped."""
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(9)
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre"
    months = [*months.split(), "décembre"]
    lines = ["c1,c2,c3,c4,n"]
    for i in range(300):
        born = faker.date_of_birth(minimum_age=18, maximum_age=90)
        french = f"{born.day} {months[born.month - 1]} {born.year}"
        short = f"{born.day} {months[born.month - 1][:3]}. {born.year}"
        compact = born.strftime("%Y%m%d")
        lines.append(f"{born.strftime('%d-%b-%Y')},{french},{short},{compact},{i % 7}")
    raw = tmp_path / "raw" / "ds" / "input.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text("\n".join(lines) + "\n")
    schema, frame, _ = run_prepare(spark, tmp_path, raw)
    for name in ("c1", "c2", "c4"):
        assert schema.column(name).pii_action == "generalise"
        assert frame[name].str.fullmatch(r"\d+-\d+|_RARE_").all()  # bands, rare ones folded
    assert schema.column("c3").pii_action == "drop"
    assert list(frame.columns) == ["c1", "c2", "c4", "n"]
