"""`schema.json`: the contract Prepare hands to the privacy, training and report steps."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1"

# Logical types. Parquet storage: integer -> int64, decimal -> double, boolean -> bool,
# date -> date32, timestamp -> timestamp(us), categorical and text -> string.
TYPES = ("integer", "decimal", "boolean", "date", "timestamp", "categorical", "text")
# feature: learned by the model; identifier: high-cardinality id, never learned as a
# category (dropped or pseudonymised); dropped: not in the cleaned data at all.
ROLES = ("feature", "identifier", "dropped")
TYPE_SOURCES = ("inferred", "config")
# A code (whole numbers that are categories) with more values than this stays a number:
# TVAE gives each category an output of its own, and a category needs enough rows to be
# learned (and to survive the rare value folding).
MAX_CODE_VALUES = 250
# Durations as call logs, time sheets and race results write them (50:27:38, 1234:05):
# the pattern of each shape, Excel's for elapsed time; the column holds the whole count of
# its smallest unit. [hh] pads the first part to two digits (05:30:00), [hhh] to three.
DURATION_HMS, DURATION_HM = "[h]:mm:ss", "[h]:mm"
DURATION_FORMATS = (DURATION_HMS, DURATION_HM)
# Digits and the signs around them typed full width, as Japanese, Chinese and Korean
# input methods type them (１，２３４．５, ２０２４／０３／０５), and their ASCII twins:
# Prepare reads a column so written as numbers or dates, and the published CSV writes
# them full width again (ColumnSchema.full_width).
# A full-width form (U+FF01 to U+FF5E) is its ASCII character (U+0021 to U+007E) plus this.
FULL_WIDTH_OFFSET = 0xFEE0
ASCII_SIGNS = "0123456789.,-+:/%"
FULL_WIDTH_SIGNS = "".join(chr(ord(c) + FULL_WIDTH_OFFSET) for c in ASCII_SIGNS)
FULL_WIDTH_ZERO = chr(ord("0") + FULL_WIDTH_OFFSET)
# The Buddhist Era's years after the Gregorian ones (ColumnSchema.year_offset).
BUDDHIST_ERA_OFFSET = 543
# The digits of other scripts, by their zero, as Arabic, Persian, Urdu, Hindi, Bengali,
# Thai... spreadsheets and forms write them (١٬٢٣٤٫٥, ۱۴۰۲, १२३४): read as ASCII ones,
# written in the column's script again (ColumnSchema.digit_zero). Arabic and Persian
# write a decimal point, a digit group and a percent sign of their own (٫ ٬ ٪).
_ARABIC_SIGNS = ("٫٬٪", ".,%")
DIGIT_SCRIPTS = {
    "\u0660": _ARABIC_SIGNS,  # Arabic-Indic
    "\u06f0": _ARABIC_SIGNS,  # Persian and Urdu (extended Arabic-Indic)
    **{chr(zero): ("", "") for zero in (0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0BE6, 0x0C66)},
    **{chr(zero): ("", "") for zero in (0x0CE6, 0x0D66, 0x0E50, 0x0ED0, 0x1040, 0x17E0)},
}


def script_signs(zero: str) -> tuple[str, str]:
    """The characters a script writes for ASCII ones, and those ASCII ones: its ten
    digits (from `zero`) and its own signs (full width: every sign of ASCII_SIGNS)."""
    if zero == FULL_WIDTH_ZERO:
        return FULL_WIDTH_SIGNS, ASCII_SIGNS
    native, ascii_signs = DIGIT_SCRIPTS[zero]
    digits = "".join(chr(ord(zero) + d) for d in range(10))
    return digits + native, "0123456789" + ascii_signs


# Every script's characters and their ASCII twins, for one translation of any of them.
NATIVE_SIGNS, NATIVE_AS_ASCII = (
    "".join(pair)
    for pair in zip(*(script_signs(z) for z in (FULL_WIDTH_ZERO, *DIGIT_SCRIPTS)), strict=True)
)
# How a date's English month name may be written besides English's own
# (ColumnSchema.month_case).
MONTH_CASES = (None, "upper", "lower")
# The month names a date's text format writes for `MMMM` (and their first three letters
# for `MMM`): English, the ones Prepare reads (synthpipe.prepare._patterns).
MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)
# Full month names as other languages write them in dates (`15 mars 2024`, `15. März
# 2024`, `15 de marzo de 2024`), in each language's own case: Prepare reads dates written
# with them (ColumnSchema.month_language, month_names). The order decides a column whose
# names fit more than one language (`marzo`: es before it).
MONTH_NAMES_BY_LANGUAGE = {
    "de": (
        *("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August"),
        *("September", "Oktober", "November", "Dezember"),
    ),
    "fr": (
        *("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"),
        *("septembre", "octobre", "novembre", "décembre"),
    ),
    "es": (
        *("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto"),
        *("septiembre", "octubre", "noviembre", "diciembre"),
    ),
    "it": (
        *("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto"),
        *("settembre", "ottobre", "novembre", "dicembre"),
    ),
    "nl": (
        *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
        *("september", "oktober", "november", "december"),
    ),
    "pt": (
        *("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto"),
        *("setembro", "outubro", "novembro", "dezembro"),
    ),
}
# Their abbreviations, as Unicode CLDR writes them in dates (`15 janv. 2024`, `15 mrt
# 2024`, `15-ene-24`), and other spellings in use (German `Mrz` and `Sep`, Spanish
# `sep`), read with or without a final dot. The first of each month is written where a
# column holds no date of that month.
MONTH_ABBREVIATIONS_BY_LANGUAGE = {
    "de": (
        *("Jan.", "Feb.", "März Mär. Mrz", "Apr.", "Mai", "Juni Jun", "Juli Jul", "Aug."),
        *("Sept. Sep.", "Okt.", "Nov.", "Dez."),
    ),
    "fr": (
        *("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept."),
        *("oct.", "nov.", "déc."),
    ),
    "es": (
        *("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept sep set", "oct"),
        *("nov", "dic"),
    ),
    "it": (
        *("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov"),
        "dic",
    ),
    "nl": (
        *("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep sept", "okt"),
        *("nov", "dec"),
    ),
    "pt": (
        *("jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out."),
        *("nov.", "dez."),
    ),
}
# Weekday names, Monday first, as dates are written after them (`Tuesday, December 12,
# 2023`, Excel's en-US long date; `Dienstag, 12. Dezember 2023`; `mardi 12 décembre
# 2023`): English and the languages above. Prepare reads such dates without the weekday,
# and the published CSV writes each date's own weekday before it, spelled as the column
# spells them (ColumnSchema.weekday_names). The order decides a column whose names fit
# more than one language.
WEEKDAY_NAMES_BY_LANGUAGE = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "pt": (
        *("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira"),
        *("sábado", "domingo"),
    ),
}
# Their abbreviations, as Unicode CLDR writes them in dates (`Tue`, `Di.`, `mar.`), and
# other spellings in use (English `Tues` and `Thurs`, German `Mo` without its dot), read
# with or without a final dot; the first is written where a column holds no such day.
WEEKDAY_ABBREVIATIONS_BY_LANGUAGE = {
    "en": ("Mon", "Tue Tues", "Wed", "Thu Thur Thurs", "Fri", "Sat", "Sun"),
    "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    "it": ("lun", "mar", "mer", "gio", "ven", "sab", "dom"),
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "pt": ("seg.", "ter.", "qua.", "qui.", "sex.", "sáb.", "dom."),
}
# How inputs write a missing value, in lower case: an empty cell, R's NA, SQL's NULL,
# the \N of MySQL's, PostgreSQL's and Hive's text exports. Prepare reads them as missing;
# validation names the one spelling a file writes them all with (InputReport.null_token),
# and the published CSV writes its missing values so (DatasetSchema.null_token).
NULL_TOKENS = (
    *("", "na", "n/a", "null", "none", "nan", "#n/a", "nil", "-", "?", "missing"),
    *("\\n", "(null)", "<na>", "<null>"),
)


# The functions a column may be of another (ColumnSchema.function; computed by
# synthpipe.column_functions), by name: what a column's reason calls them.
FUNCTIONS = {
    "log": "natural log",
    "log10": "base-10 log",
    "log2": "base-2 log",
    "log1p": "log of one plus",
    "exp": "exponential",
    "square": "square",
    "sqrt": "square root",
    "linear": "linear rescaling",
}


@dataclass
class ColumnSchema:
    # The input's header text (the published CSV's header) and Prepare's normalised name
    # (the cleaned Parquet's and every later step's).
    original_name: str
    name: str
    type: str
    role: str = "feature"
    reason: str = ""
    null_count: int = 0
    distinct_count: int = 0
    # Parsing facts worth keeping: the date format found, the decimal separator.
    format: str | None = None
    # Cells that a spreadsheet would execute (=, +, -, @ first); kept as data.
    formula_like_cells: int = 0
    # Privacy action taken (drop, pseudonymise, generalise, mask, keep); see pii_actions.json.
    pii_action: str | None = None
    # Value protection (synthpipe.protection), counts only: {"rare_categories",
    # "rare_rows"} for categories folded into the rare token, {"clipped_low_rows",
    # "clipped_high_rows"} for numbers and dates clipped (synthpipe.prepare._protect).
    protection: dict[str, int] = field(default_factory=dict)
    # Where the type came from: "inferred" from the values, or "config" (the dataset
    # config forced it; nothing re-decides a forced type).
    type_source: str = "inferred"
    # Why a column of whole numbers is a code (a category), e.g. "named like a region":
    # its type is then categorical and its text is kept as written. Empty otherwise.
    code_reason: str = ""
    # Round trip to the published CSV (synthpipe.roundtrip), spellings and shapes only,
    # never a cell: a boolean's [true, false] as most often written in the input, e.g.
    # ["yes", "no"]; a date's or timestamp's written pattern (Spark's pattern letters),
    # e.g. "dd/MM/yyyy" or "yyyy-MM-dd'T'HH:mm:ss'Z'"; a duration's (an integer column):
    # one of DURATION_FORMATS, "[hh]" for a first part padded to two digits.
    true_false: list[str] | None = None
    text_format: str | None = None
    # A date column's way of writing "none" when it is a date training cannot hold
    # (e.g. "9999-12-31" for open-ended; synthpipe.prepare._transform._far_dates): the
    # cleaned data holds a null there, and the published CSV writes this text back.
    null_text: str | None = None
    # The digit-group separator of numbers the input wrote with groups (1,234.5:
    # ","; 1.234,5: "."; also a space, a no-break space or an apostrophe), written
    # back in the published CSV. None for numbers written plainly.
    grouping: str | None = None
    # Digit groups as India writes them (12,34,567.89: a group of three, then of two,
    # lakh and crore), with `grouping` ",".
    indian_grouping: bool = False
    # The most decimal places a decimal column's values have in the input (1.759: 3; a
    # forced decimal written 12: 0), a count: generate rounds the column's synthetic
    # values to them, so the published files carry the input's precision, not the
    # model's float noise (1.75929723552383); a value in exponent form counts the places
    # it has written out (R's 5e-04: 4). None (older schemas; every value in exponent
    # form, see `exponent`): unrounded.
    decimal_places: int | None = None
    # The most significant digits a decimal column's value has in the input (R writes 7:
    # 200.0126 and 157 beside 0.1234567), a count: generate rounds synthetic values to
    # them as well, so that a value of another size does not carry more digits than the
    # input's precision (1427.8405163 with places 7: 1427.841). None: not rounded so.
    significant_digits: int | None = None
    # Whether every value of a decimal column has exactly `decimal_places` places in the
    # input (12.50, 3.00): the published CSV then writes each synthetic value with that
    # many (12.50, never 12.5). False for older schemas: the shortest form.
    fixed_places: bool = False
    # Whether the input wrote a decimal column's whole values without places (11 beside
    # 9,9372, as spreadsheets export them): the published CSV writes a synthetic whole
    # value so (12, not 12,0). False for older schemas: 12.0.
    bare_wholes: bool = False
    # "E" or "e" when the input wrote every value of a decimal column in exponent form
    # (a spreadsheet's 1.23E+03, R's 1e-04): the published CSV writes each so, its
    # mantissa with at most `mantissa_places` places (exactly, with fixed_places).
    # None: plainly.
    exponent: str | None = None
    mantissa_places: int | None = None
    # Whether the input wrote numbers between -1 and 1 without their leading zero (.25,
    # -.5, as Stata and SPSS export them) and never with it: the CSV writes them so.
    bare_fractions: bool = False
    # How the input wrote the column's numbers around their digits, `{}` standing for
    # the number without its sign: "${}", "{}%", "{} €"; and its negative numbers:
    # "-${}", "({})". None: plainly (see synthpipe.prepare._units).
    number_form: str | None = None
    negative_form: str | None = None
    # A date's English month name written in capitals ("upper": 15-MAR-19, as Oracle
    # and SAS write it) or in small letters ("lower"); None: as English writes it (Mar,
    # March).
    month_case: str | None = None
    # The language of a date's month names (a key of MONTH_NAMES_BY_LANGUAGE: `15 mars
    # 2024` is "fr"); None: English. And the twelve names, January first, as the column
    # writes them (`janv.` ... `déc.`), which the published CSV writes for MMM and MMMM.
    month_language: str | None = None
    month_names: list[str] | None = None
    # A date written after its weekday's name (`Tuesday, December 12, 2023`): the seven
    # names, Monday first, as the column writes them (`Di.`, `mardi`), which the published
    # CSV writes for the text format's EEE and EEEE; None: no weekday, or English's own.
    weekday_names: list[str] | None = None
    # Cells read as missing in a column of numbers or dates because they mark a missing
    # value: punctuation alone (SAS's "."), a spreadsheet's error (#DIV/0!), "n.d."; a
    # count. The published CSV leaves those cells empty, as it does every missing value.
    missing_marks: int = 0
    # Whether the input wrote every value as Excel's text formula (="0123"), as exports
    # do to keep a code's leading zeros when a spreadsheet opens the file: Prepare reads
    # the text between the quotes, and the published CSV writes each value so again.
    excel_text: bool = False
    # Most of its cells typed their digits and signs full width (１，２３４): read as
    # ASCII ones, written full width again (FULL_WIDTH_SIGNS).
    full_width: bool = False
    # The zero of the script most of its cells typed their digits in, when not ASCII
    # (`٠` Arabic-Indic, `۰` Persian, `०` Devanagari, `０` full width): read as ASCII
    # ones, written in that script again (schema.script_signs).
    digit_zero: str | None = None
    # Years its dates wrote past the Gregorian ones: 543 for the Buddhist Era, as Thai
    # systems write dates (15/03/2567 is 15 March 2024). Read as Gregorian dates, written
    # with the offset again.
    year_offset: int = 0
    # The blank-headed first column (R's row names, pandas' index), dropped, where it
    # numbered the rows (whole numbers from this one, one per row) or named every row
    # (1): the published CSV numbers its rows from it, which tells nothing of any real
    # row, and which R needs to read them back. None: any other column.
    sequence_start: int | None = None
    # The earlier column (its name) that held the same text on every row: this one is
    # dropped from the model, and the published CSV writes that column's text here.
    copy_of: str | None = None
    # The date or timestamp column (its name) whose part this one held on every row: its
    # year, month, quarter, day, weekday, hour or period, as the datetime pattern in
    # text_format writes it (`yyyy`, `MM`, `MMM` cased by month_case, `'Q'Q`, `yyyy-MM`).
    # It is dropped from the model, and the published CSV writes that part of each
    # synthetic date here.
    derived_from: str | None = None
    # The two columns (their names) this one was the sum of on every row, missing where
    # one was: it is dropped from the model, and the published CSV writes the sum of each
    # synthetic row's two values here, in this column's form (places, groups, unit).
    sum_of: list[str] | None = None
    # The earlier column (its name) this one was a function of on every row, within the
    # rounding of the numbers as written, missing where that one was or lay outside the
    # function's domain: the function (FUNCTIONS: `log`, `square`, `linear`...) and,
    # for a linear rescaling, its slope and intercept. It is dropped
    # from the model, and the published CSV writes the function of each synthetic row's
    # value here, in this column's form.
    function_of: str | None = None
    function: str | None = None
    coefficients: list[float] | None = None
    # The two earlier columns (their names) this one was the product of, or the ratio of
    # (the first divided by the second), on every row within the rounding of the numbers
    # as written, missing where one was (or the denominator was 0): it is dropped from the
    # model, and the published CSV writes that product or ratio of each synthetic row's
    # two values here, in this column's form.
    product_of: list[str] | None = None
    ratio_of: list[str] | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            # The column's name stays out: it is the user's header, and this text can reach
            # a log (the same rule as validation's positions-only messages).
            raise ValueError(f"unknown column type {self.type!r}")
        if self.role not in ROLES:
            raise ValueError(f"unknown column role {self.role!r}")
        if self.type_source not in TYPE_SOURCES:
            raise ValueError(f"unknown column type source {self.type_source!r}")
        if self.month_case not in MONTH_CASES:
            raise ValueError(f"unknown month case {self.month_case!r}")
        if self.month_language not in (None, *MONTH_NAMES_BY_LANGUAGE):
            raise ValueError(f"unknown month language {self.month_language!r}")
        if self.month_names is not None and len(self.month_names) != 12:
            raise ValueError("month_names must name twelve months")
        if self.weekday_names is not None and len(self.weekday_names) != 7:
            raise ValueError("weekday_names must name seven days")
        if self.sum_of is not None and (
            len(self.sum_of) != 2 or self.type not in ("integer", "decimal")
        ):
            raise ValueError("a sum is a number of two columns")
        for operands in (self.product_of, self.ratio_of):
            if operands is not None and (
                len(operands) != 2 or self.type not in ("integer", "decimal")
            ):
                raise ValueError("a product or a ratio is a number of two columns")
        if self.year_offset not in (0, BUDDHIST_ERA_OFFSET):
            raise ValueError("year_offset is 0 or the Buddhist Era's 543")
        if self.digit_zero not in (None, FULL_WIDTH_ZERO, *DIGIT_SCRIPTS):
            raise ValueError("digit_zero is the zero of a script that Prepare reads")
        if self.derived_from is not None and not self.text_format:
            raise ValueError("a column derived from a date needs the part's text_format")
        if self.function_of is not None and self.function not in FUNCTIONS:
            raise ValueError(f"unknown function {self.function!r}")
        if (self.function == "linear") != (self.coefficients is not None) or (
            self.coefficients is not None and len(self.coefficients) != 2
        ):
            raise ValueError("a linear rescaling, and only one, has a slope and an intercept")

    def written_from_others(self) -> bool:
        """Whether the published CSV writes this column from other columns' synthetic
        values: a copy, a date's part, a sum, a function, a product or a ratio."""
        derived = self.copy_of or self.derived_from or self.function_of
        return bool(derived or self.sum_of or self.product_of or self.ratio_of)


