from datetime import timedelta

from odoo import fields
from odoo.addons.cci_marketing.tests.common import CciCase


class PressureCase(CciCase):
    """The chamber of CciCase, with its own categories and no rule but those a test makes.

    Dates: ``cls.day`` is tomorrow at noon (UTC); checks are made for it, and history is
    written relative to it, so that the boundaries are exact whatever the test's duration.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # Only the rules and plans of each test count: park what the demo data planned.
        env["cci.pressure.rule"].search([]).write({"active": False})
        env.cr.execute("UPDATE mail_mass_mailing SET cci_moderation_state = 'draft',"
                       " state = 'draft' WHERE state IN ('in_queue', 'sending')"
                       " OR cci_moderation_state = 'approved' AND state = 'draft'")
        env["mail.mass_mailing"].invalidate_cache()
        Category = env["cci.mailing.category"]
        cls.newsletter = Category.create({"name": "T Newsletter", "weight": 1})
        cls.offer = Category.create({"name": "T Commercial offer", "weight": 2})
        cls.statutory = Category.create({"name": "T Statutory notice", "weight": 0})
        now = fields.Datetime.from_string(fields.Datetime.now())
        cls.day = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)

    # ------------------------------------------------------------------

    @classmethod
    def at(cls, days=0, seconds=0):
        """'YYYY-MM-DD HH:MM:SS' of ``cls.day`` shifted by days and seconds."""
        return fields.Datetime.to_string(cls.day + timedelta(days=days, seconds=seconds))

    @classmethod
    def rule(cls, name, max_weight, window_days, scope="contact", **vals):
        vals.update(name=name, max_weight=max_weight, window_days=window_days, scope=scope)
        return cls.env["cci.pressure.rule"].create(vals)

    @classmethod
    def sent(cls, partners, when, category=None, department=None, name="Past mailing"):
        """A mailing sent at ``when`` to these partners, recorded in the ledger as Odoo's
        tracking rows are created."""
        mailing = cls.create_mailing(
            partners, department, name=name, cci_category_id=category.id if category else False,
            cci_moderation_state="approved", state="done", sent_date=when,
        )
        for partner in partners:
            cls.env["mail.mail.statistics"].create({
                "model": "res.partner", "res_id": partner.id, "mass_mailing_id": mailing.id,
                "scheduled": when, "sent": when,
            })
        return mailing

    @classmethod
    def planned(cls, partners, when, category=None, department=None, name="Planned mailing",
                moderation="approved"):
        """A mailing the moderator approved for ``when`` (in Odoo's queue), not sent yet."""
        return cls.create_mailing(
            partners, department, name=name, cci_category_id=category.id if category else False,
            cci_moderation_state=moderation,
            state="in_queue" if moderation == "approved" else "draft", schedule_date=when,
        )

    def check(self, mailing, days=0, **kwargs):
        return mailing.cci_check_pressure(date=self.at(days), **kwargs)
