"""Mail templates in every language the form offers, the dates in them, and the German
fallback for a language without the whole set."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path
from typing import get_args

import pytest
from jinja2 import Environment, meta

from chalicelib.adapters.ses import mime_message
from chalicelib.api.schemas import Language
from chalicelib.mail import TEMPLATE_DIR, map_link, render, template_language
from chalicelib.services.allocation import date_text

LINK = "http://127.0.0.1:8080/status.html#id=0123456789abcdef0123456789abcdef&token=tok"


SCRIPTS = {"de": "LATIN", "en": "LATIN", "tr": "LATIN", "ar": "ARABIC", "uk": "CYRILLIC"}


def _variables(name: str, part: str, language: str = "de") -> set[str]:
    """The variables one template uses (the layout's own are the same for every language)."""
    source = (TEMPLATE_DIR / language / f"{name}.{part}").read_text("utf-8")
    found: set[str] = meta.find_undeclared_variables(Environment(autoescape=False).parse(source))
    return found


def _context(name: str) -> dict[str, str]:
    """A value for every variable a template (text, HTML, subject) uses."""
    env = Environment(autoescape=False)
    variables: set[str] = set()
    for part in ("subject.txt", "txt", "html"):
        source = (TEMPLATE_DIR / "de" / f"{name}.{part}").read_text("utf-8")
        variables |= meta.find_undeclared_variables(env.parse(source))
    variables |= {"given_names", "family_name", "office_name"}
    placeholders = {variable: f"<{variable}>" for variable in variables}
    # A count the Ukrainian text inflects by (1 день, 2 дні, 30 днів) is a number.
    numbers = {"hold_days": "30"} if "hold_days" in variables else {}
    return placeholders | numbers | {"status_link": LINK}


GERMAN_TEMPLATES = sorted(
    p.name.removesuffix(".subject.txt") for p in TEMPLATE_DIR.glob("de/*.subject.txt")
)


@pytest.mark.parametrize("language", get_args(Language))
def test_the_registration_mail_is_written_in_every_offered_language(language: str) -> None:
    mail = render("registration", language, "a@example.org", _context("registration"))

    assert template_language(language, "registration") == language
    assert LINK in mail.text
    assert mail.text.index(LINK) < mail.text.index("<registration_id>")
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in mail.html
    assert mail.subject and "\n" not in mail.subject


def test_the_arabic_mail_reads_right_to_left() -> None:
    mail = render("registration", "ar", "a@example.org", _context("registration"))

    assert '<body dir="rtl"' in mail.html
    assert "يرجى تأكيد تسجيلك" in mail.subject


@pytest.mark.parametrize("name", GERMAN_TEMPLATES)
@pytest.mark.parametrize("language", get_args(Language))
def test_every_mail_is_written_in_every_offered_language(language: str, name: str) -> None:
    context = _context(name)
    mail = render(name, language, "a@example.org", context)

    assert template_language(language, name) == language
    assert mail.subject and "\n" not in mail.subject
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in mail.html
    assert f'<body dir="{direction}"' in mail.html
    # What the German mail tells, every translation tells: each value is in both parts.
    for variable, value in context.items():
        if variable in _variables(name, "txt"):
            assert value in mail.text, f"{language}/{name}.txt lacks {variable}"
        if variable in _variables(name, "html"):
            assert html.escape(value) in mail.html, f"{language}/{name}.html lacks {variable}"


@pytest.mark.parametrize("language", get_args(Language))
def test_every_language_has_exactly_the_german_set_with_the_same_variables(language: str) -> None:
    subjects = TEMPLATE_DIR.glob(f"{language}/*.subject.txt")
    names = sorted(path.name.removesuffix(".subject.txt") for path in subjects)

    assert names == GERMAN_TEMPLATES
    assert template_language(language) == language
    for name in GERMAN_TEMPLATES:
        for part in ("subject.txt", "txt", "html"):
            used = _variables(name, part, language)
            assert used == _variables(name, part), f"{language}/{name}.{part}"


def test_the_arabic_invitation_lines_up_right_to_left() -> None:
    mail = render("invitation", "ar", "a@example.org", _context("invitation"))

    assert "text-align: left" not in mail.html
    assert mail.html.count("text-align: right") == 3
    assert "موعدك الطارئ" in mail.subject


DAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Dienstag, 24. November 2026"),
        ("en", "Tuesday, 24 November 2026"),
        ("tr", "24 Kasım 2026 Salı"),  # noqa: RUF001
        ("ar", "الثلاثاء، 24 نوفمبر 2026"),
        ("uk", "вівторок, 24 листопада 2026 р."),  # noqa: RUF001
        ("fr", "24.11.2026"),
    ],
)
def test_the_date_is_written_as_the_language_writes_it(language: str, expected: str) -> None:
    assert date_text(DAY, language) == expected


