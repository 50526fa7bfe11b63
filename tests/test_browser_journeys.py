"""The main journeys in a real browser, on a desktop and on a phone (390 x 844).

A department member creates and submits a mailing; the marketing manager opens the planning,
reads the quota figures of a request, postpones it to the suggested date and approves another;
an employee opens a company and reads its timeline. Each step asserts what the screen shows
(checked against the server over XML-RPC), fails on a JavaScript error, an error dialog or a
server traceback, and on the phone on anything wider than the screen. The demo users work in
French: the assertions read values and technical names, never labels.
"""
import time
from datetime import datetime, timedelta

import pytest
from browser import VIEWPORTS, server_log_checked  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("server_log_checked")


@pytest.fixture
def tag():
    """A number that tells this test's mailings apart (they show in the screenshots)."""
    return "n°%04d" % (int(time.time() * 100) % 10 ** 4)


@pytest.fixture
def mailings(admin):
    """Mailings made by a test, by name: deleted afterwards, so that the desktop and the
    phone runs (and the other tests) find the demo planning as it was."""
    names = []
    yield names
    if names:
        ids = admin.call("mail.mass_mailing", "search", [("name", "in", names)],
                         context={"active_test": False})
        admin.call("mail.mass_mailing", "unlink", ids)


def utc(days):
    return (datetime.utcnow() + timedelta(days=days)).strftime("%Y-%m-%d 08:00:00")


def french_day(value):
    """'2026-12-03 08:00:00' -> '03/12/2026', the French date format of the demo users."""
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").strftime("%d/%m/%Y")


def step(page, name):
    """A screenshot of the step; on the phone, the page must also fit the screen."""
    page.screenshot(name)
    if page.phone:
        page.assert_fits(name)


def number(text):
    return int("".join(ch for ch in text if ch.isdigit()))


def assert_quota_panel(page, figures):
    """The form's quota panel shows the figures of cci_check_pressure."""
    if figures["over_quota"]:
        assert number(page.field_text("cci_pressure_over")) == figures["over_quota"]
        assert number(page.field_text("cci_pressure_ok")) == figures["ok"]
    else:
        assert number(page.field_text("cci_pressure_total")) == figures["total"]


# -- a department member -------------------------------------------------------------------

@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_member_creates_and_submits_a_mailing(web, formation, viewport, tag, mailings):
    subject = "Matinale RH %s" % tag
    mailings.append(subject)
    page = web("formation", viewport)
    if page.phone:
        page.open_menu("cci_marketing.mail_mass_mailing_planning_menu")
        page.open_phone_menu()
        step(page, "member-0-phone-menu")
    page.open_menu("cci_marketing.mail_mass_mailing_department_menu")
    step(page, "member-1-my-mailings")
    page.click_css(".o_cp_buttons .o-kanban-button-new, .o_cp_buttons .o_list_button_add")
    page.wait_visible(".o_form_view.o_form_editable")
    # the department is the member's own, already chosen
    assert page.field_value("cci_department_id") == "Formation"
    page.fill("name", subject)
    page.fill_many2one("cci_category_id", "Invitation")
    page.fill_many2one("contact_list_ids", "Lettre de la chambre")
    wished = datetime.utcnow() + timedelta(days=30)
    page.fill_date("cci_requested_date", wished.strftime("%d/%m/%Y 09:00:00"))
    step(page, "member-2-form")
    page.click_css(".o_form_button_save")
    page.wait_visible(".o_form_view.o_form_readonly")
    # the message itself, as the mailing editor saves it (an empty one cannot be submitted)
    [draft] = formation.call("mail.mass_mailing", "search", [("name", "=", subject)])
    formation.call("mail.mass_mailing", "write", [draft],
                   {"body_html": "<p>Bonjour, la matinale RH vous attend.</p>"})
    page.open_action("cci_marketing.mail_mass_mailing_department_action", "form", draft)
    page.wait_visible(".o_form_view.o_form_readonly")
    page.click_css("button[name='action_cci_submit']")
    assert page.statusbar() == "submitted"
    assert not page.displayed("button[name='action_cci_submit']")

    mailing = formation.call("mail.mass_mailing", "search_read", [("name", "=", subject)],
                             fields=["cci_moderation_state", "cci_department_id",
                                     "cci_requester_id", "cci_requested_date",
                                     "contact_list_ids"])
    assert len(mailing) == 1
    mailing = mailing[0]
    assert mailing["cci_moderation_state"] == "submitted"
    assert mailing["cci_department_id"][1] == "Formation"
    assert mailing["cci_requester_id"][0] == formation.uid
    assert mailing["cci_requested_date"][:10] == wished.strftime("%Y-%m-%d")
    assert page.field_text("cci_requested_date").startswith(wished.strftime("%d/%m/%Y"))
    # the quota panel counts the list's contacts
    figures = formation.call("mail.mass_mailing", "cci_check_pressure", [mailing["id"]])
    assert figures["total"] > 0
    assert_quota_panel(page, figures)
    step(page, "member-3-submitted")


