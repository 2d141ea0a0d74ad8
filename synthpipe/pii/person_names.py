"""Person names from the values alone, offline: a dictionary check, not a language model.

The dictionary is Faker's per-locale person data (first names, last names, titles and
suffixes of about 90 locales: ~31k first and ~29k last names) and the 1990 US Census
lists of the `names` package (88,799 surnames, 5,494 first names), read from the
installed packages, so nothing is downloaded at run time. Faker's lists hold a locale's
common names only: real people's surnames were 58% of them on vcd/Baseball's 322 players
(Trammell, Buckner, Templeton...) and 73% on the Los Angeles riots' victims, below the
column rule's 80%, so real name columns under neutral headers were kept; with the census
lists, 89% and 86%. A value is

* a **full name** when it is two to five words of letters, one of them a known first
  name and another a known first or last name, once titles ('Dr.', 'Frau'), suffixes
  ('Jr.', 'PhD') and particles ('van', 'de', 'bin') are set aside; 'Smith, John' is
  read as 'John Smith'; a name written without spaces in a script that does not use
  them ('王秀英', '홍정훈') is split into a known family name and a known given name;
* a **first name** when it is one word that is a known first name; initials beside it
  are set aside ('Cesar A.', 'J. Smith');
* a **last name** when it is one word that is a known last name and no first name
  ('Kowalski', 'da Mota', '김'), or two or three known last names ('Garcia Rivera');
* a **given name** when it is two to five words of letters, one of them a known first
  name and none of the others in any list ('Hamid Karzai', 'Kreisky, Bruno'): a full
  name whose surname no list holds. Not when a word is one of a company's form or a
  street's ('Carroll Inc', 'Peter GmbH', 'Maria Avenida': Faker's company and street
  words). One is weaker evidence than a full name; the column rules weigh it so.

And `user_name_core` reads a user name built from a person's names, as sign-up forms
and directories make them ('john.smith', 'smithjohn', 'jsmith', 'mary42').

Many first names are also places and words ('Paris', 'Austin', 'Victoria', 'Rose'), so
one value is weak evidence; the column rules in `columns` ask for most of a column's
values, and many distinct ones, before they call a column names. Out of reach: names
absent from every list written alone.
"""

from __future__ import annotations

import importlib
import importlib.resources
import pkgutil
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

FULL, FIRST, LAST, GIVEN = "full", "first", "last", "given"

_PARTICLES = frozenset(
    re.findall(
        r"\S+",
        "van von de der den del della delle di da das dos du la le les lo y e bin ibn al el "
        "ter ten zu af av mac mc st saint",
    )
)
# Scripts written without spaces between family and given name.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_MAX_LENGTH = 80
# A middle or first initial ('A.', 'J'): set aside, as titles are (but '王', '이' are
# family names).
_INITIAL = re.compile(r"[^\W\d_]\.?")


def _fold(token: str) -> str:
    return token.strip(".").casefold()


def _forms(token: str) -> set[str]:
    """The token as written (case-folded) and transliterated: 'José' also as 'jose'."""
    folded = _fold(token)
    return {folded, anyascii(folded).casefold()} - {""}


def _as_words(value: object) -> list[str]:
    if isinstance(value, dict):  # Faker keeps weighted lists as {name: weight}
        value = value.keys()
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return []
    return [word for item in value if isinstance(item, str) for word in item.split()]


@lru_cache(maxsize=1)
def _dictionary() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(first names, last names, titles and suffixes) over every Faker locale."""
    import faker.providers.person as person  # imported lazily: ~0.1 s, once

    first: set[str] = set()
    last: set[str] = set()
    affixes: set[str] = set()
    # Locales name their lists differently ('first_names_female', 'unisex_last_names').
    for attribute, values in _provider_lists(person):
        target = _target(attribute, first, last, affixes)
        for word in _as_words(values) if target is not None else ():
            target.update(_forms(word))
    _add_census(first, last)
    # Initials and two-letter words are not evidence (but '王', '이' are family names).
    first = {w for w in first if len(w) > 2 or _UNSPACED.fullmatch(w)}
    last = {w for w in last if len(w) > 1 or _UNSPACED.fullmatch(w)}
    return frozenset(first), frozenset(last), frozenset(affixes)


def _provider_lists(package) -> list[tuple[str, object]]:
    """(attribute, value) of every locale's `Provider` class in a Faker providers package."""
    found = []
    for module in pkgutil.iter_modules(package.__path__):
        provider = getattr(
            importlib.import_module(f"{package.__name__}.{module.name}"), "Provider", None
        )
        found += list(provider.__dict__.items()) if provider else []
    return found


@lru_cache(maxsize=1)
def _not_people() -> frozenset[str]:
    """Words of companies' forms and of streets and towns over every Faker locale ('Inc',
    'GmbH', 'Group', 'Street', 'Calle'), less the known first names."""
    import faker.providers.address as address  # imported lazily, as the person lists
    import faker.providers.company as company

    words: set[str] = set()
    for package, kinds in ((company, ("company_",)), (address, ("street_", "city_"))):
        for attribute, values in _provider_lists(package):
            if attribute.startswith(kinds) and attribute.endswith(("prefixes", "suffixes")):
                words.update(form for w in _as_words(values) for form in _forms(w))
    first, _, _ = _dictionary()
    return frozenset(w for w in words if len(w) > 1 and w not in first)