@pytest.mark.parametrize("language", get_args(Language))
def test_every_weekday_and_month_has_its_own_name(language: str) -> None:
    mondays = [date(2026, month, 1) for month in range(1, 13)]
    week = [DAY + timedelta(days=offset) for offset in range(7)]

    assert len({date_text(day, language).replace("1", "") for day in mondays}) == 12
    assert len({date_text(day, language) for day in week}) == 7
    # No letter of another script slipped in: Latin languages stay Latin, and so on.
    letters = "".join(
        c for day in [*mondays, *week] for c in date_text(day, language) if c.isalpha()
    )
    scripts = {unicodedata.name(c).split()[0] for c in letters}
    assert scripts == {SCRIPTS[language]}


def test_a_language_without_every_mail_is_german_for_the_whole_set() -> None:
    # A caller that picks one language for several mails (and dates) gets a complete set.
    for language in get_args(Language):
        chosen = template_language(language)
        assert all(template_language(chosen, name) == chosen for name in GERMAN_TEMPLATES)


@pytest.mark.parametrize("language", get_args(Language))
def test_the_registration_mail_links_the_privacy_notice(language: str) -> None:
    privacy = f"http://127.0.0.1:8080/privacy.html?lang={language}"
    context = _context("registration") | {"privacy_link": privacy}

    mail = render("registration", language, "a@example.org", context)

    assert privacy in mail.text
    assert f'<a href="{html.escape(privacy)}">' in mail.html


# -- the mails of the appointment day, with the contexts the services pass (issue 13) -------

REFERENCE = "7K3M-Q9XD"
# Issue 16: an attempt on an identity already active, and an admin voiding a registration.
SECURITY_MAILS = ("identity_in_use", "identity_attempt", "voided")
STATUS = f"{LINK}&lang=uk"
QR_CID = "entrance-pass.0123456789abcdef@notfalltermin"


def _base(language: str) -> dict[str, object]:
    return {
        "given_names": "Olena Maria-Luisa",
        "family_name": "Ševčenko-Al Hassan",
        "reference": REFERENCE,
        "office_name": "Ausländerbehörde Stuttgart",
        "privacy_link": f"http://127.0.0.1:8080/privacy.html?lang={language}",
    }


def _service_context(name: str, language: str) -> dict[str, object]:
    """What the services pass for each mail (docs/design.md, issue 13)."""
    base = _base(language)
    day = date_text(DAY, language)
    register = f"http://127.0.0.1:8080/?lang={language}"
    contexts: dict[str, dict[str, object]] = {
        "registration": {"registration_id": "r" * 32, "status_link": STATUS},
        "queued": {"registration_id": "r" * 32, "status_link": STATUS},
        "review_verified": {"registration_id": "r" * 32, "expiry_text": day},
        "review_rejected": {
            "registration_id": "r" * 32,
            "reason": "Name differs",
            "hold_days": 30,
        },
        "invitation": {
            "registration_id": "r" * 32,
            "date_text": day,
            "window_start": "09:00",
            "window_end": "09:30",
            "office_address": "Eberhardstraße 39, 70173 Stuttgart",
            "map_link": map_link("Eberhardstraße 39, 70173 Stuttgart"),
            "status_link": STATUS,
            "cant_come_link": f"{STATUS}&view=release",
            "qr_cid": QR_CID,
        },
        "rejected": {
            "date_text": day,
            "reason": "Der Vorname im Pass ist <Olena>, nicht „Olga“ & das Datum 01.02.1990.",
            "register_link": register,
        },
        "no_show": {"date_text": day, "register_link": register},
    }
    if name in SECURITY_MAILS:
        # No names, no reference: neither side's data (services/registration.py, staff.py).
        security = {
            "office_name": base["office_name"],
            "office_address": "Eberhardstraße 39, 70173 Stuttgart",
            "privacy_link": base["privacy_link"],
        }
        return security | (
            {"reason": "Passport checked <at> the counter"} if name == "voided" else {}
        )
    return base | contexts[name]


