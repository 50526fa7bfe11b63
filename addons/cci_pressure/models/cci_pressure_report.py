from psycopg2 import sql

from odoo import api, fields, models, tools
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL, MAILING_TABLE
from odoo.addons.cci_marketing.tools import render


class CciPressureReport(models.Model):
    """Solicitations and held-back mailings, from the ledger, for the moderator's dashboard:
    by department, channel and category (a call weighs what its channel's category says)."""

    _name = "cci.pressure.report"
    _description = "Solicitation analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "date"

    date = fields.Datetime(readonly=True)
    kind = fields.Selection(
        [("sent", "Solicitation"), ("excluded", "Held back")], readonly=True)
    department_id = fields.Many2one("cci.department", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Company", readonly=True)
    mass_mailing_id = fields.Many2one(MAILING_MODEL, string="Mailing", readonly=True)
    channel = fields.Selection(
        [("mailing", "Mailing"), ("activity", "Call, visit, letter (activity)"),
         ("meeting", "Meeting"), ("event", "Event")], readonly=True)
    category_id = fields.Many2one("cci.mailing.category", readonly=True)
    solicitation_count = fields.Integer(string="Solicitations", readonly=True)
    weight = fields.Float(string="Weighted solicitations", readonly=True, digits=(16, 2))
    excluded_count = fields.Integer(string="Held back", readonly=True)

    @api.model_cr
    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(render(self.env.cr, sql.SQL(
            """
            CREATE VIEW cci_pressure_report AS (
                SELECT i.id, i.date, i.department_id, i.partner_id, i.commercial_partner_id,
                       i.mass_mailing_id, c.id AS category_id,
                       CASE i.kind WHEN 'activity_done' THEN 'activity'
                                   WHEN 'meeting' THEN 'meeting'
                                   WHEN 'event_registered' THEN 'event'
                                   ELSE 'mailing' END AS channel,
                       CASE WHEN i.is_solicitation THEN 'sent' ELSE 'excluded' END AS kind,
                       CASE WHEN i.is_solicitation THEN 1 ELSE 0 END AS solicitation_count,
                       CASE WHEN i.is_solicitation THEN COALESCE(c.weight, 1.0) ELSE 0 END
                           AS weight,
                       CASE WHEN i.is_solicitation THEN 0 ELSE 1 END AS excluded_count
                  FROM cci_interaction i
                  LEFT JOIN {mailing} m ON m.id = i.mass_mailing_id
                  LEFT JOIN cci_mailing_category c
                         ON c.id = COALESCE(i.cci_category_id, m.cci_category_id)
                 WHERE i.is_solicitation OR i.kind = 'mailing_excluded'
            )
            """
        ).format(mailing=sql.Identifier(MAILING_TABLE))))
