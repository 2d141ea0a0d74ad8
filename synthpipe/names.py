"""Column and dataset names: one normalisation, used by validation and Prepare alike."""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Dataset slugs keep underscores: `payments_multi.csv` is dataset `payments_multi`, and its
# config is config/payments_multi.json, as a user would name it.
_NON_SLUG = re.compile(r"[^a-z0-9_]+")
_DATASET = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def snake_case(name: str) -> str:
    """`'zipcodeOri'` -> `'zipcode_ori'`, `'Prénom '` -> `'prenom'`, `'名前'` -> `'ming_qian'`,
    `'#'` -> `'number_sign'`.

    Returns '' when nothing printable is left; callers decide what that means.
    """
    text = unicodedata.normalize("NFKC", name).replace("\ufeff", "").strip()
    text = text.strip("'\"").strip()
    ascii_text = anyascii(text)
    spaced = _CAMEL_BOUNDARY.sub("_", ascii_text)
    slug = _NON_WORD.sub("_", spaced.lower()).strip("_")
    if not slug and text:
        # Signs alone ('#', '%', '€'), as reports head a count or a share: their Unicode
        # names ('number_sign', 'percent_sign', 'euro_sign').
        named = " ".join(unicodedata.name(c, "") for c in text if not c.isspace())
        slug = _NON_WORD.sub("_", named.lower()).strip("_")
    if slug and slug[0].isdigit():
        slug = f"c_{slug}"
    return slug


def dataset_slug(file_name: str) -> str:
    """A dataset name from a file name: `'BS 140513.csv'` -> `'bs-140513'`,
    `'loans_2026.csv'` -> `'loans_2026'`."""
    stem = file_name.rsplit("/", 1)[-1]
    for suffix in (".csv", ".txt", ".tsv"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    slug = _NON_SLUG.sub("-", anyascii(stem).lower()).strip("-_")[:63].rstrip("-_")
    return slug or "dataset"


def check_dataset_name(name: str) -> str:
    """Dataset names become S3 key segments: lowercase letters, digits, '-' and '_'."""
    if not _DATASET.match(name):
        raise ValueError(
            f"dataset name {name!r} is not allowed: use 1-63 lowercase letters, digits, "
            "'-' or '_', starting with a letter or digit"
        )
    return name
