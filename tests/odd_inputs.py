"""The catalogue of odd but valid inputs: validation accepts each one
(tests/test_validate.py), and each one round-trips to the published CSV
(tests/test_roundtrip.py). Name -> (file bytes, what makes it odd)."""

from __future__ import annotations

import datetime as dt
import math
import re
import struct

# Digits and their signs typed full width (１，２３４．５), not the CSV's own commas.
_FULL_WIDTH = str.maketrans("0123456789.,:/%", "０１２３４５６７８９．，：／％")
# Arabic-Indic digits with Arabic's decimal point, digit group and percent sign
# (١٬٢٣٤٫٥), Persian digits (۱۲۳), Devanagari ones (१२३).
_ARABIC = str.maketrans("0123456789.,%", "٠١٢٣٤٥٦٧٨٩٫٬٪")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
_CARS = ("Coupe", "Sedan", "Wagon", "Hatchback")


def _units_row(i: int) -> str:
    """A bank export's row: groups of a decimal comma, a currency after or before, a
    percentage; every third row's movements are negative (in parentheses, after $, or
    followed by a minus)."""
    negative = i % 3 == 0
    balance = f"{i * 1037 % 9000 + 100:,}".replace(",", ".") + f",{i % 100:02d} €"
    cents = f"{i % 100:02d}"
    movement = f"({i * 3 % 50},{cents})" if negative else f"{i * 3 % 50},{cents}"
    dollars = f"$-{i},{cents}" if negative else f"${i},{cents}"
    sap = f"{i * 13},{cents}-" if negative else f"{i * 13},{cents}"
    return f"K{i};{balance};{i % 7},{i % 10}%;{movement};{i % 9 + 1},50 EUR;{dollars};{sap}\n"


def _nordic_row(i: int) -> str:
    """A Swedish bank export's row, as a locale-aware formatter writes numbers: digit
    groups of a no-break space, a decimal comma, and the minus sign U+2212 (every third
    row negative), a percentage after a space."""
    sign = "\u2212" if i % 3 == 0 else ""
    balance = f"{i * 1037 % 9000 + 100:,}".replace(",", "\u00a0") + f",{i % 100:02d}"
    return f"K{i};{sign}{balance};{sign}{i % 7},{i % 10} %;{sign}{i * 3} kr\n"


def _quarter_end(year: int, quarter: int) -> dt.date:
    following = dt.date(year + (quarter == 3), (quarter + 1) % 4 * 3 + 1, 1)
    return following - dt.timedelta(days=1)


def _period_row(i: int) -> str:
    """Month i (from June 2019), written eight ways, a fiscal year that reads as a month
    too (2009-10: October 2009), quarter i (from 2000Q1) three ways, and ISO week i (from
    2020-W49, through 2020's week 53) two ways."""
    month = dt.date(2019 + (i + 5) // 12, (i + 5) % 12 + 1, 1)
    fiscal = ("2009-10", "2010-11", "2011-12")[i % 3]
    sas = f"{month:%b%Y}".upper()
    written = f"{month:%Y-%m};{month:%m/%Y};{month:%b %Y};{sas};{month:%B %Y};{month:%YM%m}"
    written += f";{month:%b-%y};" + f"{month:%b%y}".upper()
    year, quarter = 2000 + i // 4, i % 4 + 1
    week = dt.date(2020, 11, 30) + dt.timedelta(weeks=i)
    weeks = f"{week:%G-W%V};{week:%GW%V}"
    return f"{written};{fiscal};{year}Q{quarter};{year}-Q{quarter};Q{quarter} {year};{weeks};{i}\n"


def _other_period_row(i: int) -> str:
    """Month i (from June 2019) without a day, with its name in French, German, Spanish
    (with `de`), French abbreviated, Dutch abbreviated after a dash, and Spanish
    abbreviated in a spreadsheet's mmm-yy form; a column that mixes French and German
    names (text)."""
    month, year = (i + 5) % 12, 2019 + (i + 5) // 12
    name = {language: names.split()[month] for language, names in _OTHER_MONTHS.items()}
    short = {lang: names.split()[month] for lang, names in _OTHER_SHORT_MONTHS.items()}
    mixed = name["fr"] if i % 2 else name["de"]
    return (
        f"{name['fr']} {year};{name['de']} {year};{name['es']} de {year};"
        f"{short['fr']} {year};{short['nl']}-{year};{short['es']}-{year % 100:02d};"
        f"{mixed} {year};{i * 3 % 7}\n"
    )


def _note(i: int) -> str:
    """A short note; every seventh holds a line break."""
    return f"Kasse {i % 3}\r\ngeprüft" if i % 7 == 0 else f"Kasse {i % 3}"


def _excel_text_row(i: int) -> str:
    """An export that writes values as Excel's text formula to keep leading zeros: raw
    (="02134"), quoted as a CSV writer quotes it (the cell ="000123" in quotes, its own
    quotes doubled), around numbers, and on some values of a column only."""
    some = f'="{i % 6:04d}"' if i % 2 else str(1000 + i % 6)
    quoted = '"=""' + f"{i % 9:06d}" + '"""'
    numbers = f'="{i % 5 + 1}",="{i % 8}.{i % 10}0"'
    return f'S{i % 4},="{i % 7:05d}",{quoted},{numbers},{some}\n'


def _r_row(i: int) -> str:
    """A row as R's write.csv writes it: text quoted, NA for every missing value."""
    group = "NA" if i % 4 == 0 else f'"{"abc"[i % 3]}"'
    score = "NA" if i % 5 == 0 else f"{i * 0.37:.2f}"
    day = "NA" if i % 6 == 0 else f"2024-01-{i % 28 + 1:02d}"
    return f'"P{i % 9}",{group},{score},{i % 4},{day}\n'


def _mysql_row(i: int) -> str:
    """A row of MySQL's SELECT ... INTO OUTFILE: tab-separated, NULL written \\N."""
    amount = "\\N" if i % 4 == 0 else f"{i * 1.5:.1f}"
    note = "\\N" if i % 3 == 0 else "xyz"[i % 3]
    return f"{i % 5}\t{amount}\t{note}\n"


_MONTH = ["January", "February", "March", "April", "May", "June", "July", "August"]
_MONTH += ["September", "October", "November", "December"]
_MON = [name[:3] for name in _MONTH]


def _dates_row(i: int) -> str:
    """Each column's dates span under 20 years, or reach the future: past dates over
    decades are dates of birth, generalised to age bands (pii.columns)."""
    day, month = (i % 28) + 1, i % 12
    return (
        f'{day:02d}-{_MON[month]}-2019,"{_MON[month]} {day}, 2020",'
        f"{day:02d}.{month + 1:02d}.{(i * 7) % 100:02d},{day} {_MONTH[month]} 2021,"
        f"{day:02d}-{_MON[month]}-{i:02d},{day:02d}-{_MON[month].upper()}-{i % 10 + 85},"
        f"{day:02d}{_MON[month].upper()}{2005 + i % 15},"
        f"{day:02d}{_MON[month].upper()}2024:{i % 24:02d}:{i:02d}:{59 - i:02d}\n"
    )


_OTHER_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
}


