"""Finding a machine-readable zone in OCR lines, and writing a typed name as a zone does."""

from __future__ import annotations

from datetime import date

import pytest
from mrz.base.functions import hash_string
from mrz.generator.mrva import MRVACodeGenerator
from mrz.generator.mrvb import MRVBCodeGenerator
from mrz.generator.td1 import TD1CodeGenerator
from mrz.generator.td2 import TD2CodeGenerator
from mrz.generator.td3 import TD3CodeGenerator

from chalicelib.domain.machine_readable_zone import find_zone, icao_name, zone_name_matches

TODAY = date(2026, 5, 4)


def card(**changes: str) -> list[str]:
    fields = {
        "number": "L01X00T47",
        "birth": "910412",
        "expiry": "261120",
        "surname": "Kovalenko",
        "given": "Olena",
    } | changes
    code = TD1CodeGenerator(
        "AR", "D", fields["number"], fields["birth"], "F", fields["expiry"], "UKR",
        fields["surname"], fields["given"],
    )  # fmt: skip
    return str(code).splitlines()


def passport() -> list[str]:
    code = TD3CodeGenerator(
        "P", "UKR", "Kovalenko", "Olena Maria", "FE1234567", "UKR", "910412", "F", "301120"
    )
    return str(code).splitlines()


def test_reads_a_residence_permit_card() -> None:
    zone = find_zone(card(), TODAY)
    assert zone is not None
    assert zone.document_format == "TD1"
    assert (zone.document_code, zone.issuing_state, zone.document_number) == (
        "AR",
        "D",
        "L01X00T47",
    )
    assert (zone.family_name, zone.given_names, zone.nationality) == ("KOVALENKO", "OLENA", "UKR")
    assert zone.date_of_birth == date(1991, 4, 12)
    assert zone.expires_on == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("lines", "document_format"),
    [
        (passport(), "TD3"),
        (
            str(
                MRVACodeGenerator(
                    "V", "D", "Haddad", "Rania", "C12345678", "SYR", "880101", "F", "270301"
                )
            ).splitlines(),
            "MRVA",
        ),
        (
            str(
                MRVBCodeGenerator(
                    "V", "D", "Haddad", "", "C12345678", "SYR", "880101", "F", "270301"
                )
            ).splitlines(),
            "MRVB",
        ),
        (
            str(
                TD2CodeGenerator(
                    "I", "D", "Haddad", "Rania", "C12345678", "SYR", "880101", "F", "270301"
                )
            ).splitlines(),
            "TD2",
        ),
    ],
)
def test_reads_each_format(lines: list[str], document_format: str) -> None:
    zone = find_zone(lines, TODAY)
    assert zone is not None
    assert zone.document_format == document_format
    assert zone.family_name in ("KOVALENKO", "HADDAD")


def test_one_name_only_gives_empty_given_names() -> None:
    lines = str(
        MRVBCodeGenerator("V", "D", "Haddad", "", "C12345678", "SYR", "880101", "F", "270301")
    ).splitlines()
    zone = find_zone(lines, TODAY)
    assert zone is not None
    assert (zone.family_name, zone.given_names) == ("HADDAD", "")


def test_ocr_noise_is_repaired_before_checking() -> None:
    first, second = passport()
    noisy = [
        "REISEPASS  PASSPORT",
        first.lower().replace("<<", "«"),
        second[:20].replace("9", "9").replace("0", "O") + " ",
        " " + second[20:].replace("1", "I").replace("<<<<<<<<", "<<K<<<<<"),
        "Unterschrift",
    ]
    zone = find_zone(noisy, TODAY)
    assert zone is not None
    assert (zone.document_number, zone.given_names) == ("FE1234567", "OLENA MARIA")
    assert zone.expires_on == date(2030, 11, 20)


def test_lines_in_another_order_and_fillers_miscounted() -> None:
    first, second, third = card()
    zone = find_zone([third[:12], "Musterweg 12", second, first[:-3]], TODAY)
    assert zone is not None
    assert zone.family_name == "KOVALENKO"


