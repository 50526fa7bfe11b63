from psycopg2 import sql

from odoo import api, fields, models
from odoo.addons.cci_marketing.tools import render

SOLICITATION_INDEX = sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON cci_interaction ({column}, date)"
                             " WHERE is_solicitation")
# A department's recent complaint rate (mail_mass_mailing_complaints.py), from this alone.
OUTCOME_INDEX = ("CREATE INDEX IF NOT EXISTS cci_interaction_department_outcome_idx"
                 " ON cci_interaction (department_id, kind, date)"
                 " WHERE kind IN ('mailing_complained', 'mailing_sent')")


class CciInteraction(models.Model):
    _inherit = "cci.interaction"

    cci_category_id = fields.Many2one(
        "cci.mailing.category", string="Counts as", readonly=True, index=True,
        ondelete="set null",
        help="For an interaction other than a mailing: the category of the channel that "
        "counts it as a solicitation (see Configuration > Solicitation channels).")

    @api.model_cr
    def init(self):
        """Indexes of the quota queries: the solicitations of a set of contacts, or of a set
        of companies, in a window of dates (partial: solicitations are a part of the rows);
        and of a department's recent complaint rate."""
        res = super().init()
        for name, column in (("cci_interaction_solicit_partner_idx", "partner_id"),
                             ("cci_interaction_solicit_company_idx", "commercial_partner_id")):
            self.env.cr.execute(render(self.env.cr, SOLICITATION_INDEX.format(
                name=sql.Identifier(name), column=sql.Identifier(column))))
        self.env.cr.execute(OUTCOME_INDEX)
        return res

    @api.model
    def _record_query(self, query, params=None):
        """The facts recorded, then those a solicitation channel counts get its category
        (see cci.solicitation.channel), as they happen."""
        if self.env.context.get("cci_capture_deferred"):
            return super()._record_query(query, params)
        self.env.cr.execute("SELECT COALESCE(max(id), 0) FROM cci_interaction")
        last = self.env.cr.fetchone()[0]
        partner_ids = super()._record_query(query, params)
        if partner_ids:
            self.env["cci.solicitation.channel"]._cci_stamp("row_.id > %(last)s",
                                                            {"last": last})
        return partner_ids