# Abbreviations as Unicode CLDR writes them in French and Dutch dates, and Spanish ones
# (CLDR's es_MX) in a spreadsheet's d-mmm-yy form.
_OTHER_SHORT_MONTHS = {
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
    "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec",
    "es": "ene feb mar abr may jun jul ago sep oct nov dic",
}


def _other_dates_row(i: int) -> str:
    """Dates with month names in other languages, as each writes them (a dot after the
    day in German, `de` in Spanish and Portuguese), in capitals, with a capital first,
    abbreviated (a two-digit year in a spreadsheet's d-mmm-yy form), and a column that mixes two
    languages (text). The abbreviated columns lack March, whose names they write as the
    language does."""
    day, month = (i % 28) + 1, i % 12
    name = {language: names.split()[month] for language, names in _OTHER_MONTHS.items()}
    short_month = 3 if month == 2 else month
    short = {lang: names.split()[short_month] for lang, names in _OTHER_SHORT_MONTHS.items()}
    return (
        f"{day} {name['fr']} 2024;{day:02d}. {name['de']} 2025;{day} de {name['es']} de 2023;"
        f"{day} {name['it']} 2022;{day} {name['nl']} 2024;{day} de {name['pt']} de 2021;"
        f"{day} de {name['es'].capitalize()} de 2024;{day} {name['fr'].upper()} 2020;"
        f"{day} {name['fr'] if i % 2 else name['de']} 2024;{day} {short['fr']} 2024;"
        f"{day:02d} {short['nl']} 2023;{day:02d}-{short['es']}-{i % 5 + 20};{i},5\n"
    )


def _weekday_row(i: int) -> str:
    """Dates written after their weekday: Excel's en-US long date, an abbreviated English
    weekday before a date and before a timestamp, in capitals, a German and a French long
    date, Spanish abbreviations with their own name for Wednesday (mié)."""
    day = dt.date(2024, 1, 1) + dt.timedelta(days=i * 5)
    wd, month = day.weekday(), day.month - 1
    en = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[wd]
    months = [dt.date(2024, m, 1).strftime("%B") for m in range(1, 13)]
    de_day = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
    fr_day = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
    es_day = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")
    de, fr = _OTHER_MONTHS["de"].split()[month], _OTHER_MONTHS["fr"].split()[month]
    return (
        f"{en}, {months[month]} {day.day}, {day.year};{en[:3]}, {day.day:02d} "
        f"{months[month][:3]} {day.year};{en[:3]} {day.month:02d}/{day.day:02d}/{day.year} "
        f"{i % 24:02d}:{i * 7 % 60:02d};{en[:3].upper()}, {day.day:02d}-"
        f"{months[month][:3].upper()}-{day.year};{de_day[wd]}, {day.day}. {de} {day.year};"
        f"{fr_day[wd]} {day.day} {fr} {day.year};{es_day[wd]} {day.day:02d}/{day.month:02d}"
        f"/{day.year};{i}\n"
    )


def _internet_row(i: int) -> str:
    """Timestamps as e-mail headers (RFC 2822: `Tue, 05 Mar 2024 09:00:00 +0000`), HTTP's
    Last-Modified (`... GMT`) and a feed without the weekday (`5 Mar 2024 ...`) write
    them; comma-separated, so the cells with commas are quoted."""
    stamp = dt.datetime(2024, 1, 1, 0, 0, 0) + dt.timedelta(days=i * 3, seconds=i * 4_007)
    imf = stamp.strftime("%a, %d %b %Y %H:%M:%S")
    bare = f"{stamp.day} " + stamp.strftime("%b %Y %H:%M:%S")
    return f'"{imf} +0000","{imf} GMT",{bare} +0000,{i * 37 % 11}\n'


def _database_row(i: int) -> str:
    """Timestamps as databases export them: BigQuery (` UTC`), PostgreSQL's timestamptz
    (`+00`), SQL Server's datetimeoffset (7 decimals, the last 4 zeros as getdate()'s
    milliseconds write them: Spark keeps microseconds), Java's `+0000`, and Oracle's
    TIMESTAMP as SQL Developer exports it (`22-JAN-24 11.05.49.000007 PM`)."""
    stamp = dt.datetime(2024, 1, 1, 0, 0, 0) + dt.timedelta(days=i * 3, seconds=i * 4_007)
    iso = stamp.strftime("%Y-%m-%d %H:%M:%S")
    java = stamp.strftime("%Y-%m-%dT%H:%M:%S") + f".{i * 7 % 1000:03d}+0000"
    oracle = stamp.strftime("%d-%b-%y %I.%M.%S").upper() + f".{i * 7:06d} " + stamp.strftime("%p")
    return f"{iso} UTC,{iso}+00,{iso}.{i * 7 % 1000:03d}0000 +00:00,{java},{oracle},{i * 37 % 11}\n"


