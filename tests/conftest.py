"""End-to-end harness: a real Odoo server on a free loopback port, over XML-RPC.

The database is a copy of $CCI_E2E_TEMPLATE (the one `make test` just installed and tested)
or, when pytest runs alone, a fresh one with both addons and their demo data. Outgoing mail
goes to an SMTP sink in this process, so tests can read what was sent.
"""
import asyncore
import os
import signal
import smtpd
import socket
import subprocess
import threading
import time
import urllib.request
import xmlrpc.client
from datetime import datetime, timedelta
from email import message_from_bytes

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO_PASSWORDS = {
    "admin": "admin",
    "marketing": "marketing",
    "formation": "formation",
    "international": "international",
    "creation": "creation",
    "apprentissage": "apprentissage",
    "appui": "appui",
    "employee": "employee",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(*args):
    cmd = "source scripts/common.sh && source scripts/db.sh && " + " ".join(args)
    return subprocess.run(["bash", "-c", cmd], cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def start_server(db, smtp_port, logfile, timeout=300):
    """Start an Odoo server process (its own process group) on ``db``, on a free loopback
    port, with no cron thread: (process, url) once it serves."""
    port = free_port()
    env = dict(os.environ, TZ="UTC")
    with open(str(logfile), "a") as log:
        proc = subprocess.Popen(
            ["bash", "-c", "source scripts/common.sh && odoo_bin -d %s --db-filter='^%s$' "
             "--http-interface=127.0.0.1 --http-port=%d --workers=0 --max-cron-threads=0 "
             "--smtp=127.0.0.1 --smtp-port=%d" % (db, db, port, smtp_port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + timeout
    while True:
        try:
            # a request during the registry's loading can break its routing for good
            if "Modules loaded." in logfile.read_text() and \
                    urllib.request.urlopen(url + "/web/login", timeout=30).status == 200:
                return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            if proc.poll() is None:
                stop_server(proc)
            raise RuntimeError("Odoo did not start:\n" + logfile.read_text()[-3000:])
        time.sleep(0.5)


def stop_server(proc, sig=signal.SIGTERM):
    """Stop a server of start_server (SIGKILL: as a crash would) and wait for its end."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    proc.wait(60)


class SmtpSink(smtpd.SMTPServer):
    def __init__(self, port):
        super().__init__(("127.0.0.1", port), None, decode_data=False)
        self.messages = []
        self.delay = 0.0  # seconds per message: a slow mail server, to crash mid-send

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        if self.delay:
            time.sleep(self.delay)
        msg = message_from_bytes(data)
        self.messages.append({"from": mailfrom, "to": rcpttos, "message": msg})

    def count_by_recipient(self, subject):
        """{address: how many mails of this subject it received}."""
        counts = {}
        for msg in list(self.messages):
            if msg["message"]["Subject"] == subject:
                for rcpt in msg["to"]:
                    counts[rcpt.lower()] = counts.get(rcpt.lower(), 0) + 1
        return counts


@pytest.fixture(scope="session")
def smtp_sink():
    port = free_port()
    sink = SmtpSink(port)
    sink.port = port
    thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.2}, daemon=True)
    thread.start()
    yield sink
    sink.close()


class Odoo:
    """A running server and XML-RPC helpers bound to it."""

    def __init__(self, url, db):
        self.url, self.db = url, db
        self.common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common", allow_none=True)
        self._uids = {}

    def uid(self, login):
        if login not in self._uids:
            uid = self.common.authenticate(self.db, login, DEMO_PASSWORDS[login], {})
            assert uid, "login %s refused" % login
            self._uids[login] = uid
        return self._uids[login]

    def as_user(self, login):
        return OdooUser(self, login)


class OdooUser:
    def __init__(self, odoo, login):
        self.odoo, self.login = odoo, login
        self.uid = odoo.uid(login)
        self.proxy = xmlrpc.client.ServerProxy(odoo.url + "/xmlrpc/2/object", allow_none=True)

    def call(self, model, method, *args, **kwargs):
        # The demo users work in French; the API tests read Odoo's messages in English.
        kwargs.setdefault("context", {"lang": "en_US"})
        return self.proxy.execute_kw(self.odoo.db, self.uid, DEMO_PASSWORDS[self.login],
                                     model, method, list(args), kwargs)

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.odoo.as_user("admin").call(
            "ir.model.data", "search_read",
            [("module", "=", module), ("name", "=", name)], fields=["res_id"])
        assert rows, "no record %s" % xmlid
        return rows[0]["res_id"]


@pytest.fixture(scope="session")
def odoo(smtp_sink, tmp_path_factory):
    db = "cci_e2e_%d" % os.getpid()
    template = os.environ.get("CCI_E2E_TEMPLATE")
    if template:
        sh("db_copy", template, db)
    else:
        sh("scripts/make-db.sh", db)
    logfile = tmp_path_factory.mktemp("odoo") / "server.log"
    try:
        proc, url = start_server(db, smtp_sink.port, logfile)
    except RuntimeError:
        sh("db_drop", db)
        raise
    server = Odoo(url, db)
    server.logfile = logfile
    admin = server.as_user("admin")
    # Outgoing mail to the sink, tracked links to this server.
    admin.call("ir.mail_server", "write",
               admin.call("ir.mail_server", "search", []),
               {"smtp_host": "127.0.0.1", "smtp_port": smtp_sink.port, "smtp_encryption": "none"})
    admin.call("ir.config_parameter", "set_param", "web.base.url", url)
    yield server
    os.killpg(proc.pid, 15)
    proc.wait(30)
    sh("db_drop", db)
    tracebacks = [line for line in logfile.read_text().splitlines() if "Traceback" in line]
    assert not tracebacks or os.environ.get("CCI_E2E_ALLOW_TRACEBACKS"), \
        "server logged tracebacks, see %s" % logfile


@pytest.fixture
def admin(odoo):
    return odoo.as_user("admin")


@pytest.fixture
def moderator(odoo):
    return odoo.as_user("marketing")


@pytest.fixture
def formation(odoo):
    return odoo.as_user("formation")


@pytest.fixture
def employee(odoo):
    return odoo.as_user("employee")


def run_cron(user, xmlid):
    """Run a scheduled action now, as Odoo's cron worker would."""
    cron_id = user.ref(xmlid)
    return user.odoo.as_user("admin").call("ir.cron", "method_direct_trigger", [cron_id])


@pytest.fixture
def web(odoo):
    """web(login, viewport='desktop'|'phone') -> a logged-in browser Page; JS errors fail."""
    from browser import Page

    pages = []

    def open_page(login, viewport="desktop"):
        page = Page(odoo.url, viewport=viewport)
        pages.append(page)
        return page.login(login, DEMO_PASSWORDS[login])

    yield open_page
    errors = []
    for page in pages:
        errors += page.collect_errors()
        page.driver.quit()
    assert not errors, "JavaScript errors in the browser:\n" + "\n".join(errors)


def mailing_category(user):
    """Extra values a mailing needs to be submitted once cci_pressure is installed: a
    category. Tests of other features take the statutory notice (weight 0), so that the
    quotas never interfere with them."""
    found = user.odoo.as_user("admin").call(
        "ir.model.data", "search_read",
        [("module", "=", "cci_pressure"), ("name", "=", "cci_mailing_category_statutory")],
        fields=["res_id"])
    return {"cci_category_id": found[0]["res_id"]} if found else {}


def partner_mailing(user, partner_ids, subject, **vals):
    """Create, as ``user``, a mailing of ``subject`` to these partners (ids) and return its
    id: the same body, sender and reply-to in every suite; ``vals`` add to or override
    them. Without ``cci_category_id`` in ``vals``, the statutory notice (mailing_category)."""
    model_id = user.call("ir.model", "search", [("model", "=", "res.partner")])[0]
    values = {
        "name": subject,
        "body_html": "<p>Bonjour, <a href='https://www.example.com/agenda'>agenda</a></p>",
        "mailing_model_id": model_id,
        "mailing_domain": repr([("id", "in", sorted(partner_ids))]),
        "reply_to_mode": "email",
        "reply_to": "formation@cci-demo.example.com",
    }
    if "cci_category_id" not in vals:
        values.update(mailing_category(user))
    values.update(vals)
    return user.call("mail.mass_mailing", "create", values)


def utc(minutes=0):
    """Now plus ``minutes``, as Odoo 11 writes datetimes over XML-RPC (UTC)."""
    return (datetime.utcnow() + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


def refused(call, *args, **kwargs):
    """The fault string of a call that must fail."""
    with pytest.raises(xmlrpc.client.Fault) as err:
        call(*args, **kwargs)
    return err.value.faultString


@pytest.fixture
def tag():
    """A suffix no other test uses (names, addresses)."""
    return "%d-%d" % (os.getpid(), int(time.time() * 1000))


@pytest.fixture
def quota(moderator, tag):
    """A category of its own and a quota on it: one mailing a week per contact (so that no
    other test's mailings count, and this test's count for no other)."""
    category_id = moderator.call("cci.mailing.category", "create",
                                 {"name": "E2E category %s" % tag, "weight": 1})
    rule_id = moderator.call("cci.pressure.rule", "create", {
        "name": "E2E one a week %s" % tag, "window_days": 7, "max_weight": 1,
        "scope": "contact", "category_ids": [(6, 0, [category_id])],
    })
    return {"category_id": category_id, "rule_id": rule_id,
            "rule_name": "E2E one a week %s" % tag}
