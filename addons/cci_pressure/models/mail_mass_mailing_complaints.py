from odoo import api, fields, models
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL
from odoo.addons.cci_marketing.tools import window_action

from .cci_complaint import COMPLAINT_LIMIT

RECENT_DAYS = 90
# Complaints and mails received per mailing, from the ledger.
MAILING_COUNTS = """
    SELECT mass_mailing_id, count(*) FILTER (WHERE kind = 'mailing_complained'),
           count(*) FILTER (WHERE kind = 'mailing_sent')
      FROM cci_interaction
     WHERE mass_mailing_id = ANY(%(ids)s) AND kind IN ('mailing_complained', 'mailing_sent')
     GROUP BY mass_mailing_id
"""
# The same for the mailings of each department received over the recent days, read from
# the ledger's own department of each row (its mailing's when it was recorded) through
# the index cci_interaction_department_outcome_idx (see cci_interaction.py).
DEPARTMENT_COUNTS = """
    SELECT department_id, count(*) FILTER (WHERE kind = 'mailing_complained'),
           count(*) FILTER (WHERE kind = 'mailing_sent')
      FROM cci_interaction
     WHERE department_id = ANY(%(departments)s)
       AND kind IN ('mailing_complained', 'mailing_sent')
       AND date > (now() AT TIME ZONE 'UTC') - make_interval(days => %(days)s)
     GROUP BY department_id
"""


def rate(complaints, sent):
    return round(100.0 * complaints / sent, 2) if sent else 0.0


class MailMassMailing(models.Model):
    """Spam complaints per mailing, next to Odoo's bounce rate, and the warning the
    moderator gets when a department's recent mailings went over the providers' limit."""

    _inherit = MAILING_MODEL

    cci_complaint_count = fields.Integer(string="Complaints", compute="_compute_cci_complaints")
    cci_complaint_rate = fields.Float(
        string="Complaint rate (%)", digits=(16, 2), compute="_compute_cci_complaints",
        help="Recipients who reported the mailing as spam, in percent of those who received "
        "it. Above 0.3 %, Gmail and Yahoo send the chamber's mail to the spam folder.")
    cci_department_complaint_rate = fields.Float(
        string="Department's complaint rate (%)", digits=(16, 2),
        compute="_compute_cci_complaints",
        help="The complaint rate of the department's mailings received over the last 90 days.")
    cci_complaint_warning = fields.Boolean(
        string="Too many complaints", compute="_compute_cci_complaints",
        help="The department's recent mailings went over 0.3 % of spam complaints.")

    def _compute_cci_complaints(self):
        ids = [m.id for m in self if isinstance(m.id, int)]
        departments = [d for d in set(self.mapped("cci_department_id").ids) if d]
        by_mailing, by_department = {}, {}
        if ids:
            self.env.cr.execute(MAILING_COUNTS, {"ids": ids})
            by_mailing = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        if departments:
            self.env.cr.execute(DEPARTMENT_COUNTS,
                                {"departments": departments, "days": RECENT_DAYS})
            by_department = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for mailing in self:
            complaints, sent = by_mailing.get(mailing.id, (0, 0))
            mailing.cci_complaint_count = complaints
            mailing.cci_complaint_rate = rate(complaints, sent)
            mailing.cci_department_complaint_rate = rate(
                *by_department.get(mailing.cci_department_id.id, (0, 0)))
            mailing.cci_complaint_warning = \
                mailing.cci_department_complaint_rate > COMPLAINT_LIMIT

    @api.multi
    def action_cci_view_complaints(self):
        self.ensure_one()
        title = self.env["ir.model.fields"]._get(self._name, "cci_complaint_count") \
            .field_description
        return window_action(
            self.env, "cci_marketing.cci_interaction_action",
            [("mass_mailing_id", "=", self.id), ("kind", "=", "mailing_complained")],
            name=title, display_name=title)