def _clock_row(i: int) -> str:
    """Dates with an English month's name, then a time, as spreadsheets and reports write
    them: 24-hour, with seconds, on a 12-hour clock, after a comma; a column whose times
    mix both clocks stays text (and, one value per row, is dropped as a key)."""
    stamp = dt.datetime(2024, 1, 1, 0, 0, 0) + dt.timedelta(days=i * 3, seconds=i * 4_007)
    twelve = stamp.strftime("%I:%M %p")
    mixed = twelve if i % 2 else stamp.strftime("%H:%M")
    return (
        f"{stamp:%d %b %Y %H:%M};{stamp:%d-%b-%Y %H:%M:%S};{stamp:%b %d, %Y} {twelve};"
        f"{stamp:%B} {stamp.day}, {stamp.year}, {twelve};{stamp:%d %b %Y} {mixed};{i * 37 % 11}\n"
    )


def _compact_row(i: int) -> str:
    """Dates and timestamps written as one number, as core banking exports write them
    (20240315, 20240315143000), a two-digit year under a date's name (050315: 2005); six
    and eight digits that are no dates, or are not under a date's name, stay numbers.
    99991231 stands for "open-ended" where ten rows write it; written by one row, it
    leaves its column a number."""
    day, month = (i % 28) + 1, i % 12 + 1
    open_ended = "99991231" if i % 3 == 0 else f"{2025 + i % 5}{month:02d}{day:02d}"
    ended = "99991231" if i == 7 else f"{2025 + i % 5}{month:02d}{day:02d}"
    return (
        f"{2010 + i % 15}{month:02d}{day:02d};{i % 20:02d}{month:02d}{day:02d};"
        f"{2024}{month:02d}{day:02d}{i % 24:02d}{i % 60:02d}{59 - i:02d};"
        f"{10000000 + i * 7919};{i % 20 + 10}{month:02d}{day:02d};{open_ended};{ended}\n"
    )


def _lakh(number: int) -> str:
    """12,34,567: a comma before each pair of digits that has a pair count and three
    digits after it (Python's format groups in thousands only)."""
    return re.sub(r"(\d)(?=(\d{2})*\d{3}$)", r"\1,", str(number))


def _date_parts_row(i: int) -> str:
    """An export's order with its date's parts beside it, each written its own way, and
    two columns that are no part: a fiscal year (from July) and a month left out once."""
    day = dt.date(2021, 1, 4) + dt.timedelta(days=i * 23)
    stamp = dt.datetime(2021, 1, 4, 6) + dt.timedelta(days=i * 5, hours=i * 7)
    month = "" if i == 11 else str(day.month)
    fiscal = day.year + (day.month >= 7)
    week = day.isocalendar()
    billed = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    parts = (
        f"{day:%d/%m/%Y}",
        f"{day.year}",
        f"{day:%b}".upper(),
        f"{day:%B}",
        f"Q{(day.month - 1) // 3 + 1}",
        f"{day:%d}",
        f"{day:%a}",
        month,
        f"{fiscal}",
        f"{stamp:%Y-%m-%d %H:%M}",
        f"{stamp.hour}",
        f"{day:%Y-%m}",
        f"{week[0]}-W{week[1]:02d}",
        f"{billed:%Y-%m}",
        f"{i * 37 % 500 + 10}",
    )
    return ",".join(parts) + "\n"


def _totals_row(i: int) -> str:
    """A loan book's row with totals beside their parts: a payment of principal and
    interest (money, two places), a balance before a payment (after it, plus the amount),
    visits missing where a part is; and fees whose total is off by one on one row."""
    principal, interest = round(100 + i * 13.37 % 250, 2), round(i * 7.11 % 40 + 0.5, 2)
    before, amount = 1000 + i * 91, i * 7 % 20 + 1
    fee_1, fee_2 = i % 5 + 1, i % 3 + 1
    visits_a, visits_b = ("" if i == 9 else i % 4 + 1), i % 6 + 1
    visits = "" if i == 9 else visits_a + visits_b
    return (
        f"{principal:.2f};{interest:.2f};{principal + interest:.2f};{before};{amount};"
        f"{before - amount};{fee_1};{fee_2};{fee_1 + fee_2 + (i == 17)};{visits_a};"
        f"{visits_b};{visits}\n"
    )


def _functions_row(i: int) -> str:
    """A survey's row with functions of its numbers beside them, as econometrics tables
    write them: the log of an income (to 4 places, and as float32 wrote it), the square
    of a count, a z-score, centimetres in inches, a log missing where the debt is 0; and
    a square off by one on one row, and a flag times four (two values: no function)."""
    income = round(800 + i * 137.31 % 4000, 2)
    float32 = struct.unpack("f", struct.pack("f", math.log(income)))[0]
    years, score, cm = i % 25 + 1, round(20 + i * 3.7 % 60, 1), 150 + i * 7 % 23
    debt = 0 if i % 4 == 0 else i * 211 % 5000 + 100
    log_debt = f"{math.log(debt):.3f}" if debt else ""
    return (
        f"{income:.2f},{math.log(income):.4f},{float32!r},{years},{years**2},"
        f"{years**2 + (i == 17)},{score:.1f},{(score - 50) / 10:.2f},{cm},{cm / 2.54:.1f},"
        f"{debt},{log_debt},{i % 2},{i % 2 * 4}\n"
    )