# -- the marketing manager -----------------------------------------------------------------

def submitted_requests(formation, admin, names):
    """Two requests of Formation to contacts who already received a lot (the demo draft of
    the Appui department aims at them): over quota soon, fine later."""
    salon = admin.ref("cci_pressure.mail_mass_mailing_demo_salon")
    domain = admin.call("mail.mass_mailing", "read", [salon], ["mailing_domain"])[0][
        "mailing_domain"]
    invitation = admin.ref("cci_pressure.cci_mailing_category_invitation")
    ids = []
    for name in names:
        mailing_id = formation.call("mail.mass_mailing", "create", {
            "name": name,
            "body_html": "<p>Bonjour,</p><p>%s</p>" % name,
            "mailing_model_id": admin.ref("base.model_res_partner"),
            "mailing_domain": domain,
            "reply_to_mode": "email",
            "cci_category_id": invitation,
            "cci_requested_date": utc(1),
        })
        assert formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id])
        ids.append(mailing_id)
    return ids


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_moderator_postpones_to_the_suggested_date_and_approves(
        web, formation, moderator, admin, viewport, tag, mailings):
    names = ["Salon de l'export %s" % tag, "Petit-déjeuner RH %s" % tag]
    mailings.extend(names)
    first_id, second_id = submitted_requests(formation, admin, names)
    page = web("marketing", viewport)

    # the planning opens on the requests to decide
    page.open_menu("cci_marketing.mail_mass_mailing_planning_menu")
    if not page.phone:
        page.wait_visible(".o_calendar_view")
        step(page, "moderator-0-calendar")
        page.switch_view("list")
    else:
        # the phone's kanban, one state per tab, opens on the tab of the requests to decide,
        # not on the empty drafts' one
        page.wait_text(names[0])
        page.wait_idle()
        page._settled(".o_kanban_group")
        on_screen = [card.text for card in page.displayed(".o_kanban_record")
                     if page._on_screen(card)]
        assert any(names[0] in text for text in on_screen), on_screen
    for name in names:
        page.wait_text(name)
    step(page, "moderator-1-planning")
    if page.phone:
        # the month calendar: Monday to Sunday on the screen
        page.switch_view("calendar")
        page.wait_css(".o_calendar_view .fc-day-header")
        step(page, "moderator-0-calendar")
        page.switch_view("kanban")
        page.wait_text(names[0])

    # the quota figures of the first one
    figures = moderator.call("mail.mass_mailing", "cci_check_pressure", [first_id])
    assert figures["over_quota"] > 0 and figures["suggested_date"], figures
    page.click_text(names[0], within=".o_content")
    assert page.statusbar() == "submitted"
    assert_quota_panel(page, figures)
    assert page.field_text("cci_pressure_suggested_date").startswith(
        french_day(figures["suggested_date"]))
    page.scroll_to(".o_form_view .alert:not(.o_invisible_modifier)"
                   " .o_field_widget[name='cci_pressure_over']", above=80)
    step(page, "moderator-2-pressure")

    # who would be held back, and why: a list on a desktop, cards on a phone (the reasons
    # read as the screen writes them, in the moderator's French)
    held_back = moderator.call("mail.mass_mailing", "cci_held_back", [first_id],
                               context={"lang": "fr_FR"})
    assert held_back, "the demo's crowded mailing holds recipients back"
    page.click_css("button[name='action_cci_view_held_back']")
    page.wait_text(held_back[0]["reason"])
    lines = page.displayed(".o_content .o_data_row, .o_content .o_kanban_record")
    assert len(lines) == min(len(held_back), 40 if page.phone else 80)  # one page
    if page.phone:
        assert page.displayed(".o_kanban_view"), "the held-back list opens as cards on a phone"
    step(page, "moderator-2-held-back")
    page.back()
    page.wait_visible("button[name='action_cci_postpone_to_suggested']")

    # postponed to the suggested date, through the decision dialog: its quota figures on
    # that date, and a reason (proposed) that she may rewrite
    page.click_css("button[name='action_cci_postpone_to_suggested']")
    page.wait_visible(".modal .o_form_view")
    assert page.css(".modal .o_field_widget[name='decision'] input[data-value='postpone']")[0] \
        .is_selected()
    page.wait_visible(".modal div[name='cci_impact']")
    step(page, "moderator-2-postpone-dialog")
    page.click_css(".modal button[name='action_confirm']")
    page.wait_gone(".modal .o_form_view")
    assert page.statusbar() == "approved"
    first = moderator.call("mail.mass_mailing", "read", [first_id],
                           ["cci_moderation_state", "schedule_date", "cci_moderation_note"])[0]
    assert first["cci_moderation_state"] == "approved"
    assert first["schedule_date"] == figures["suggested_date"]
    assert page.field_text("schedule_date").startswith(french_day(figures["suggested_date"]))
    assert first["cci_moderation_note"] in page.text(".o_form_view")
    page.scroll_to(".o_form_statusbar")
    step(page, "moderator-3-postponed")

    # the second one approved through the decision dialog
    page.back()
    page.click_text(names[1], within=".o_content")
    assert page.statusbar() == "submitted"
    decide = admin.ref("cci_marketing.cci_moderation_wizard_action")
    buttons = page.displayed(".o_form_statusbar button[name='%d']" % decide)
    assert len(buttons) == 3, "approve, postpone and reject"
    page.click(buttons[0])
    page.wait_visible(".modal .o_form_view")
    assert page.css(".modal .o_field_widget[name='decision'] input[data-value='approve']")[0] \
        .is_selected()
    step(page, "moderator-4-approve-dialog")
    # the date picker of the send date opens inside the screen
    page.click_css(".modal .o_field_widget[name='schedule_date'] input")
    page.wait_visible(".bootstrap-datetimepicker-widget")
    step(page, "moderator-4-approve-dialog-date")
    page.click_css(".modal .modal-title")
    page.wait_gone(".bootstrap-datetimepicker-widget")
    page.click_css(".modal button[name='action_confirm']")
    page.wait_gone(".modal .o_form_view")
    assert page.statusbar() == "approved"
    second = moderator.call("mail.mass_mailing", "read", [second_id],
                            ["cci_moderation_state", "state", "cci_moderator_id"])[0]
    assert (second["cci_moderation_state"], second["state"]) == ("approved", "in_queue")
    assert second["cci_moderator_id"][0] == moderator.uid
    step(page, "moderator-5-approved")


