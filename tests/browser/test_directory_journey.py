"""Patients search the directory, practitioners manage their profile, staff moderate: in Chromium.

The live server serves the directory role's URLs (the test settings install both roles' apps);
English lives under /en/. Personas: Dr Léa Roux (books online), Dr Karim Benali (phone only,
speaks Arabic), Dr Paul Lefèvre (in Paris), Dr Claire Martin (imported from open data),
Dr Nora Petit (not listed yet), and Sam, directory staff.
"""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from directory.models import Instance, ProfileReport
from tests.directory.factories import CESSON, PARIS, RENNES, make_profile, specialty

pytestmark = pytest.mark.browser
PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture(autouse=True)
def _directory_urls(settings):
    settings.ROOT_URLCONF = "directory.urls"  # the live server reads it at each request


@pytest.fixture
def cast(live_server):
    tilleuls = Instance.objects.create(base_url=live_server.url, name="Tilleuls", status="approved")
    return {
        "roux": make_profile("Léa", "Roux", "dermatologie", RENNES, practice_name="Cabinet du Thabor",
                             address="3 rue de Paris", languages=["fr", "en"], teleconsultation=True,
                             instance=tilleuls, booking_url=f"{live_server.url}/en/?handed-off=1"),
        "benali": make_profile("Karim", "Benali", "dermatologie", CESSON, phone="+33299000002",
                               languages=["fr", "ar"]),
        "lefevre": make_profile("Paul", "Lefèvre", "dermatologie", PARIS, languages=["fr", "ar"],
                                teleconsultation=True),
        "martin": make_profile("Claire", "Martin", "medecine-generale", RENNES, rpps="10001234567",
                               phone="+33299000001"),
    }  # fmt: skip


@pytest.fixture
def moderator(new_context, live_server) -> Page:
    """Sam, directory staff, logged in through the admin login in a browser of his own."""
    get_user_model().objects.create_user("sam@directory.example", "sam@directory.example", PASSWORD, is_staff=True)
    sam = new_context().new_page()
    sam.set_default_timeout(10_000)
    sam.set_default_navigation_timeout(15_000)
    sam.goto(f"{live_server.url}/admin/login/?next=/en/moderation/")
    sam.locator("#id_username").fill("sam@directory.example")
    sam.locator("#id_password").fill(PASSWORD)
    sam.locator("input[type=submit]").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("Moderation")
    return sam


# --- Steps -------------------------------------------------------------------------------------


def search_with_the_form(page: Page, live_server, who: str, where: str) -> None:
    page.goto(f"{live_server.url}/en/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a practitioner")
    page.get_by_label("Who").fill(who)
    page.get_by_label("Where").fill(where)
    page.get_by_role("button", name="Search").click()


def open_results(page: Page, live_server, **query: str) -> None:
    """The results page as its address (links, bookmarks) gives it."""
    page.goto(f"{live_server.url}/en/?{urlencode(query)}")


def result(page: Page, name: str):
    return page.locator("li.result").filter(has=page.get_by_role("heading", name=name))


def approve(moderator: Page, item: str, done: str) -> None:
    moderator.goto(moderator.url.split("?")[0])  # the queue, as it is now
    moderator.locator("article.moderation-item", has_text=item).get_by_role("button", name="Approve").click()
    expect(moderator.get_by_role("status")).to_have_text(done)


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/en/practitioners/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")


# --- Patients ----------------------------------------------------------------------------------


def test_a_patient_finds_a_nearby_dermatologist_despite_a_typo_and_narrows_by_language(page, live_server, cast):
    search_with_the_form(page, live_server, "dermatologe", "Rennes")

    expect(page.get_by_role("status")).to_have_text("2 practitioners found · near Rennes")
    expect(page.locator("li.result")).to_have_count(2)
    expect(result(page, "Dr Léa Roux")).to_contain_text("Dermatologist")
    distance = result(page, "Dr Karim Benali").locator(".distance")
    expect(distance).to_have_text(re.compile(r"^\d+\.\d km$"))
    assert 4 < float(distance.inner_text().removesuffix(" km")) < 9  # Cesson-Sévigné, beside Rennes
    expect(page.get_by_text("Lefèvre")).to_have_count(0)  # a dermatologist too, but in Paris
    expect(page.get_by_label("Who")).to_have_value("dermatologe")

    page.get_by_text("Filters").click()
    page.get_by_label("Speaks").select_option("ar")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("status")).to_have_text("1 practitioner found · near Rennes")
    expect(page.locator("li.result h2")).to_have_text(["Dr Karim Benali"])
    expect(page.get_by_label("Speaks")).to_have_value("ar")