def _products_row(i: int) -> str:
    """An order line's amount, its quantity times its unit price; the ratio of two counts
    (to 3 places); spend per visit, missing where there was no visit; an hourly rate,
    earnings over hours, and its log; and an amount off by 5 cents on one row (no
    product, and beyond the rounding of a copy)."""
    quantity, price = i % 7 + 1, round(3.5 + i * 1.37 % 40, 2)
    males, females = 500 + i * 37 % 300, 480 + i * 29 % 310
    visits, spend = i % 5, round(20 + i * 11.3 % 300, 2)
    per_visit = f"{spend / visits:.2f}" if visits else ""
    off = quantity * price + (0.05 if i == 11 else 0)
    hours, rate = 30 + i % 9, round(12 + i * 0.73 % 20, 2)
    return (
        f"{quantity};{price:.2f};{quantity * price:.2f};{off:.2f};{males};{females};"
        f"{males / females:.3f};{visits};{spend:.2f};{per_visit};{hours};{hours * rate:.2f};"
        f"{rate:.2f};{math.log(rate):.4f}\n"
    )


def _marks_row(i: int) -> str:
    """SAS's missing "." in numbers and dates, a spreadsheet's #DIV/0!, Eurostat's ":";
    stars that are a rating, not marks."""
    income = "." if i % 5 == 0 else f"{i * 1234 % 9000 + 500}.{i % 100:02d}"
    # Visits over 15 years: dates over decades, all past, would be dates of birth.
    visited = "." if i % 7 == 0 else f"{(i % 28) + 1:02d}{_MON[i % 12].upper()}{1996 + i % 15}"
    ratio = "#DIV/0!" if i % 6 == 0 else f"{i % 9}.{i % 4}"
    count = ":" if i % 8 == 0 else str(i % 11)
    return f"{income},{visited},{ratio},{count},{'*' * (i % 3 + 1)}\n"


