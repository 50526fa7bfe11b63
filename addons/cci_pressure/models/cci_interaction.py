from psycopg2 import sql

from odoo import api, models
from odoo.addons.cci_marketing.tools import render

SOLICITATION_INDEX = sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON cci_interaction ({column}, date)"
                             " WHERE is_solicitation")


class CciInteraction(models.Model):
    _inherit = "cci.interaction"

    @api.model_cr
    def init(self):
        """Indexes of the quota queries: the solicitations of a set of contacts, or of a set
        of companies, in a window of dates (partial: solicitations are a part of the rows)."""
        res = super().init()
        for name, column in (("cci_interaction_solicit_partner_idx", "partner_id"),
                             ("cci_interaction_solicit_company_idx", "commercial_partner_id")):
            self.env.cr.execute(render(self.env.cr, SOLICITATION_INDEX.format(
                name=sql.Identifier(name), column=sql.Identifier(column))))
        return res