def _add_census(first: set[str], last: set[str]) -> None:
    """The 1990 US Census lists (`names` package: a name, then its frequency figures)."""
    folder = importlib.resources.files("names")
    for file, target in (
        ("dist.male.first", first),
        ("dist.female.first", first),
        ("dist.all.last", last),
    ):
        for line in (folder / file).read_text(encoding="ascii").splitlines():
            if line.strip():
                target.update(_forms(line.split()[0]))


def _target(attribute: str, first: set[str], last: set[str], affixes: set[str]) -> set[str] | None:
    if "format" in attribute:
        return None
    if "first_name" in attribute or "middle_name" in attribute:
        return first
    if "last_name" in attribute:
        return last
    if "prefix" in attribute or "suffix" in attribute:
        return affixes
    return None


def is_first_name(token: str) -> bool:
    first, _, _ = _dictionary()
    return any(_forms(part) & first for part in _parts(token))


# Icelandic patronymics and matronymics: a parent's name in the genitive, then -son or
# -dóttir (Jónsson, Sigurðardóttir). Most Icelanders' only family name, too many to list
# (Faker's is_IS builds them from its first names). Three letters before -sson keep
# 'lesson' out; Swedish names (Andersson) are family names too.
_PATRONYMIC = re.compile(r"[^\W\d_]{3,}sson|[^\W\d_]{2,}d[óo]ttir")


def is_last_name(token: str) -> bool:
    _, last, _ = _dictionary()
    return any(_forms(part) & last or _PATRONYMIC.fullmatch(_fold(part)) for part in _parts(token))


def person_name_kind(value: str) -> str | None:
    """FULL, FIRST, LAST, GIVEN or None for one normalised cell."""
    if not value or len(value) > _MAX_LENGTH or any(c.isdigit() or c in "@/\\:;_" for c in value):
        return None
    if value.count(",") == 1:  # 'Smith, John' -> 'John Smith'
        family, given = value.split(",")
        value = f"{given} {family}"
    words = value.split()
    if not words or not all(_is_word(w) for w in words):
        return None
    _, _, affixes = _dictionary()
    core = [
        w
        for w in words
        if not (_forms(w) & affixes) and _fold(w) not in _PARTICLES and not _is_initial(w)
    ]
    if len(core) == 1:
        return _one_word(core[0])
    if not 2 <= len(core) <= 5:
        return None
    if _is_full_name(core):
        return FULL
    # Two family names, as Spanish and Portuguese write them ('Garcia Rivera').
    if len(core) <= 3 and all(map(is_last_name, core)):
        return LAST
    if any(map(is_first_name, core)) and not any(_forms(w) & _not_people() for w in words):
        return GIVEN
    return None


def _is_initial(word: str) -> bool:
    return bool(_INITIAL.fullmatch(word)) and not _UNSPACED.fullmatch(word)


def _is_word(word: str) -> bool:
    """Letters (marks included: Devanagari vowel signs), with the apostrophes, hyphens
    and dots of names ("O'Neil", "Lebon-Buisson", "J.")."""
    if not unicodedata.category(word[0]).startswith("L"):
        return False
    return all(unicodedata.category(c)[0] in "LM" or c in "'’-." for c in word)


def _parts(word: str) -> list[str]:
    """A word and its hyphenated parts: 'Biggen-Briemer' -> also 'Biggen', 'Briemer'."""
    return [word, *(p for p in word.split("-") if p)] if "-" in word else [word]


def _one_word(word: str) -> str | None:
    if _UNSPACED.fullmatch(word) and _split_unspaced(word):
        return FULL
    if is_first_name(word):
        return FIRST
    return LAST if is_last_name(word) else None


def _is_full_name(words: list[str]) -> bool:
    """One known first name and another known first or last name among the words."""
    for index, word in enumerate(words):
        if not is_first_name(word):
            continue
        others = words[:index] + words[index + 1 :]
        if any(is_last_name(o) or is_first_name(o) for o in others):
            return True
    return False


def _split_unspaced(word: str) -> bool:
    """'王秀英' = family '王' + given '秀英' (one- or two-character family names)."""
    if not 2 <= len(word) <= 5:
        return False
    for cut in (1, 2):
        family, given = word[:cut], word[cut:]
        if given and is_last_name(family) and is_first_name(given):
            return True
    return False


# A user name: small letters, digits and the separators of handles, no spaces.
_USER_NAME = re.compile(r"[a-z][a-z0-9._\-]{2,39}")
_HANDLE_SEPARATORS = re.compile(r"[._\-\d]+")


def user_name_core(value: str) -> str | None:
    """The letters of a user name made of a person's names, or None. Each part (between
    digits and separators) is a known first or last name, two of them run together
    ('williamsdorothy'), or an initial beside one of four letters or more ('whardin');
    one part has four letters or more. The column rule asks the cores to vary: hosts
    named 'london-01' ... 'london-30' share theirs."""
    if not _USER_NAME.fullmatch(value):
        return None
    parts = [part for part in _HANDLE_SEPARATORS.split(value) if part]
    if not 1 <= len(parts) <= 3 or max(map(len, parts)) < 4:
        return None
    return "".join(parts) if all(map(_name_part, parts)) else None


def _name_part(part: str) -> bool:
    if _known(part):
        return True
    if len(part) >= 5 and (_known(part[1:]) or _known(part[:-1])):
        return True
    return any(_known(part[:cut]) and _known(part[cut:]) for cut in range(3, len(part) - 2))


def _known(token: str) -> bool:
    first, last, _ = _dictionary()
    return token in first or token in last