@pytest.mark.parametrize("name", SECURITY_MAILS)
@pytest.mark.parametrize("language", get_args(Language))
def test_the_security_mails_render_balanced_in_every_language(language: str, name: str) -> None:
    context = _service_context(name, language)
    mail = render(name, language, "a@example.org", context)
    assert template_language(language, name) == language
    assert mail.subject and "\n" not in mail.subject
    assert str(context["privacy_link"]) in mail.text
    assert str(context["office_address"]) in mail.text
    for part in (mail.subject, mail.text, mail.html):
        assert "None" not in part and "{{" not in part and "{%" not in part
    _balanced(mail.html)
    if name == "voided":
        assert "Passport checked &lt;at&gt; the counter" in mail.html


# How each language says "the link in your registration e-mail".
REGISTRATION_MAIL = {
    "de": "Link aus Ihrer Registrierungs-E-Mail",
    "en": "link in your registration e-mail",
    "tr": "e-postanızdaki bağlantı",  # noqa: RUF001
    "uk": "посиланням із листа про реєстрацію",
    "ar": "الرابط الموجود في رسالة التسجيل",
}

SERVICE_MAILS = ("registration", "queued", "review_verified", "review_rejected", "invitation")
DAY_MAILS = ("rejected", "no_show")
LANGUAGES = get_args(Language)


def test_every_mail_the_services_send_has_a_template() -> None:
    assert set(GERMAN_TEMPLATES) == {*SERVICE_MAILS, *DAY_MAILS, *SECURITY_MAILS}