@pytest.mark.parametrize(("line", "position"), [(0, 14), (1, 6), (1, 14), (1, 29)])
def test_a_wrong_check_digit_is_no_zone(line: int, position: int) -> None:
    lines = card()
    text = lines[line]
    lines[line] = text[:position] + str((int(text[position]) + 1) % 10) + text[position + 1 :]
    assert find_zone(lines, TODAY) is None


def test_a_wrong_passport_check_digit_is_no_zone() -> None:
    first, second = passport()
    wrong = second[:27] + str((int(second[27]) + 3) % 10) + second[28:]
    assert find_zone([first, wrong], TODAY) is None


def test_text_without_a_zone_is_none() -> None:
    assert find_zone(["Fiktionsbescheinigung", "Ausländerbehörde << Stuttgart <<"], TODAY) is None
    assert find_zone([], TODAY) is None


def test_unknown_birth_day_keeps_the_fillers() -> None:
    first, second, third = card()
    birth = "9104<<"
    line2 = birth + hash_string(birth) + second[7:29]
    composite = first[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += hash_string(composite)
    zone = find_zone([first, line2, third], TODAY)
    assert zone is not None
    assert zone.birth_date == "9104<<"
    assert zone.date_of_birth is None


def test_centuries_follow_today() -> None:
    zone = find_zone(card(birth="050607", expiry="310101"), TODAY)
    assert zone is not None
    assert zone.date_of_birth == date(2005, 6, 7)
    assert zone.expires_on == date(2031, 1, 1)
    older = find_zone(card(birth="300607"), TODAY)
    assert older is not None
    assert older.date_of_birth == date(1930, 6, 7)


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Müller-Lüdenscheidt", "MUELLER LUEDENSCHEIDT"),
        ("O’Brien", "OBRIEN"),  # noqa: RUF001
        ("d'Alembert", "DALEMBERT"),
        ("Łukasz", "LUKASZ"),
        ("Straße", "STRASSE"),
        ("Søren Ørsted", "SOEREN OERSTED"),
        ("Đorđe", "DORDE"),
        ("Muñoz", "MUNOZ"),
        ("Åse", "AASE"),
        ("Þór", "THOR"),
        ("  van der  Berg ", "VAN DER BERG"),
        ("Олена", "OLENA"),
        ("Nguyễn Thị", "NGUYEN THI"),
    ],
)
def test_icao_name(typed: str, written: str) -> None:
    assert icao_name(typed) == written


def test_a_full_name_field_matches_the_longer_typed_name() -> None:
    lines = card(surname="Bartholomaeus Wittgen", given="Chiamak")
    zone = find_zone(lines, TODAY)
    assert zone is not None
    assert zone.name_field_full
    assert zone_name_matches("Chiamaka Adaeze", zone.given_names, zone.name_field_full)
    assert not zone_name_matches("Chiamaka Adaeze", zone.given_names, field_full=False)
    assert not zone_name_matches("Chiara", zone.given_names, zone.name_field_full)


def test_names_match_after_transliteration() -> None:
    assert zone_name_matches("Müller", "MUELLER", field_full=False)
    assert not zone_name_matches("Muller", "MUELLER", field_full=False)


def visa(number: str) -> list[str]:
    code = MRVACodeGenerator("V", "D", "Yilmaz", "Ayse", number, "IRQ", "950109", "F", "260816")
    return str(code).splitlines()


def test_a_german_visa_number_has_its_vowels_read_as_digits() -> None:
    first, second = visa("R0LMV2MXF")
    zone = find_zone([first, "RO" + second[2:]], TODAY)
    assert zone is not None and zone.document_number == "R0LMV2MXF"


def test_an_o_read_in_a_passport_number_is_a_zero_when_that_reading_holds() -> None:
    code = TD3CodeGenerator(
        "P", "GBR", "Nguyen", "Rania", "H02027782", "GBR", "641123", "F", "261216"
    )
    first, second = str(code).splitlines()
    zone = find_zone([first, "HO" + second[2:]], TODAY)
    assert zone is not None and zone.document_number == "H02027782"


def test_a_state_code_that_does_not_exist_is_no_zone() -> None:
    first, second = visa("R0LMV2MXF")
    assert find_zone(["V<O<<" + first[5:], second], TODAY) is None
