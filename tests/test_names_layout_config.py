"""Names, the bucket layout and the dataset config: plain Python, no Spark."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from synthpipe.dataset_config import ColumnConfig, DatasetConfig
from synthpipe.errors import InputRefused
from synthpipe.layout import PREFIXES, RunLayout, run_id_for
from synthpipe.names import check_dataset_name, dataset_slug, snake_case

SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")

# --- snake_case ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zipcodeOri", "zipcode_ori"),
        ("zipMerchant", "zip_merchant"),
        ("HTTPServer", "http_server"),
        ("customerID", "customer_id"),
        ("already_snake", "already_snake"),
    ],
)
def test_snake_case_splits_camel_case(name, expected):
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Prénom ", "prenom"), ("Straße", "strasse"), ("Ünïcödé Name", "unicode_name")],
)
def test_snake_case_strips_accents_to_ascii(name, expected):
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Customer ID!", "customer_id"),
        ("  amount (EUR)  ", "amount_eur"),
        ("a.b-c/d", "a_b_c_d"),
        ('"quoted name"', "quoted_name"),
        ("'single'", "single"),
        ("__x__", "x"),
    ],
)
def test_snake_case_turns_spaces_and_punctuation_into_single_underscores(name, expected):
    assert snake_case(name) == expected


@pytest.mark.parametrize(("name", "expected"), [("2019", "c_2019"), ("1st place", "c_1st_place")])
def test_snake_case_prefixes_leading_digits(name, expected):
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("#", "number_sign"), ("%", "percent_sign"), (" $ ", "dollar_sign"), ("", ""), ('""', "")],
)
def test_snake_case_names_a_header_of_signs_alone_by_their_unicode_names(name, expected):
    # Reports head a count '#' and a share '%': such a file was refused for blank names.
    assert snake_case(name) == expected


def test_snake_case_drops_a_byte_order_mark():
    assert snake_case("\ufeffstep") == "step"


@pytest.mark.parametrize("name", ["名前", "Имя", "Ελλάδα", "이름", "الاسم"])
def test_snake_case_transliterates_non_latin_scripts(name):
    slug = snake_case(name)
    assert slug, f"{name!r} gave an empty name"
    assert SNAKE.match(slug), slug


def test_snake_case_transliterates_known_examples():
    assert snake_case("名前") == "ming_qian"
    assert snake_case("Имя") == "imya"


@pytest.mark.parametrize("name", ["", "   ", "''", "\ufeff"])
def test_snake_case_returns_empty_when_nothing_usable_is_left(name):
    assert snake_case(name) == ""


# --- dataset names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("BS 140513.csv", "bs-140513"),
        ("a/b/My File.CSV", "my-file"),
        ("data.tsv", "data"),
        ("export.txt", "export"),
        ("Ünïcode Data.csv", "unicode-data"),
        ("###.csv", "dataset"),
        ("payments_multi.csv", "payments_multi"),
        ("_Kredite DE_.csv", "kredite-de"),
    ],
)
def test_dataset_slug_from_file_name(file_name, expected):
    assert dataset_slug(file_name) == expected


def test_dataset_slug_is_at_most_63_characters():
    assert len(dataset_slug("x" * 200 + ".csv")) == 63


@pytest.mark.parametrize(
    "file_name",
    [
        "BS 140513.csv",
        "名前.csv",
        "   .csv",
        "x" * 200 + ".csv",
        "__a__.csv",
        "-lead.csv",
        "😀.csv",
    ],
)
def test_dataset_slug_is_always_an_allowed_dataset_name(file_name):
    assert check_dataset_name(dataset_slug(file_name)) == dataset_slug(file_name)


@pytest.mark.parametrize("name", ["banksim", "bs-140513", "a", "x_1", "0day", "a" * 63])
def test_check_dataset_name_accepts_s3_safe_names(name):
    assert check_dataset_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "BankSim", "has space", "a/b", "../up", "-lead", "_lead", "a" * 64, "naïve", "x.csv"],
)
def test_check_dataset_name_refuses_bad_names(name):
    with pytest.raises(ValueError, match="not allowed"):
        check_dataset_name(name)


# --- run ids -------------------------------------------------------------------------------

WHEN = datetime(2026, 11, 23, 7, 15, 0, tzinfo=UTC)


def test_run_id_has_sortable_time_and_eight_hex_digits():
    run_id = run_id_for("bucket", "raw/ds/f.csv", "v1", WHEN)
    assert RUN_ID.match(run_id), run_id
    assert run_id.startswith("20261123T071500Z-")


def test_run_id_is_deterministic_for_one_object_version():
    first = run_id_for("bucket", "raw/ds/f.csv", "v1", WHEN)
    assert run_id_for("bucket", "raw/ds/f.csv", "v1", WHEN) == first


@pytest.mark.parametrize(
    ("bucket", "key", "version"),
    [
        ("bucket", "raw/ds/f.csv", "v2"),
        ("bucket", "raw/ds/g.csv", "v1"),
        ("other", "raw/ds/f.csv", "v1"),
    ],
)
def test_run_id_differs_for_another_object_version(bucket, key, version):
    assert run_id_for(bucket, key, version, WHEN) != run_id_for(
        "bucket", "raw/ds/f.csv", "v1", WHEN
    )


def test_run_id_time_is_utc_whatever_the_zone_given():
    paris = WHEN.astimezone(timezone(timedelta(hours=1)))
    assert run_id_for("b", "k", "v", paris) == run_id_for("b", "k", "v", WHEN)


def test_run_ids_sort_by_time():
    earlier = run_id_for("b", "k", "zzz", WHEN)
    later = run_id_for("b", "k", "aaa", WHEN + timedelta(seconds=1))
    assert sorted([later, earlier]) == [earlier, later]


# --- layout --------------------------------------------------------------------------------


@pytest.mark.parametrize("root", ["/tmp/work", "/tmp/work/"])
def test_layout_paths_under_a_local_root(root):
    layout = RunLayout(root, "ds", "RID")
    assert layout.cleaned == "/tmp/work/cleaned/ds/RID"
    assert layout.cleaned_data == "/tmp/work/cleaned/ds/RID/data"
    assert layout.schema_json == "/tmp/work/cleaned/ds/RID/schema.json"
    assert layout.pii_actions_json == "/tmp/work/cleaned/ds/RID/pii_actions.json"
    assert layout.quarantine == "/tmp/work/quarantine/ds/RID"
    assert layout.models == "/tmp/work/models/ds/RID"
    assert layout.staging == "/tmp/work/staging/ds/RID"
    assert layout.synthetic == "/tmp/work/synthetic/ds/RID"
    assert layout.manifest_json == "/tmp/work/staging/ds/RID/manifest.json"
    assert layout.config_json == "/tmp/work/config/ds.json"
    assert layout.raw_key("f.csv") == "raw/ds/f.csv"


@pytest.mark.parametrize("root", ["s3://bucket", "s3://bucket/"])
def test_layout_paths_under_an_s3_root(root):
    layout = RunLayout(root, "ds", "RID")
    assert layout.cleaned_data == "s3://bucket/cleaned/ds/RID/data"
    assert layout.schema_json == "s3://bucket/cleaned/ds/RID/schema.json"
    assert layout.quarantine == "s3://bucket/quarantine/ds/RID"
    assert layout.models == "s3://bucket/models/ds/RID"
    assert layout.staging == "s3://bucket/staging/ds/RID"
    assert layout.synthetic == "s3://bucket/synthetic/ds/RID"
    assert layout.manifest_json == "s3://bucket/staging/ds/RID/manifest.json"
    assert layout.config_json == "s3://bucket/config/ds.json"
    assert layout.raw_key("f.csv") == "raw/ds/f.csv"


def test_layout_uses_only_the_design_prefixes():
    layout = RunLayout("s3://bucket", "ds", "RID")
    paths = [
        layout.cleaned,
        layout.quarantine,
        layout.models,
        layout.staging,
        layout.synthetic,
        layout.config_json,
        layout.raw_key("f.csv"),
    ]
    for path in paths:
        prefix = path.removeprefix("s3://bucket/").split("/")[0]
        assert prefix in PREFIXES, path


# --- dataset config ------------------------------------------------------------------------

EXAMPLE = {
    "target_column": "fraud",
    "columns": {
        "zipcodeOri": {"type": "categorical"},
        "opened": {"type": "date", "format": "dd/MM/yyyy"},
        "customer": {"role": "identifier"},
        "email": {"pii_action": "keep"},
    },
    "drop_columns": ["Notes Field"],
    "thresholds": {"quality": 0.85, "privacy": 1},
    "rows_to_generate": 50000,
    "hyperparameters": {"epochs": 300},
}


def bad_config(data) -> InputRefused:
    with pytest.raises(InputRefused) as info:
        DatasetConfig.from_dict(data, source="config/ds.json")
    err = info.value
    assert err.code == "bad_dataset_config"
    assert err.details == {"config": "config/ds.json"}
    assert "config/ds.json" in err.message and err.fix
    return err


def test_config_parses_the_documented_example():
    config = DatasetConfig.from_json(json.dumps(EXAMPLE))
    assert config.target_column == "fraud"
    assert config.column("zipcode_ori") == ColumnConfig(type="categorical")
    assert config.column("opened") == ColumnConfig(type="date", format="dd/MM/yyyy")
    assert config.column("customer").role == "identifier"
    assert config.column("email").pii_action == "keep"
    assert config.drop_columns == ("notes_field",)
    assert config.thresholds == {"quality": 0.85, "privacy": 1.0}
    assert config.rows_to_generate == 50000
    assert config.hyperparameters == {"epochs": "300"}


def test_config_column_without_settings_is_empty():
    assert DatasetConfig.from_dict(EXAMPLE).column("amount") == ColumnConfig()


def test_empty_config_is_the_default():
    assert DatasetConfig.from_json("{}") == DatasetConfig()


def test_config_refuses_invalid_json():
    with pytest.raises(InputRefused) as info:
        DatasetConfig.from_json('{"columns": ', source="config/ds.json")
    assert info.value.code == "bad_dataset_config"
    assert "not valid JSON" in info.value.message


def test_config_refuses_unknown_top_level_key():
    err = bad_config({"target_colum": "fraud"})
    assert "target_colum" in err.message


def test_config_refuses_unknown_column_key():
    err = bad_config({"columns": {"amount": {"tpye": "decimal"}}})
    assert "tpye" in err.message


@pytest.mark.parametrize("data", [[], "text", 3, None, [{"columns": {}}]])
def test_config_refuses_a_non_object(data):
    bad_config(data)


@pytest.mark.parametrize(
    "data",
    [
        {"rows_to_generate": "1000"},
        {"rows_to_generate": 0},
        {"rows_to_generate": -5},
        {"rows_to_generate": 1.5},
        {"rows_to_generate": True},
        {"thresholds": {"quality": "high"}},
        {"thresholds": {"quality": True}},
        {"columns": {"amount": "decimal"}},
        {"columns": {"amount": {"type": "money"}}},
        {"columns": {"amount": {"role": "key"}}},
    ],
)
def test_config_refuses_bad_types(data):
    bad_config(data)


@pytest.mark.parametrize("action", ["delete", "DROP", "hash", ""])
def test_config_refuses_unknown_pii_action(action):
    err = bad_config({"columns": {"email": {"pii_action": action}}})
    assert "pii_action" in err.message


@pytest.mark.parametrize("action", ["drop", "pseudonymise", "generalise", "mask", "keep"])
def test_config_accepts_each_pii_action(action):
    config = DatasetConfig.from_dict({"columns": {"E-mail": {"pii_action": action}}})
    assert config.column("e_mail").pii_action == action


# Bug: only the values inside `columns` and `thresholds` are type-checked; a wrong container
# or a non-string name crashes with AttributeError/TypeError (no code, no quarantine, a
# traceback from the CLI) or, for a string `drop_columns`, drops columns 'n', 'o', 't', ...
@pytest.mark.parametrize(
    "data",
    [
        {"drop_columns": "notes"},
        {"drop_columns": [1]},
        {"columns": ["amount"]},
        {"thresholds": [0.8]},
        {"hyperparameters": "epochs=3"},
        {"target_column": 5},
        {"columns": {"opened": {"format": 5}}},
    ],
)
def test_config_refuses_wrong_container_and_name_types(data):
    bad_config(data)


def test_config_refuses_two_keys_for_the_same_column():
    bad_config({"columns": {"Zip Code": {"type": "categorical"}, "zip_code": {"type": "integer"}}})