ODD_INPUTS: dict[str, tuple[bytes, str]] = {
    "plain": (b"Customer Id,Amount\n1,2.5\n2,3\n", "names with spaces and capitals"),
    "semicolon_decimal_comma": (
        b"montant;taux;ville\n1,5;2,3;Paris\n10,25;0,5;Lyon\n",
        "semicolons and decimal commas",
    ),
    "cp1252": ("Name;Café\nMüller;1,5\n€uro;2\n".encode("cp1252"), "cp1252 bytes"),
    "latin1": (b"name;caf\xe9\nM\xfcller\x81;1\nZo\xe9;2\n", "latin-1 bytes cp1252 lacks"),
    "cp1251": (
        (
            "Город;Отдел;Сумма\nМосква;Кредиты;1,5\nСанкт-Петербург;Вклады;2\n"
            "Новосибирск;Кредиты;3,25\nЕкатеринбург;Вклады;4\n"
        ).encode("cp1251"),
        "windows-1251 bytes (Cyrillic), which validation names",
    ),
    "cp1255": (
        (
            "עיר;מחלקה;סכום\nתל אביב;הלוואות;1.5\nירושלים;פיקדונות;2\n"
            "חיפה;הלוואות;3.25\nבאר שבע;פיקדונות;4\n"
        ).encode("cp1255"),
        "windows-1255 bytes (Hebrew), read as Cyrillic before stop 48",
    ),
    "cp874": (
        (
            "เมือง;แผนก;จำนวน\nกรุงเทพมหานคร;สินเชื่อ;1.5\nเชียงใหม่;เงินฝาก;2\n"
            "ภูเก็ต;สินเชื่อ;3.25\nขอนแก่น;เงินฝาก;4\n"
        ).encode("cp874"),
        "windows-874 bytes (Thai), read as cp1252 before stop 48",
    ),
    "utf8_bom_crlf": ("\ufeffid,prénom\r\n1,Zoé\r\n2,Ana\r\n".encode(), "BOM and CRLF"),
    "tab_commas_in_values": (b"id\tamount\tnote\n1\t1,5\ta, b\n2\t3\tc\n", "tabs"),
    "pipe": (b"id|name|amount\n1|Smith, John|3,50\n2|Doe; Jane|4\n", "pipes"),
    "single_spaces": (
        b'"id" "status" "amount" "visited"\n1 "on time" 3.5 2024-01-02\n'
        b'2 "late" 4 2024-02-03\n3 "late by far" 12.25 2024-03-04\n',
        "one space between fields, text quoted: R's write.table without row names",
    ),
    "quoted_other_delimiters": (b'"a;b","c|d"\n"1;2","3\t4"\n"5;6","7|8"\n', "quoted names"),
    "quoted_newlines": (
        b'id,address\r\n1,"1 rue X\r\n75001 Paris"\r\n2,"plain"\r\n3,"a\nb\nc"\r\n',
        "line breaks inside quoted fields",
    ),
    "formula_like": (
        b'id,formula,phone,handle\n1,=SUM(A1),+33 6 12,@x\n2,"=1+2",-5,@y\n',
        "cells a spreadsheet would execute",
    ),
    "decimal_places": (
        b"Artikel;Preis;Gewicht\nA;12.;1,759\nB;7.;12,5\nC;150.;3\n",
        "whole numbers written with a decimal point (12.); from no decimal places to three",
    ),
    "mixed_type": (b"id,value\n1,42\n2,abc\n3,2024-01-01\n4,\n5,3.5\n", "a mixed column"),
    "typed_vocabularies": (
        (
            "Kunde Nr;Aktiv;Flag;Paid;Ja/Nein;Bit;Count;Eröffnet;Stamp;Betrag\n"
            + "".join(
                f"{i};{'yes' if i % 3 else 'no'};{'Y' if i % 2 else 'N'};"
                f"{'TRUE' if i % 4 else 'FALSE'};{'Ja' if i % 5 else 'Nein'};{i % 2};"
                f"{'NA' if i % 7 == 0 else i % 9};{(i % 28) + 1:02d}.{(i % 12) + 1:02d}.2024;"
                f"2024-03-{(i % 28) + 1:02d}T{i % 24:02d}:15:00Z;{i},{i % 100:02d}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "yes/no, Y/N, TRUE/FALSE, Ja/Nein, 1/0 as text, integers with NA, dd.MM.yyyy "
        "dates, ISO timestamps with Z, decimal commas",
    ),
    "open_ended_dates": (
        (
            "contract;valid_from;valid_to;ended\n"
            + "".join(
                f"K{i};{(i % 28) + 1:02d}.{(i % 12) + 1:02d}.2019;"
                + ("31.12.9999" if i % 3 else f"{(i % 28) + 1:02d}.06.2023")
                + f";{'ja' if i % 3 == 0 else 'nein'}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "'open-ended' written as the far date 31.12.9999, which training's datetimes cannot hold",
    ),
    "digit_groups_us": (
        (
            "Account Balance,Units,Rate\n"
            + "".join(
                f'"{(i * 7919.37) % 2_000_000:,.2f}","{(i % 10) * 1543:,}",{i % 9}.{i % 7}\n'
                for i in range(1, 31)
            )
        ).encode(),
        "numbers with digit groups as a spreadsheet exports them (1,234,567.89), quoted; "
        "whole numbers 1,500 in a comma-separated file",
    ),
    "digit_groups_eu": (
        (
            "Saldo;Stück;Montant\n"
            + "".join(
                f"{f'{(i * 7919.37) % 2_000_000:,.2f}'.translate(str.maketrans(',.', '.,'))};"
                f"{f'{(i % 10) * 1_543_001:,}'.replace(',', '.')};"
                f"{f'{(i * 917.5) % 90_000:,.1f}'.replace(',', chr(0xA0)).replace('.', ',')}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "1.234.567,89 (DE), 1 234,5 with a no-break space (FR), in a semicolon file",
    ),
    "digit_groups_in": (
        (
            "Account,Balance (INR),Credit Limit,Branch\n"
            + "".join(
                f'A{i},"{_lakh(i * 7_919_371 % 90_000_000)}.{i % 100:02d}",'
                f'"{_lakh((i % 10) * 1_54_301)}",B{i % 4}\n'
                for i in range(1, 31)
            )
        ).encode(),
        "India's lakh and crore (12,34,567.89; 1,54,301), quoted in a comma-separated file",
    ),
    "spreadsheet_datetimes": (
        (
            "Gebucht;Uhrzeit US;Datum JP;Datum HU;Betrag\n"
            + "".join(
                f"{(i % 28) + 1:02d}.{(i % 12) + 1:02d}.2024 {i % 24:02d}:{i % 60:02d};"
                f"{(i % 12) + 1}/{(i % 28) + 1}/2023 {i % 24}:{(7 * i) % 60:02d}:{i % 60:02d};"
                f"2024/{(i % 12) + 1:02d}/{(i % 28) + 1:02d};"
                f"2022.{(i % 12) + 1}.{(i % 28) + 1};{i},5\n"
                for i in range(1, 31)
            )
        ).encode(),
        "date-times as spreadsheets write them (31.12.2024 14:30, 12/31/2023 9:05:59), "
        "year-first dates with slashes and dots (2024/12/31, 2022.1.5)",
    ),
    "numbers_with_units": (
        (
            "Konto;Saldo;Zins;Bewegung;Gebühr;Betrag USD;Buchung\n"
            + "".join(_units_row(i) for i in range(1, 31))
        ).encode("cp1252"),
        "amounts with a currency before or after, percentages, negatives in parentheses "
        "or after the currency sign, digit groups, in cp1252",
    ),
    "nordic_minus": (
        (
            "Konto;Saldo;Förändring;Avgift\n" + "".join(_nordic_row(i) for i in range(1, 31))
        ).encode(),
        "negative numbers with the minus sign U+2212 and digit groups of a no-break space, "
        "as Swedish and other locales' number formats write them",
    ),
    "excel_text": (
        (
            "store,zip,sku,qty,price,ref\n" + "".join(_excel_text_row(i) for i in range(1, 31))
        ).encode(),
        'values written as Excel\'s text formula (="02134") to keep leading zeros, raw and '
        "CSV-quoted, around codes and numbers, and on some values of a column only",
    ),
    "r_missing_na": (
        (
            '"site","group","score","visits","day"\n' + "".join(_r_row(i) for i in range(1, 31))
        ).encode(),
        "missing values written NA in every column, as R's write.csv writes them",
    ),
    "r_row_names": (
        (
            '"","site","score","visits"\n'
            + "".join(f'"{i}","P{i % 9}",{i * 0.37:.2f},{i % 4}\n' for i in range(1, 31))
        ).encode(),
        "R's write.csv with its row names: a first column under a blank header",
    ),
    "r_write_table_row_names": (
        (
            '"site" "score" "visits"\n'
            + "".join(f'"{i}" "P{i % 9}" {i * 0.37:.2f} {i % 4}\n' for i in range(1, 31))
        ).encode(),
        "R's write.table with its defaults: one space between fields, text quoted, and row "
        "names that the header has no name for",
    ),
    "tab_named_row_names": (
        (
            "price\tmpg\tweight\n"
            + "".join(
                f'"Model {i:02d} {_CARS[i % 4]}"\t{9000 + i * 417 % 3000}\t{12 + i % 25}'
                f"\t{2.1 + i * 0.037:.3f}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "tab-separated with R's row names (car models) that the header has no name for",
    ),
    "trailing_delimiter_rows": (
        (
            "Filiale;Betrag;Datum\r\n"
            + "".join(
                f"F{i % 6};{i * 7},{i % 10}0;{i % 28 + 1:02d}.04.2024;\r\n" for i in range(1, 31)
            )
        ).encode("cp1252"),
        "a delimiter at the end of every row but not of the header, as some bank exports write",
    ),
    "spreadsheet_empty_columns": (
        (
            "Region,Units,Price,,,\r\n"
            + "".join(f"R{i % 5},{i % 9 + 1},{i * 3}.5,,,\r\n" for i in range(1, 31))
        ).encode(),
        "a spreadsheet's unnamed, empty columns past the table on every line, the header's too",
    ),
    "repeated_names": (
        (
            "Region;Betrag;region;BETRAG;Betrag\n"
            + "".join(
                f"R{i % 4};{i * 3},{i % 10}5;{'NSEW'[i % 4]}{i % 3};{i % 7 + 1};{i * 11 % 97},5\n"
                for i in range(1, 31)
            )
        ).encode(),
        "names that repeat once normalised (Region, region) and as written (Betrag twice)",
    ),
    "mysql_null": (
        ("shop\tamount\tnote\n" + "".join(_mysql_row(i) for i in range(1, 31))).encode(),
        "NULL written \\N, tab-separated, as MySQL's SELECT ... INTO OUTFILE writes it",
    ),
    "named_dates": (
        (
            "opened,closed,due,signed,valid,booked,settled,posted\n"
            + "".join(_dates_row(i) for i in range(1, 31))
        ).encode(),
        "dates with English month names (15-Mar-2019, Mar 15, 2020, 15 March 2021), "
        "two-digit years (31.12.85, 15-Mar-07), and month names in capitals as Oracle "
        "(15-MAR-85) and SAS (15MAR2019, 15MAR2024:14:30:00) export them",
    ),
    "other_language_dates": (
        (
            "date_fr;Datum;fecha;data;datum_nl;data_pt;fecha_titulo;date_maj;gemischt;"
            "date_courte;datum_kort;fecha_excel;montant\n"
            + "".join(_other_dates_row(i) for i in range(1, 31))
        ).encode(),
        "dates with month names in French, German, Spanish, Italian, Dutch and Portuguese "
        "(15 mars 2024, 15. März 2024, 15 de marzo de 2024), in capitals and with a "
        "capital first, abbreviated (15 janv. 2024, 15 mrt 2023, 15-ene-24); a column "
        "mixing two languages stays text",
    ),
    "weekday_dates": (
        (
            "long_date;sent;logged;posted;Datum;date_longue;fecha;n\n"
            + "".join(_weekday_row(i) for i in range(1, 31))
        ).encode(),
        "dates written after their weekday's name: Excel's long date (Tuesday, March 5, "
        "2024), Tue, 05 Mar 2024, before a timestamp, in capitals, in German, French and "
        "Spanish (Dienstag, 5. März 2024; mardi 5 mars 2024; mar 05/03/2024)",
    ),
    "internet_timestamps": (
        (
            "received,last_modified,pub_date,n\n" + "".join(_internet_row(i) for i in range(1, 31))
        ).encode(),
        "timestamps as e-mail (Tue, 05 Mar 2024 09:00:00 +0000), HTTP (... GMT) and feeds "
        "(5 Mar 2024 09:00:00 +0000) write them",
    ),
    "database_timestamps": (
        (
            "bigquery,postgres,sqlserver,java,oracle,n\n"
            + "".join(_database_row(i) for i in range(1, 31))
        ).encode(),
        "timestamps with their zone as BigQuery (2024-03-05 09:00:00 UTC), PostgreSQL "
        "(+00), SQL Server (.1234567 +00:00), Java (+0000) and Oracle (22-JAN-24 "
        "11.05.49.000000 PM) export them",
    ),
    "dates_with_times": (
        (
            "opened;closed;reported;resolved;mixed;n\n"
            + "".join(_clock_row(i) for i in range(1, 31))
        ).encode(),
        "dates with a month's name, then a time (05 Jan 2024 09:05, 05-Jan-2024 09:05:00, "
        "Jan 05, 2024 09:05 AM, January 5, 2024, 09:05 AM); one mixing two clocks stays text",
    ),
    "year_first_datetimes": (
        (
            "date,temp,logged\n"
            + "".join(
                f"2010/{i % 12 + 1:02d}/{i % 28 + 1:02d} {i % 24:02d}:00,{i % 17 + 30}.{i % 10},"
                f"2011.{i % 9 + 1}.{i % 27 + 1} {i % 12}:{i % 60:02d}:{i * 7 % 60:02d}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "year-first dates with a time (2010/01/01 00:00, 2011.1.5 3:04:05), as Japanese and "
        "Chinese systems and vega's hourly weather export them",
    ),
    "series_calendar": (
        (
            "quarter,gdp\n"
            + "".join(
                f"{_quarter_end(1990 + i // 4, i % 4):%d/%m/%Y},{1000 + i * 7 + i % 5 * 3}.5\n"
                for i in range(120)
            )
        ).encode(),
        "a quarterly series over 30 years: past dates over decades, as dates of birth are, "
        "but a calendar (every quarter's end, once each); kept as dates, not age bands",
    ),
    "month_periods": (
        (
            "ym_iso;ym_slash;mon_year;mon_year_sas;month_year;ym_eurostat;mon_yy;mon_yy_sas;fiscal;"
            "quarter;quarter_dash;quarter_first;week_iso;week_basic;n\n"
            + "".join(_period_row(i) for i in range(30))
        ).encode(),
        "months without a day, as periods are written (2019-06, 06/2019, Jun 2019, JUN2019, "
        "June 2019, 2019M06, Excel's Jun-19, SAS's JUN19), quarters (2000Q1, 2000-Q1, Q1 "
        "2000) and ISO weeks (2020-W53, 2020W53): dates written back so; fiscal years "
        "(2011-12) stay text",
    ),
    "other_language_periods": (
        (
            "periode;Monat;mes;mois_court;maand;mes_excel;gemischt;n\n"
            + "".join(_other_period_row(i) for i in range(30))
        ).encode(),
        "months without a day named in other languages, as periods are written (juin "
        "2019, Juni 2019, junio de 2019, janv. 2019, jun-2019, jun-19): dates written back so; "
        "a column mixing two languages stays text",
    ),
    "copied_columns": (
        (
            "price1,price2,paid,paid_again,booked,booked_too,near_copy\n"
            + "".join(
                f"{i * 7 % 23 + 0.5},{i * 7 % 23 + 0.5},{'yes' if i % 3 else 'no'},"
                f"{'yes' if i % 3 else 'no'},2024-01-{i % 28 + 1:02d},2024-01-{i % 28 + 1:02d},"
                f"{i * 7 % 23 + (1.5 if i == 9 else 0.5)}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "columns that repeat another's text on every row (a price, a yes/no, a date), "
        "written as copies; one that differs on a row stays a column of its own",
    ),
    "cjk_dates": (
        (
            "取引日,約定日,거래일,金額\n"
            + "".join(
                f"2024年{i % 12 + 1}月{i % 28 + 1}日,2023年{i % 12 + 1:02d}月{i % 9 + 1:02d}日,"
                f"2022년 {i % 12 + 1}월 {i % 28 + 1}일,{i * 1000}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "dates as Japanese and Chinese (2024年3月5日, 2023年03月05日) and Korean (2022년 3월 5일) "
        "spreadsheets write them, under headers in those scripts",
    ),
    "compact_dates": (
        (
            "booked;trade_date;stamp;konto;batch;valid_to;ends\n"
            + "".join(_compact_row(i) for i in range(1, 31))
        ).encode(),
        "dates and timestamps written as one number (20240315, 20240315143000), and with a "
        "two-digit year under a date's name (050315); an account number and a batch code "
        "that are no dates stay numbers",
    ),
    "times_of_day": (
        (
            "Buchungszeit;Beginn;Betrag;Shift\n"
            + "".join(
                f"{i * 7 % 24:02d}:{i * 13 % 60:02d}:{i * 29 % 60:02d};{i % 24}:{i * 11 % 60:02d};"
                f"{i},50;{i % 12 + 1}:{i * 17 % 60:02d} {'PM' if i % 2 else 'AM'}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "times of day without a date (14:05:59, 9:05, and 2:30 PM on a 12-hour clock), in "
        "a semicolon file",
    ),
    "excel_separator_line": (
        (
            "sep=;\r\nKunde;Betrag;Datum\r\n"
            + "".join(
                f"K{i % 5};{i * 3},{i % 10}5;{i % 28 + 1:02d}.03.2024\r\n" for i in range(1, 31)
            )
        ).encode("cp1252"),
        "Excel's hint of the delimiter (sep=;) as the first line, above the header row",
    ),
    "utf16_unicode_text": (
        (
            "Filiale\tUmsatz\tOrt\r\n"
            + "".join(
                f"F{i % 4}\t{i * 7}.{i % 10}5\t{['Zürich', 'Malmö', 'Łódź'][i % 3]}\r\n"
                for i in range(1, 31)
            )
        ).encode("utf-16"),
        "UTF-16 with a byte order mark, tab-separated: Excel's 'Unicode text', and what "
        "Windows PowerShell 5 writes with `>`",
    ),
    "dos_eof_mark": (
        (
            "Filiale,Umsatz,Tag,Notiz\r\n"
            + "".join(
                f'F{i % 4},{i * 7}.{i % 10}5,2024-03-{i % 28 + 1:02d},"{_note(i)}"\r\n'
                for i in range(1, 31)
            )
        ).encode()
        + b"\x1a",
        "a last line of Ctrl-Z, DOS's end-of-file mark, as old Windows and mainframe "
        "exports end a text file; a note with a line break makes Spark read it whole",
    ),
    "exponent_form": (
        (
            "Probe;Konzentration;Masse;Anteil\n"
            + "".join(
                f"P{i % 4};{i * 1.37e-5:.2E};{i * 3e8:.0e};{i / 7:.3f}\n".replace(".", ",")
                for i in range(1, 31)
            )
        ).encode(),
        "numbers in exponent form, as a spreadsheet writes them (1,37E-05, with a decimal "
        "comma) and as R does (3e+08)",
    ),
    "r_mixed_exponent": (
        (
            '"price","ratio"\n'
            + "".join(f"{i * 7000},{i * 0.0123457 - 0.1:.15g}\n" for i in range(1, 31))
            + "1e+05,5e-04\n42000,-9.55305429185316e-05\n"
        ).encode(),
        "numbers as R's write.csv writes them: in exponent form where that is shorter "
        "(1e+05 beside 42000, 5e-04 beside 0.0415)",
    ),
    "bare_fractions": (
        (
            "id,share,delta,score\n"
            + "".join(
                f"R{i % 6},{'-' if i % 4 == 0 else ''}.{i % 9 + 1}5,{i % 5 - 2}.{i % 10},"
                f"{i % 3}.5\n"
                for i in range(1, 31)
            )
        ).encode(),
        "fractions without their leading zero (.25, -.5), as Stata and SPSS export "
        "them, beside a column that writes 0.5",
    ),
    "bare_fractions_comma": (
        (
            "id;Anteil;Wert\n"
            + "".join(
                f"R{i % 6};{'-' if i % 4 == 0 else ''},{i % 9 + 1}5;{i % 5},{i % 10}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "fractions without their leading zero, with a decimal comma (,25), in a semicolon file",
    ),
    "powershell_12h": (
        (
            '"Konto","Created","Booked","Amount"\r\n'
            + "".join(
                f'"K{i % 5}","{i % 12 + 1}/{i % 28 + 1}/2024 {i % 12 + 1}:{i * 7 % 60:02d}:'
                f'{i * 13 % 60:02d} {"AM" if i % 3 else "PM"}","{i % 28 + 1:02d}/{i % 12 + 1:02d}'
                f'/2023 {(i * 5) % 12 + 1:02d}:{i % 60:02d} {"pm" if i % 2 else "am"}",'
                f'"{i * 3}.5"\r\n'
                for i in range(1, 31)
            )
        ).encode(),
        "dates with a 12-hour clock as PowerShell's Export-Csv and .NET write them (3/15/2024 "
        "2:30:00 PM, every field quoted), and day first, padded, in small letters",
    ),
    "missing_value_marks": (
        (
            "income,visited,ratio,count,rating\n" + "".join(_marks_row(i) for i in range(1, 31))
        ).encode(),
        "missing values marked as SAS (.), a spreadsheet (#DIV/0!) and Eurostat (:) mark "
        "them, in numbers and dates; a rating of stars beside them",
    ),
    "durations_and_french_times": (
        (
            "appel;durée;cumul;tour;heure\n"
            + "".join(
                f"A{i % 4};{i * 37 % 90}:{i * 7 % 60:02d}:{i * 11 % 60:02d};"
                f"{i * 53 % 300:03d}:{i * 3 % 60:02d};{i % 3}:{i * 17 % 60:02d};"
                f"{i % 24}h{i * 13 % 60:02d}\n"
                for i in range(1, 31)
            )
        ).encode(),
        "durations as call logs and time sheets write them, hours past 23 (50:27:38), "
        "padded (007:05), short (2:14: minutes or hours), and times of day as French "
        "writes them (14h30)",
    ),
    "date_parts": (
        (
            "Order Date,Year,MON,Month Name,Quarter,Day,Weekday,Month No,Fiscal Year,"
            "Shipped,Hour,Period,Week,Billed,Amount\n"
            + "".join(_date_parts_row(i) for i in range(1, 31))
        ).encode(),
        "a date's parts and periods beside it, as spreadsheet exports write them (2021, "
        "MAR, March, Q1, 05, Tue, 2021-03, 2021-W09; the hour of a timestamp): written "
        "from the date, not modelled",
    ),
    "totals": (
        (
            "principal;interest;payment;balance_before;amount;balance_after;fee_1;fee_2;"
            "fees;visits_a;visits_b;visits\n" + "".join(_totals_row(i) for i in range(1, 31))
        ).encode(),
        "totals beside their parts (a payment of principal and interest, a balance before "
        "a payment): written as the sum of the synthetic parts, not modelled",
    ),
    "functions": (
        (
            "income,log_income,lincome32,years,years_sq,years_sq_off,score,z,height_cm,"
            "height_in,debt,log_debt,flag,flag4\n"
            + "".join(_functions_row(i) for i in range(1, 31))
        ).encode(),
        "functions of a number beside it (a log, a square, a z-score, another unit), as "
        "econometrics tables write them: written from the synthetic source, not modelled",
    ),
    "products": (
        (
            "quantity;unit_price;amount;amount_off;males;females;ratio;visits;spend;"
            "per_visit;hours;earnings;rate;log_rate\n"
            + "".join(_products_row(i) for i in range(1, 31))
        ).encode(),
        "an amount beside its quantity and unit price, a ratio beside its two counts: "
        "written as the synthetic product or ratio, not modelled",
    ),
    "full_width_digits": (
        (
            "数量,金額,日付,率,コード\n"
            + "".join(
                ",".join(
                    (
                        f"{i * 7 % 90 + 1}".translate(_FULL_WIDTH),
                        f"{i * 3571 % 90000 + 1000:,}".translate(_FULL_WIDTH),
                        f"2024/{i % 12 + 1:02d}/{i % 28 + 1:02d}".translate(_FULL_WIDTH),
                        f"{i * 1.7 % 50:.1f}%".translate(_FULL_WIDTH),
                        f"Ａ{i % 9}\n",
                    )
                )
                for i in range(1, 31)
            )
        ).encode(),
        "digits, decimal points, digit groups, slashes and percent signs typed full width "
        "(１，２３４, ２０２４／０３／０５, １９．８％), as Japanese input methods type them",
    ),
    "buddhist_era": (
        (
            "วันที่,เวลา,ยอดเงิน\n29/2/2567,29/02/2567 10:30,1250.50\n"
            "31/12/2566,31/12/2566 23:59,980.00\n"
            + "".join(
                f"{i % 28 + 1}/{i % 12 + 1}/{2560 + i % 7},"
                f"{i % 28 + 1:02d}/{i % 12 + 1:02d}/{2560 + i % 7} {i % 24:02d}:{i % 60:02d},"
                f"{i * 37.5 % 900 + 10:.2f}\n"
                for i in range(1, 29)
            )
        ).encode(),
        "dates and timestamps in years of the Buddhist Era, as Thai systems write them "
        "(29/02/2567 is 29 February 2024): read less 543 years, written with them again",
    ),
    "native_digits": (
        (
            "المبلغ,تعداد,संख्या,النسبة,التاريخ,الرمز\n"
            + "".join(
                ",".join(
                    (
                        f"{i * 3571 % 90000 + 1000:,}.{i * 7 % 100:02d}".translate(_ARABIC),
                        f"{i * 7 % 90 + 1}".translate(_PERSIAN),
                        f"{i * 13 % 900 + 100}".translate(_DEVANAGARI),
                        f"{i * 1.7 % 50:.1f}%".translate(_ARABIC),
                        f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}".translate(_ARABIC),
                        f"ب{i % 9}\n".translate(_ARABIC),
                    )
                )
                for i in range(1, 31)
            )
        ).encode(),
        "digits written in Arabic-Indic (with Arabic's own decimal point, digit group and "
        "percent sign: ١٬٢٣٤٫٥, ١٩٫٨٪), Persian and Devanagari script, as Arabic, Persian "
        "and Hindi spreadsheets write them",
    ),
}
