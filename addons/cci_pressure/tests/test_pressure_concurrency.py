import threading
import time
import uuid

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import mute_logger

QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


class TestPressureConcurrency(BaseCase):
    """Two cron workers sending two mailings to the same contact at the same time, on two
    real database connections: the second waits for the first, and does not send on a view
    of the database older than the first one's sending.

    The test data is committed (other connections must see it) and removed at the end.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = odoo.registry(get_db_name())

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '30s'")
            env = api.Environment(cr, SUPERUSER_ID, QUIET)
            category = env["cci.mailing.category"].create(
                {"name": "T concurrent %s" % tag, "weight": 1})
            rule = env["cci.pressure.rule"].create({
                "name": "T concurrent one a week %s" % tag, "window_days": 7,
                "max_weight": 1, "category_ids": [(6, 0, category.ids)],
            })
            partner = env["res.partner"].create(
                {"name": "Concurrent %s" % tag, "email": "concurrent-%s@example.com" % tag})
            mailings = env["mail.mass_mailing"]
            for name in ("First worker", "Second worker"):
                mailings |= mailings.create({
                    "name": "%s %s" % (name, tag),
                    "body_html": "<p>Bonjour</p>",
                    "mailing_model_id": env.ref("base.model_res_partner").id,
                    "mailing_domain": repr([("id", "=", partner.id)]),
                    "reply_to_mode": "email",
                    "cci_category_id": category.id,
                    "cci_moderation_state": "approved",
                    "state": "in_queue",
                })
        self.ids = {
            "category": category.id, "rule": rule.id, "partner": partner.id,
            "mailings": mailings.ids, "sources": mailings.mapped("source_id").ids,
            "rule_name": rule.name,
        }
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        ids = self.ids
        with self.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '30s'")
            mailings = tuple(ids["mailings"])
            cr.execute("DELETE FROM cci_interaction WHERE mass_mailing_id IN %s"
                       " OR partner_id = %s", (mailings, ids["partner"]))
            cr.execute("DELETE FROM mail_mail_statistics WHERE mass_mailing_id IN %s",
                       (mailings,))
            cr.execute("DELETE FROM mail_message WHERE id IN (SELECT mail_message_id"
                       " FROM mail_mail WHERE mailing_id IN %s)", (mailings,))
            env = api.Environment(cr, SUPERUSER_ID, QUIET)
            env["mail.mass_mailing"].browse(ids["mailings"]).unlink()
            env["utm.source"].browse(ids["sources"]).exists().unlink()
            env["cci.pressure.rule"].browse(ids["rule"]).unlink()
            env["cci.mailing.category"].browse(ids["category"]).unlink()
            env["res.partner"].browse(ids["partner"]).unlink()

    @staticmethod
    def _waits_for_a_lock(cr_watch, pid, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            cr_watch.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                             (pid,))
            row = cr_watch.fetchone()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.05)
        return False

    def test_two_workers_never_push_a_contact_over_quota(self):
        first_id, second_id = self.ids["mailings"]
        cr_a, cr_b = self.registry.cursor(), self.registry.cursor()
        cr_watch = self.registry.cursor()
        cr_watch.autocommit(True)
        seen = {}
        try:
            for cr in (cr_a, cr_b):
                cr.execute("SET LOCAL lock_timeout = '30s'")
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            # Both workers are at work (their view of the database is fixed) before either
            # has sent anything: neither sees the other's mailing leave.
            cr_b.execute("SELECT count(*) FROM mail_mass_mailing")
            env_a["mail.mass_mailing"].browse(first_id).send_mail()
            self.assertEqual(len(env_a["mail.mail.statistics"].search(
                [("mass_mailing_id", "=", first_id)])), 1)

            # The first worker commits once the second waits for it. (The second worker is
            # this thread: Odoo's registry lock is held by the test runner.)
            def first_worker_commits():
                seen["blocked"] = self._waits_for_a_lock(cr_watch, cr_b._cnx.get_backend_pid())
                cr_a.commit()

            committer = threading.Thread(target=first_worker_commits)
            committer.start()
            second = env_b["mail.mass_mailing"].browse(second_id)
            try:
                with mute_logger("odoo.sql_db"):
                    second.get_remaining_recipients()
            except psycopg2.extensions.TransactionRollbackError:
                seen["serialization"] = True
            committer.join(60)
            self.assertTrue(seen.get("serialization"),
                            "the second check went on with a view older than the first sending")
            self.assertTrue(seen.get("blocked"), "the second check did not wait for the first")
            # Its view predated the first sending: it did not go on with it. Odoo retries such
            # a transaction (XML-RPC) or the cron runs it again, with a fresh view.
            cr_b.rollback()
            env_b.clear()
            self.assertEqual(second.get_remaining_recipients(), [])
            held = env_b["cci.interaction"].search(
                [("mass_mailing_id", "=", second_id), ("kind", "=", "mailing_excluded")])
            self.assertEqual(held.partner_id.id, self.ids["partner"])
            self.assertIn(self.ids["rule_name"], held.name)
            cr_b.commit()
            cr_watch.execute(
                "SELECT count(*) FROM cci_interaction WHERE partner_id = %s"
                " AND kind = 'mailing_sent'", (self.ids["partner"],))
            self.assertEqual(cr_watch.fetchone()[0], 1)
        finally:
            for cr in (cr_a, cr_b, cr_watch):
                cr.rollback()
                cr.close()
