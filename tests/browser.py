"""Headless Chromium (Debian's, through Selenium and chromedriver) on the test server.

A page fails the test on any JavaScript error in the console; every step can be saved as a
screenshot in artifacts/screenshots/ (kept as test artefacts).
"""
import os
import re
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOTS = os.path.join(ROOT, "artifacts", "screenshots")
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


class Page:
    def __init__(self, url, viewport="desktop", timeout=20):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=fr-FR"):
            options.add_argument(arg)
        width, height = VIEWPORTS[viewport]
        options.add_argument("--window-size=%d,%d" % (width, height))
        if viewport == "phone":
            options.add_experimental_option("mobileEmulation", {
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 3.0},
                "userAgent": PHONE_UA})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
        self.driver = webdriver.Chrome(options=options, service=service)
        self.url, self.viewport, self.timeout = url, viewport, timeout
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
        self.wait_css(".o_web_client", timeout=60)
        self.wait_idle()
        return self

    def open_action(self, xmlid, view_type=None, res_id=None):
        """Open a window action by xml id through the web client's own URL."""
        fragment = "action=%s" % xmlid
        if view_type:
            fragment += "&view_type=%s" % view_type
        if res_id:
            fragment += "&id=%d" % res_id
        self.driver.get(self.url + "/web#" + fragment)
        self.wait_css(".o_web_client .o_view_manager_content", timeout=40)
        self.wait_idle()

    def wait_idle(self, settle=0.3):
        """Wait for Odoo's pending RPCs to end (the blockUI and the loading indicator)."""
        end = time.time() + self.timeout
        while time.time() < end:
            busy = self.driver.execute_script(
                "return !!(document.querySelector('.o_loading:not([style*=\"none\"])')"
                " || document.querySelector('.blockUI'));")
            if not busy:
                break
            time.sleep(0.1)
        time.sleep(settle)

    # -- reading and acting -------------------------------------------------------
    def wait_css(self, selector, timeout=None):
        return WebDriverWait(self.driver, timeout or self.timeout).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def wait_visible(self, selector, timeout=None):
        return WebDriverWait(self.driver, timeout or self.timeout).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, selector)))

    def wait_text(self, text, timeout=None):
        try:
            WebDriverWait(self.driver, timeout or self.timeout).until(
                lambda d: text in d.find_element(By.TAG_NAME, "body").text)
        except TimeoutException:
            raise AssertionError("%r not on screen; it shows:\n%s" % (text, self.text()[:3000]))

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def css(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def click_css(self, selector):
        element = WebDriverWait(self.driver, self.timeout).until(
            EC.element_to_be_clickable((By.CSS_SELECTOR, selector)))
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        self.wait_idle()

    def click_text(self, text, selector="button, a, span, div, li"):
        """Click the visible element whose own text is ``text`` (innermost match)."""
        xpath = ("//*[self::button or self::a or self::span or self::li or self::div]"
                 "[normalize-space(text())=%s]" % _xpath_literal(text))
        end = time.time() + self.timeout
        while time.time() < end:
            for element in self.driver.find_elements(By.XPATH, xpath):
                if element.is_displayed():
                    self.driver.execute_script(
                        "arguments[0].scrollIntoView({block: 'center'});", element)
                    element.click()
                    self.wait_idle()
                    return element
            time.sleep(0.2)
        raise AssertionError("nothing clickable reads %r; the screen shows:\n%s"
                             % (text, self.text()[:3000]))

    def fill(self, field_name, value):
        """Type into the form field named ``field_name`` (input or textarea)."""
        element = self.wait_visible(
            ".o_form_view [name='%s'] input, .o_form_view input[name='%s'],"
            " .o_form_view textarea[name='%s']" % (field_name, field_name, field_name))
        element.clear()
        element.send_keys(value)

    def screenshot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        safe = re.sub(r"[^a-zA-Z0-9_.-]+", "_", "%s-%s" % (self.viewport, name))
        path = os.path.join(SHOTS, safe + ".png")
        self.driver.save_screenshot(path)
        return path

    def horizontal_overflow(self):
        """Pixels the page is wider than the screen (0 on a page that fits a phone)."""
        return self.driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth;")

    def collect_errors(self):
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE" and "favicon" not in entry["message"]:
                self.errors.append(entry["message"])
        return self.errors


def _xpath_literal(text):
    if "'" not in text:
        return "'%s'" % text
    return "concat('%s')" % "', \"'\", '".join(text.split("'"))
