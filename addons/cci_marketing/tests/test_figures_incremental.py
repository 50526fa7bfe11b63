"""The nightly refresh does the work of what changed (the partners with new facts and
those whose windows moved), with the same figures as a recount of everyone."""
import json
import random
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields

from ..models import res_partner_figures_nightly as nightly
from ..models.res_partner_figures_nightly import (
    FULL_EVERY_PARAM,
    FULL_REFRESH_PARAM,
    WATERMARK_PARAM,
)
from .timeline_common import TimelineCase

# After the real clock, so that what the test writes (today) is not "written since the
# last run" and the windows alone decide who is recounted.
T0 = datetime.now().replace(microsecond=0) + timedelta(days=30)


def at(days):
    return fields.Datetime.to_string(T0 + timedelta(days=days))


class TestNightlyRefresh(TimelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.Param = cls.env["ir.config_parameter"].sudo()
        cls.Param.set_param(WATERMARK_PARAM, False)
        cls.Param.set_param(FULL_EVERY_PARAM, "1000")  # the windows, not the safety net
        cls.company = Partner.create({"name": "Nocturne SA", "is_company": True})
        cls.reader = Partner.create({"name": "Lectrice", "email": "lectrice@example.org",
                                     "parent_id": cls.company.id})
        cls.silent = Partner.create({"name": "Muet", "email": "muet@example.org",
                                     "parent_id": cls.company.id})
        cls.old = Partner.create({"name": "Ancien", "email": "ancien@example.org"})
        for n, days in enumerate(range(-400, 0, 37)):  # a mailing a month, read sometimes
            cls.mail_fact(cls.reader, n, "mailing_sent", at(days + 0.3))
            if n % 3 == 0:
                cls.mail_fact(cls.reader, n, "mailing_opened", at(days + 2))
        for n, days in enumerate((-200, -170, -150, -120, -100, -90)):  # never opened
            cls.mail_fact(cls.silent, n, "mailing_sent", at(days + 0.3))
        cls.fact(cls.silent, "meeting", at(20), is_solicitation=True)  # planned ahead
        cls.fading = Partner.create({"name": "Oubli", "email": "oubli@example.org"})
        cls.mail_fact(cls.fading, 0, "mailing_sent", at(-200.3))  # only the score moves
        cls.mail_fact(cls.fading, 0, "mailing_opened", at(-199.3))
        cls.mail_fact(cls.old, 0, "mailing_sent", at(-900))
        cls.mail_fact(cls.old, 0, "mailing_opened", at(-899))

    def nightly(self, days):
        return self.env["res.partner"]._cci_refresh_since_last_run(now=at(days))

    def assert_same_as_everyone_recounted(self, days):
        recounted = self.env["res.partner"]._cci_refresh_tracking_fields(None, now=at(days))
        self.assertEqual(recounted, [], "day %s: the nightly run left these partners with "
                                        "other figures than a recount of everyone" % days)

    def test_day_after_day_the_same_figures_as_a_full_recount(self):
        self.assertIsNone(self.nightly(0), "the first run recounts everyone")
        self.assert_same_as_everyone_recounted(0)
        steps = random.Random(16).choices([1 / 24, 0.5, 1, 1, 2, 3, 7, 13], k=160)
        day, counted = 0, []
        for n, step in enumerate(steps):
            day += step
            if n == 30:  # new facts between two runs
                self.mail_fact(self.reader, 90, "mailing_sent", at(day - 1))
                self.mail_fact(self.reader, 90, "mailing_opened", at(day - 0.5))
            ids = self.nightly(day)
            self.assertIsNotNone(ids, "day %s: only what changed is recounted" % day)
            counted.append(set(ids))
            self.assert_same_as_everyone_recounted(day)
        self.assertGreater(day, 400, "every window has moved past its end")
        self.assertFalse(any(self.old.id in ids for ids in counted),
                         "a history older than every window is never recounted")
        self.assertTrue(any(self.reader.id in ids for ids in counted))
        self.assertTrue(any(self.company.id in ids for ids in counted))

    def test_nothing_changed_nothing_recounted(self):
        self.nightly(0)
        self.assertEqual(self.nightly(0), [], "the same moment again: no one is due")
        ids = self.nightly(1 / 24)
        self.assertNotIn(self.old.id, ids)

    def test_a_partner_written_since_is_recounted(self):
        self.nightly(0)
        mark = json.loads(self.Param.get_param(WATERMARK_PARAM))
        mark["at"] = fields.Datetime.now()  # the last run was today: today's writes are new
        self.Param.set_param(WATERMARK_PARAM, json.dumps(mark))
        self.old.write({"opt_out": True})
        self.assertIn(self.old.id, self.nightly(0))
        self.assertEqual(self.old.cci_email_health, "opted_out")

    def test_asked_or_weekly_the_nightly_run_recounts_everyone(self):
        self.nightly(0)
        self.env["res.partner"]._cci_request_full_refresh()
        self.assertIsNone(self.nightly(1), "asked: everyone")
        self.assertFalse(self.Param.get_param(FULL_REFRESH_PARAM), "and asked only once")
        self.assertIsNotNone(self.nightly(2))
        self.Param.set_param(FULL_EVERY_PARAM, "7")
        self.assertIsNotNone(self.nightly(7.5))
        self.assertIsNone(self.nightly(8), "a week after the last recount of everyone")
        self.Param.set_param(WATERMARK_PARAM, "not json")
        self.assertIsNone(self.nightly(9), "a mark it cannot read: everyone")

    def test_when_most_partners_changed_everyone_is_recounted_in_one_pass(self):
        self.nightly(0)
        self.mail_fact(self.old, 5, "mailing_sent", at(0.5))
        with patch.object(nightly, "MANY_CHANGED", 0), \
                patch.object(nightly, "MANY_CHANGED_SHARE", 0):
            self.assertIsNone(self.nightly(1))
        self.assert_same_as_everyone_recounted(1)

    def test_the_cron_runs_the_nightly_refresh(self):
        self.assertIs(self.env["res.partner"]._cron_cci_refresh_tracking_fields(), True)
        mark = json.loads(self.Param.get_param(WATERMARK_PARAM))
        self.assertEqual(set(mark), {"at", "id", "previous_id", "full_at"})