class _Balance(HTMLParser):
    """Every element opened is closed, in order (void elements aside)."""

    VOID = frozenset({"meta", "br", "img", "hr", "input", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "a":
            self.links.append(dict(attrs).get("href"))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()


def _balanced(markup: str) -> _Balance:
    parser = _Balance()
    parser.feed(markup)
    parser.close()
    assert parser.problems == [], parser.problems
    assert parser.open == [], f"left open: {parser.open}"
    return parser


@pytest.mark.parametrize("name", [*SERVICE_MAILS, *DAY_MAILS])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mail_renders_with_what_the_service_passes(language: str, name: str) -> None:
    context = _service_context(name, language)

    mail = render(name, language, "a@example.org", context)

    assert mail.subject and "\n" not in mail.subject
    assert REFERENCE in mail.text
    assert REFERENCE in mail.html
    for part in (mail.subject, mail.text, mail.html):
        assert "None" not in part and "{{" not in part and "{%" not in part
    html_links = _balanced(mail.html).links
    for key in ("status_link", "privacy_link", "register_link", "cant_come_link", "map_link"):
        link = context.get(key)
        if isinstance(link, str):
            assert link in mail.text, f"{language}/{name}.txt lacks {key}"
            assert link in html_links, f"{language}/{name}.html lacks {key}"


@pytest.mark.parametrize("name", ["queued", "invitation"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mail_without_a_status_link_says_where_the_link_is(language: str, name: str) -> None:
    context = _service_context(name, language) | {"status_link": None, "cant_come_link": None}

    mail = render(name, language, "a@example.org", context)

    assert "None" not in mail.text and "None" not in mail.html
    assert LINK not in mail.text and LINK not in mail.html
    assert 'href=""' not in mail.html
    _balanced(mail.html)
    # In its place a sentence pointing at the link in the registration e-mail.
    assert REGISTRATION_MAIL[language] in " ".join(mail.text.split())
    assert REGISTRATION_MAIL[language] in mail.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invitation_shows_the_qr_code_and_says_the_code_in_words(language: str) -> None:
    mail = render("invitation", language, "a@example.org", _service_context("invitation", language))

    (image,) = _balanced(mail.html).images
    assert image["src"] == f"cid:{QR_CID}"
    assert REFERENCE in (image["alt"] or "")
    # The text part has no picture: the code stands near the top, before the address.
    assert mail.text.index(REFERENCE) < mail.text.index("Eberhardstraße")
    assert "09:00" in mail.subject and "09:30" in mail.subject
    assert "Fiktionsbescheinigung" in mail.text and "Fiktionsbescheinigung" in mail.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cant_come_link_is_a_link_to_a_page_never_a_form(language: str) -> None:
    context = _service_context("invitation", language)

    mail = render("invitation", language, "a@example.org", context)

    # A mail scanner that follows links must not release anybody's appointment.
    assert "<form" not in mail.html and "<button" not in mail.html
    assert f'href="{html.escape(str(context["cant_come_link"]))}"' in mail.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rejection_quotes_the_staff_reason_verbatim_and_escaped(language: str) -> None:
    context = _service_context("rejected", language)
    reason = str(context["reason"])

    mail = render("rejected", language, "a@example.org", context)

    assert reason in mail.text
    assert html.escape(reason) in mail.html
    assert "<Olena>" not in mail.html
    assert str(context["date_text"]) in mail.text


@pytest.mark.parametrize("name", [*SERVICE_MAILS, *DAY_MAILS])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_person_with_one_name_is_greeted_by_it(language: str, name: str) -> None:
    context = _service_context(name, language) | {"given_names": "", "family_name": "Sukarno"}

    mail = render(name, language, "a@example.org", context)

    first_line = mail.text.splitlines()[0]
    assert "Sukarno" in first_line
    assert "  " not in first_line and " ," not in first_line and " !" not in first_line


# Words that called the Fiktionsbescheinigung a fake or fictional certificate (issue 15).
WRONG_NAMES = ("fictional certificate", "fake certificate", "фіктивн", "підробн", "sahte", "مزور")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_fiktionsbescheinigung_is_named_in_german_and_explained(language: str) -> None:
    texts = [
        part
        for name in (*SERVICE_MAILS, *DAY_MAILS)
        for part in (
            (TEMPLATE_DIR / language / f"{name}.txt").read_text("utf-8"),
            (TEMPLATE_DIR / language / f"{name}.html").read_text("utf-8"),
        )
    ]
    invitation = (TEMPLATE_DIR / language / "invitation.txt").read_text("utf-8")
    web = (Path(__file__).parents[2] / "web" / "i18n" / f"{language}.json").read_text("utf-8")

    for wrong in WRONG_NAMES:
        assert all(wrong not in text.lower() for text in texts), wrong
        assert wrong not in web.lower(), f"web/i18n/{language}.json: {wrong}"
    # The German word, then a short explanation in brackets.
    assert re.search(r"Fiktionsbescheinigung\s*\(", invitation)


@pytest.mark.parametrize("name", [*SERVICE_MAILS, *DAY_MAILS])
def test_the_arabic_mails_run_right_to_left_and_isolate_the_latin_code(name: str) -> None:
    mail = render(name, "ar", "a@example.org", _service_context(name, "ar"))

    assert "text-align: left" not in mail.html and "border-left" not in mail.html
    assert f'<bdi dir="ltr">{REFERENCE}</bdi>' in mail.html


def test_the_map_link_searches_the_address_on_openstreetmap() -> None:
    link = map_link("Eberhardstraße 39,\n 70173 Stuttgart")

    assert link == (
        "https://www.openstreetmap.org/search?query=Eberhardstra%C3%9Fe+39%2C+70173+Stuttgart"
    )


# -- the subject as a mail program shows it (issue 15: "…призначення:будь ласка") ----------


@pytest.mark.parametrize("name", [*SERVICE_MAILS, *DAY_MAILS])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_subject_arrives_exactly_as_the_template_wrote_it(language: str, name: str) -> None:
    # Every month and weekday, so each long date name is folded somewhere in the header.
    days = [date(2026, month, 1) + timedelta(days=month % 7) for month in range(1, 13)]
    for day in days:
        context = _service_context(name, language) | {"date_text": date_text(day, language)}
        mail = render(name, language, "olena@müller.de", context)

        raw = mime_message(mail, "notfalltermin@stuttgart.example")
        parsed = message_from_bytes(raw, policy=policy.default)

        assert parsed["Subject"] == mail.subject, f"{language}/{name} on {day}"
        assert parsed["To"] == "olena@xn--mller-kva.de"
        head = raw.split(b"\n\n", 1)[0]
        assert head.isascii()
        assert all(len(line) <= 78 for line in head.split(b"\n"))


@pytest.mark.parametrize("name", [n for n in (*SERVICE_MAILS, *DAY_MAILS) if n != "invitation"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_registration_without_a_reference_gets_its_mail_without_the_line(
    language: str, name: str
) -> None:
    # Registrations made before references existed: the mail goes, the empty label does not.
    with_one = render(name, language, "a@example.org", _service_context(name, language))
    context = _service_context(name, language) | {"reference": ""}

    mail = render(name, language, "a@example.org", context)

    assert "<strong></strong>" not in mail.html
    assert '<bdi dir="ltr"></bdi>' not in mail.html
    _balanced(mail.html)
    label_line = next(line for line in with_one.text.splitlines() if REFERENCE in line)
    assert label_line.replace(REFERENCE, "").strip() not in mail.text
    assert "\n\n\n" not in mail.text