def test_a_search_with_a_wrong_language_code_is_explained_in_words(page, live_server, cast):
    # An old or hand-edited link: ?language= takes two-letter codes only.
    open_results(page, live_server, q="dermatologe", place="Rennes", language="arabic")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_text(re.compile(r"[A-Za-z]{3,}"))  # an explanation, not a bare list index


def test_a_patient_opens_a_profile_and_is_handed_off_to_the_clinic_booking_page(page, live_server, cast):
    open_results(page, live_server, q="roux", place="Rennes")
    page.get_by_role("link", name="Dr Léa Roux").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Léa Roux")
    expect(page.locator("article.profile")).to_contain_text("Dermatologist")
    expect(page.locator("article.profile")).to_contain_text("Cabinet du Thabor, 3 rue de Paris, 35000 Rennes")
    booking_url = f"{live_server.url}/en/?handed-off=1"
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Book online").click()

    hand_off = navigation.value.request.redirected_from
    assert urlsplit(hand_off.url).path == f"/en/go/{cast['roux'].pk}/"
    assert hand_off.response().status == 302
    assert hand_off.response().headers["referrer-policy"] == "no-referrer"
    assert page.url == booking_url
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a practitioner")


def test_a_practitioner_without_online_booking_is_called_instead(page, live_server, cast):
    open_results(page, live_server, q="benali", place="Rennes")

    card = result(page, "Dr Karim Benali")
    call = card.get_by_role("link", name="Call to book: 02 99 00 00 02")
    expect(call).to_have_attribute("href", "tel:+33299000002")
    expect(card.get_by_role("link", name="Book online")).to_have_count(0)

    page.get_by_role("link", name="Dr Karim Benali").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Karim Benali")
    expect(page.get_by_role("link", name="Call: 02 99 00 00 02")).to_have_attribute("href", "tel:+33299000002")
    expect(page.get_by_role("link", name="Book online")).to_have_count(0)
    page.goto(f"{live_server.url}/go/{cast['benali'].pk}/")  # an old hand-off link leads to the profile
    assert urlsplit(page.url).path == f"/p/{cast['benali'].pk}/"


def test_a_visitor_gets_no_cookie_and_no_request_to_a_third_party(page, live_server, cast):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    search_with_the_form(page, live_server, "dermatologe", "Rennes")  # the search page, then its results
    expect(page.get_by_role("status")).to_contain_text("2 practitioners found")
    page.get_by_role("link", name="Dr Karim Benali").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Karim Benali")
    page.wait_for_load_state("networkidle")

    ours = urlsplit(live_server.url).netloc
    assert any(url.endswith(".css") for url in requested), "the stylesheet was not even requested"
    assert any(url.endswith(".js") for url in requested), "the search page's script was not even requested"
    assert len([url for url in requested if "/en/" in url]) == 3  # search page, results, profile
    assert [url for url in requested if urlsplit(url).netloc != ours] == []
    assert page.context.cookies() == []


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_the_search_works_with_javascript_disabled(page, live_server, cast):
    search_with_the_form(page, live_server, "dermatologe", "Rennes")
    expect(page.get_by_role("status")).to_have_text("2 practitioners found · near Rennes")

    page.get_by_text("Filters").click()
    page.get_by_label("Teleconsultation").check()
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("status")).to_have_text("1 practitioner found · near Rennes")
    expect(page.locator("li.result h2")).to_have_text(["Dr Léa Roux"])


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
def test_the_search_works_on_a_phone_sized_screen(page, live_server, cast):
    page.goto(f"{live_server.url}/en/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Who").fill("dermatologe")
    page.get_by_label("Where").fill("Rennes")
    page.get_by_role("button", name="Search").tap()

    expect(page.get_by_role("status")).to_have_text("2 practitioners found · near Rennes")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    book = result(page, "Dr Léa Roux").get_by_role("link", name="Book online")
    box = book.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    result(page, "Dr Karim Benali").get_by_role("link", name="Dr Karim Benali").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Karim Benali")


def test_a_visitor_reports_a_profile_and_the_moderator_sees_the_report(page, live_server, cast, moderator):
    page.goto(f"{live_server.url}/en/p/{cast['martin'].pk}/")
    page.get_by_role("link", name="Report this profile").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Report this profile")
    page.get_by_label("Reason").select_option("closed")
    page.get_by_label("Details").fill("Retired in June; the practice is closed.")
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_role("status")).to_have_text("Your report is sent to the directory's moderators.")
    assert page.context.cookies() == []
    assert ProfileReport.objects.get().profile == cast["martin"]

    moderator.reload()
    report = moderator.locator("article.moderation-item", has_text="No longer practises here")
    expect(report.get_by_role("heading")).to_have_text("Dr Claire Martin · 1 open report")
    expect(report).to_contain_text("Retired in June; the practice is closed.")
    report.get_by_role("button", name="Mark its reports as handled").click()
    expect(moderator.get_by_text("No open report.")).to_be_visible()
    assert ProfileReport.objects.get().resolved_at is not None