@dataclass
class DatasetSchema:
    dataset: str
    run_id: str
    columns: list[ColumnSchema]
    input_rows: int = 0
    rows: int = 0
    duplicate_rows_dropped: int = 0
    encoding: str = ""
    delimiter: str = ""
    # How the input wrote every missing value, when one spelling wrote them all (R's
    # `NA`, MySQL's `\N`, `NULL`: InputReport.null_token); the published CSV writes its
    # missing values, and the cells of columns without synthetic values, so. "": empty.
    null_token: str = ""
    # Excel's hint of the delimiter (`sep=;`) that the input's first line held, written
    # again above the published CSV's header. "": none.
    separator_line: str = ""
    # The input's header named every column but the first, its row names (R's
    # write.table); the published CSV's header leaves that blank name out again.
    unnamed_row_names: bool = False
    version: str = SCHEMA_VERSION
    notes: list[str] = field(default_factory=list)
    # The value protection applied (synthpipe.protection.ValueProtection.to_dict()).
    value_protection: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> ColumnSchema:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def kept(self) -> list[ColumnSchema]:
        """Columns present in the cleaned Parquet."""
        return [c for c in self.columns if c.role != "dropped"]

    def features(self) -> list[ColumnSchema]:
        return [c for c in self.columns if c.role == "feature"]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetSchema:
        data = dict(data)
        columns = [ColumnSchema(**c) for c in data.pop("columns")]
        return cls(columns=columns, **data)

    @classmethod
    def from_json(cls, text: str) -> DatasetSchema:
        return cls.from_dict(json.loads(text))