# -- any employee --------------------------------------------------------------------------

def busiest_company(user):
    groups = user.call("cci.interaction", "read_group", [("commercial_partner_id", "!=", False)],
                       ["commercial_partner_id"], ["commercial_partner_id"])
    best = max(groups, key=lambda g: g["commercial_partner_id_count"])
    return best["commercial_partner_id"]


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_employee_reads_a_company_timeline(web, employee, viewport):
    company_id, company = busiest_company(employee)
    count = employee.call("res.partner", "read", [company_id],
                          ["cci_interaction_count"])[0]["cci_interaction_count"]
    latest = employee.call("res.partner", "cci_timeline", [company_id], 5)
    assert count > 5 and latest
    page = web("employee", viewport)

    page.open_menu("contacts.res_partner_menu_contacts")
    page.search(company)
    page.click_text(company, within=".o_content")
    page.wait_displayed(".o_form_view button[name='action_cci_timeline']")
    assert number(page.text(".o_form_view button[name='action_cci_timeline']")) == count
    step(page, "timeline-1-company")

    page.open_tab_of("cci_recent_interaction_ids")
    # a list on a desktop, cards on a phone
    rows = page.displayed(".o_field_widget[name='cci_recent_interaction_ids'] .o_data_row,"
                          ".o_field_widget[name='cci_recent_interaction_ids'] .o_kanban_record")
    assert rows
    assert latest[0]["name"] in rows[0].text
    page.scroll_to(".o_form_view .o_notebook")
    step(page, "timeline-2-company")

    page.click_css(".o_form_view button[name='action_cci_timeline']")
    page.wait_text(latest[0]["name"])
    records = page.displayed(".o_content .o_data_row, .o_content .o_kanban_record")
    assert latest[0]["name"] in records[0].text
    if page.phone:
        assert page.displayed(".o_kanban_view"), "the timeline opens as cards on a phone"
    step(page, "timeline-3-timeline")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_employee_reads_the_planning_from_the_contacts_app(web, employee, admin, viewport):
    submitted_id = admin.ref("cci_marketing.mail_mass_mailing_demo_export")
    mailing = employee.call("mail.mass_mailing", "read", [submitted_id],
                            ["name", "cci_moderation_state"])[0]
    assert mailing["cci_moderation_state"] == "submitted"
    page = web("employee", viewport)

    page.open_menu("cci_marketing.mail_mass_mailing_planning_contacts_menu")
    if not page.phone:
        page.wait_visible(".o_calendar_view")
        page.switch_view("list")
    page.wait_text(mailing["name"])
    if page.phone:  # cards, on the tab of the requests, not on the empty drafts' one
        page.wait_idle()
        page._settled(".o_kanban_group")
        assert any(mailing["name"] in card.text for card in page.displayed(".o_kanban_record")
                   if page._on_screen(card))
    assert not page.displayed(".o_cp_buttons .o-kanban-button-new,"
                              " .o_cp_buttons .o_list_button_add"), "read-only"
    step(page, "employee-1-planning")

    page.click_text(mailing["name"], within=".o_content")
    page.wait_visible(".o_form_view.o_form_readonly")
    assert page.statusbar() == "submitted"
    assert not page.displayed(".o_form_button_edit, .o_form_button_create")
    assert not page.displayed(".o_form_statusbar button:not(.o_arrow_button)")
    step(page, "employee-2-planned-mailing")
