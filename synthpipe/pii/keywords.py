"""Column-name keywords per entity type, in several languages.

Names are normalised with `synthpipe.names.snake_case` first (it transliterates: 'Prénom' ->
'prenom', 'Straße' -> 'strasse', 'Längengrad' -> 'langengrad'), then matched two ways:

* tokens: a keyword equal to one `_`-separated token ('nom' matches 'nom_client' but not
  'nombre'), used for short or ambiguous words;
* compact: a keyword contained in the name with the underscores removed ('firstname'
  matches 'first_name', 'FirstName' and 'customer_first_name'), used for long words that
  cannot occur by accident.

A *strong* keyword says the type on its own ('email', 'iban', 'date_of_birth'): the column
is flagged when the values are empty or merely shaped right. A *weak* keyword ('name',
'account', 'via') only lowers the share of validated values needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from synthpipe.names import snake_case
from synthpipe.pii import entities as E


@dataclass(frozen=True)
class Keywords:
    tokens: frozenset[str] = frozenset()
    compact: tuple[str, ...] = ()


def _words(text: str) -> list[str]:
    return text.split()


def _kw(tokens: str = "", compact: str = "") -> Keywords:
    return Keywords(frozenset(tokens.split()), tuple(compact.split()))


STRONG: dict[str, Keywords] = {
    E.EMAIL_ADDRESS: _kw(
        "email mail e_mail correo courriel posta pec",
        "email emailaddress mailaddress correoelectronico adressemail courrielelectronique "
        "postaelettronica indirizzoemail",
    ),
    E.PHONE_NUMBER: _kw(
        "phone tel tlf telephone telefon telefono telefone mobile mobil cell cellphone "
        "cellulare handy portable movil celular fax msisdn tfno",
        "phonenumber telephonenumber telefonnummer mobilnummer handynummer numerodetelephone "
        "numerotelephone numerotelefono numerodetelefono numeroditelefono mobilephone "
        "cellphone",
    ),
    E.CREDIT_CARD_NUMBER: _kw(
        "pan",
        "creditcard cardnumber cardno ccnumber ccnum kreditkarte kartennummer tarjetacredito "
        "tarjetadecredito numerotarjeta numerodetarjeta numerocarte cartebancaire "
        "cartedecredit cartadicredito numerocarta debitcard",
    ),
    E.IBAN: _kw("iban", "iban"),
    E.BANK_ACCOUNT_NUMBER: _kw(
        "bban",
        "accountnumber accountno accountnum accountnr acctno acctnum acctnumber bankaccount "
        "kontonummer kontonr bankkonto numerodecompte numerocompte comptebancaire "
        "numerodecuenta numerocuenta cuentabancaria numerodiconto numeroconto "
        "contocorrente rekeningnummer routingnumber sortcode",
    ),
    E.NAME: _kw(
        "surname surnames forename forenames nachname vorname vornamen familienname "
        "cognome apellido apellidos prenom prenoms nom_de_famille achternaam voornaam "
        "nazwisko imie sobrenome",
        "firstname lastname givenname familyname fullname middlename maidenname "
        "customername clientname personname holdername accountholder cardholder "
        "beneficiaryname payeename payername contactname ownername employeename "
        "patientname kundenname nomclient nombrecliente nomecliente nomdefamille "
        "nombrecompleto nomecompleto nomcomplet",
    ),
    E.ADDRESS: _kw(
        "address addresses addr street strasse rue calle indirizzo direccion adresse anschrift "
        "domicilio endereco adres straat ulica",
        "streetaddress addressline homeaddress postaladdress mailingaddress billingaddress "
        "shippingaddress residentialaddress strasseundhausnummer direccionpostal "
        "adressepostale indirizzodiresidenza",
    ),
    E.DATE_OF_BIRTH: _kw(
        "dob bday birthday geburtstag geboren geb gebdat born nato nata nacido nacida ne nee",
        "birth geburtsdatum geburtstag naissance nacimiento nascita geboortedatum "
        "fechanac datanasc",
    ),
    E.NATIONAL_ID: _kw(
        "ssn nino nir insee dni nie bsn pesel cpr hetu personnummer curp cpf aadhaar",
        "socialsecurity nationalid nationalidentity nationalinsurance ninumber "
        "personalausweis ausweisnummer securitesociale numerosecu "
        "documentonacional seguridadsocial cartaidentita cartadidentita numeroidentite "
        "identitynumber idnumber idcard sozialversicherung",
    ),
    E.TAX_ID: _kw(
        "tin itin nif idnr steuerid utr",
        "taxid taxnumber taxpayer steueridentifikation steuernummer steuerid "
        "codicefiscale numerofiscal identificacionfiscal partitaiva taxcode "
        "taxreference",
    ),
    E.PASSPORT_NUMBER: _kw(
        "passport passeport pasaporte passaporto reisepass paspoort",
        "passport passeport pasaporte passaporto reisepass passnummer paspoort",
    ),
    E.IP_ADDRESS: _kw("ip ipv4 ipv6 ipaddr", "ipaddress clientip remoteip sourceip"),
    E.MAC_ADDRESS: _kw("mac macaddr hwaddr bssid", "macaddress hardwareaddress devicemac"),
    E.VEHICLE_IDENTIFICATION_NUMBER: _kw(
        "vin chassis",
        "vehicleidentificationnumber vehicleid chassisnumber fahrgestellnummer "
        "fahrzeugidentifikationsnummer numerodechassis numerotelaio numerobastidor",
    ),
    E.AWS_CREDENTIALS: _kw(
        "secret credential credentials",
        "accesskey secretkey secretaccesskey awssecret awskey apikey apisecret",
    ),
}

# Weak hints: need validated values, but lower the share needed to min_share.
WEAK: dict[str, Keywords] = {
    E.NAME: _kw(
        "name names nom nombre nome naam customer client cliente kunde holder owner "
        "titular beneficiary beneficiario payee payer contact employee person passenger "
        "patient"
    ),
    E.ADDRESS: _kw("via home residence residencia wohnort domicile location line1 line2"),
    E.BANK_ACCOUNT_NUMBER: _kw("account acct konto compte cuenta conto rekening"),
    E.CREDIT_CARD_NUMBER: _kw("card carte karte tarjeta carta"),
    E.NATIONAL_ID: _kw("national identity id_number"),
}

# Tokens that cancel a hint: 'email_address' is no street address, 'merchant_name' and
# 'month_name' (April, May, June) no person, 'card_holder' no card number, 'birth_place'
# no date.
BLOCKERS: dict[str, frozenset[str]] = {
    E.ADDRESS: frozenset(
        _words(
            "email mail e ip ipv4 ipv6 mac url web website wallet btc eth bitcoin host server "
            "hardware ethernet"
        )
    ),
    E.NAME: frozenset(
        _words(
            "merchant product company bank file user username category city town street brand "
            "item store shop branch country host domain business firma empresa societe "
            "azienda unternehmen comercio commercant negozio tienda geschaft produit producto "
            "prodotto artikel article articulo articolo field table column dataset event "
            "campaign device app server region state ciudad ville stadt citta pais land pays "
            "paese calle rue strasse model type code id number no num nr numero count anzahl "
            "cantidad quantita montant amount importe betrag importo segment tier level "
            "status group team department job role title sector month monat mois mes mese "
            "maand weekday wochentag day tag jour dia giorno dag"
        )
    ),
    E.CREDIT_CARD_NUMBER: frozenset(
        _words("holder name type brand expiry exp expiration cvv cvc network issuer scheme")
    ),
    E.DATE_OF_BIRTH: frozenset(
        _words("place city country lieu ort luogo lugar town pays land paese pais")
    ),
    E.PHONE_NUMBER: frozenset(_words("type verified country code prefix")),
    E.BANK_ACCOUNT_NUMBER: frozenset(_words("type status name holder currency balance")),
}

FREE_TEXT: Keywords = _kw(
    "memo memos note notes comment comments description desc remark remarks message "
    "messages text details narrative body summary feedback reason purpose "
    "beschreibung bemerkung bemerkungen kommentar notiz notizen verwendungszweck "
    "remarque remarques commentaire commentaires libelle motif concepto comentario "
    "comentarios observaciones observacion descripcion nota notas commento commenti "
    "descrizione causale osservazioni opmerking omschrijving",
)

LATITUDE: Keywords = _kw("lat latitude latitud latitudine breitengrad breite", "latitude")
LONGITUDE: Keywords = _kw(
    "lon lng long longitude longitud longitudine langengrad laengengrad lange",
    "longitude",
)
# Words that make a lat/lon name a quantity about positions, not a position: ggplot2's
# seals hold `delta_long` and `delta_lat` (a movement, -1 to 1 degrees) beside `lat` and
# `long`, and a GPS fix's `lat_error` is a distance.
LAT_LON_BLOCKERS = frozenset(
    _words(
        "delta diff difference change offset error err accuracy precision uncertainty "
        "speed velocity step resolution"
    )
)
# One column holding both ('40.41, -3.70').
LAT_LON_PAIR: Keywords = _kw(
    "coordinates coords geo latlon latlng latlong gps coordenadas coordonnees koordinaten "
    "coordinate location position",
    "latlon latlng latlong coordinates geolocation",
)


@dataclass(frozen=True)
class NameHints:
    """What the column name says, per entity type."""

    strong: frozenset[str]
    weak: frozenset[str]
    free_text: bool
    latitude: bool
    longitude: bool
    lat_lon_pair: bool

    def any_hint(self, entity_type: str) -> bool:
        return entity_type in self.strong or entity_type in self.weak


def _matches(keywords: Keywords, tokens: list[str], compact: str) -> bool:
    if keywords.tokens.intersection(tokens):
        return True
    return any(word in compact for word in keywords.compact)


def name_hints(column_name: str) -> NameHints:
    """The entity types a column name points at."""
    slug = snake_case(column_name)
    tokens = slug.split("_") if slug else []
    compact = "".join(tokens)
    # Multi-word token keywords ('nom_de_famille') are matched on the slug itself.
    strong: set[str] = set()
    weak: set[str] = set()
    for entity_type, keywords in STRONG.items():
        if _matches(keywords, tokens, compact) or _phrase_in(keywords, slug):
            strong.add(entity_type)
    for entity_type, keywords in WEAK.items():
        if _matches(keywords, tokens, compact) or _phrase_in(keywords, slug):
            weak.add(entity_type)
    for entity_type, blockers in BLOCKERS.items():
        if blockers.intersection(tokens):
            strong.discard(entity_type)
            weak.discard(entity_type)
    _resolve_overlaps(strong, tokens)
    weak -= strong
    place = not LAT_LON_BLOCKERS.intersection(tokens)
    return NameHints(
        strong=frozenset(strong),
        weak=frozenset(weak),
        free_text=_matches(FREE_TEXT, tokens, compact),
        latitude=place and _matches(LATITUDE, tokens, compact),
        longitude=place and _matches(LONGITUDE, tokens, compact),
        lat_lon_pair=place and _matches(LAT_LON_PAIR, tokens, compact),
    )


def _phrase_in(keywords: Keywords, slug: str) -> bool:
    padded = f"_{slug}_"
    return any(f"_{word}_" in padded for word in keywords.tokens if "_" in word)


def _resolve_overlaps(strong: set[str], tokens: list[str]) -> None:
    """One name, one meaning: 'email_address' is an e-mail, 'ip_address' an IP."""
    if E.EMAIL_ADDRESS in strong or E.IP_ADDRESS in strong:
        strong.discard(E.ADDRESS)
    if E.IBAN in strong:
        strong.discard(E.BANK_ACCOUNT_NUMBER)
    if E.AWS_CREDENTIALS in strong and E.NAME in strong:
        strong.discard(E.NAME)
    # 'tax_id' vs 'national_id': the tax words win ('nif' is a tax id in Spain and France).
    if E.TAX_ID in strong:
        strong.discard(E.NATIONAL_ID)