# --- Practitioners and moderators ----------------------------------------------------------------


def test_a_practitioner_signs_up_creates_a_profile_and_is_found_once_approved(page, live_server, inbox, moderator):
    specialty("pediatrie")
    page.goto(f"{live_server.url}/en/practitioners/signup/")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Petit")
    page.get_by_label("Professional e-mail").fill("Nora.Petit@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")

    [mail] = inbox.messages
    assert mail["To"] == "nora.petit@example.org"
    body = mail.get_payload(decode=True).decode()
    link = re.search(rf"{re.escape(live_server.url)}/en/practitioners/verify/\S+/", body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_role("status")).to_have_text("Your e-mail address is confirmed.")

    page.get_by_role("link", name="Create your profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your profile")
    expect(page.get_by_label("First name")).to_have_value("Nora")
    page.get_by_label("Your RPPS number").fill("10007654321")
    page.get_by_label("Title").fill("Dr")
    page.get_by_label("Specialty").select_option(label="Paediatrician")
    page.get_by_label("Postcode").fill("35400")
    page.get_by_label("City").fill("Saint-Malo")
    page.get_by_label("Phone").fill("02 99 00 00 09")
    page.get_by_label("English", exact=True).check()
    page.get_by_label("Español", exact=True).check()
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("status")).to_have_text(
        "Your profile is sent; it will appear once a moderator approves it."
    )
    expect(page.locator("li.card", has_text="Dr Nora Petit")).to_contain_text("awaiting moderation")
    open_results(page, live_server, q="petit", place="Saint-Malo")
    expect(page.get_by_role("status")).to_contain_text("0 practitioners found")

    approve(moderator, "Dr Nora Petit · Paediatrician", "Profile status changed.")

    open_results(page, live_server, q="petit", place="Saint-Malo")
    expect(page.get_by_role("status")).to_have_text("1 practitioner found · near Saint-Malo")
    page.get_by_role("link", name="Dr Nora Petit").click()
    expect(page.locator("article.profile")).to_contain_text("EN, ES")
    expect(page.get_by_role("link", name="Call: 02 99 00 00 09")).to_have_attribute("href", "tel:+33299000009")


def test_a_practitioner_claims_an_imported_profile_and_renames_the_practice(page, live_server, cast, moderator):
    get_user_model().objects.create_user("claire@example.org", "claire@example.org", PASSWORD,
                                         first_name="Claire", last_name="Martin")  # fmt: skip
    log_in(page, live_server, "claire@example.org")
    page.get_by_label("Your RPPS number").fill("10001234567")
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Your claim is sent; a moderator will check it.")
    expect(page.get_by_text("Your claim of the profile of Dr Claire Martin awaits moderation.")).to_be_visible()

    approve(moderator, "Claim · Dr Claire Martin", "Decision recorded.")

    page.reload()
    card = page.locator("li.card", has_text="Dr Claire Martin")
    expect(card.locator(".status")).to_have_text("published")
    card.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your profile")
    page.get_by_label("Practice").fill("Cabinet des Lices")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your changes are sent; they will appear once a moderator approves them."
    )
    expect(card.locator(".status")).to_have_text("published · changes awaiting moderation")
    open_results(page, live_server, q="cabinet des lices")
    expect(page.get_by_role("status")).to_have_text("0 practitioners found")

    approve(moderator, "Edit · Dr Claire Martin", "Decision recorded.")

    open_results(page, live_server, q="cabinet des lices")
    expect(page.get_by_role("status")).to_have_text("1 practitioner found")
    expect(result(page, "Dr Claire Martin")).to_contain_text("Cabinet des Lices")


def test_a_moderator_approves_a_registered_clinic_instance_and_its_profiles_appear(page, live_server, moderator):
    chenes = Instance.objects.create(base_url="https://rdv.chenes.example", name="Cabinet des Chênes")
    make_profile("Camille", "Faure", "chirurgie-dentaire", RENNES, instance=chenes, instance_ref="p-2",
                 booking_url="https://rdv.chenes.example/book/2/", status="hidden")  # fmt: skip
    approve(moderator, "Cabinet des Chênes", "Clinic instance status changed.")
    expect(moderator.locator("article.moderation-item", has_text="Cabinet des Chênes")).to_have_count(0)
    open_results(page, live_server, q="Faure")
    expect(result(page, "Dr Camille Faure").get_by_role("link", name="Book online")).to_be_visible()
