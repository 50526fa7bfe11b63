from odoo import api, fields, models

from ..odoo11 import MAILING_MODEL


class UtmSource(models.Model):
    """A mailing's subject is its utm.source name: renaming the source directly is a change of
    subject too, and sends an approved mailing back to the moderator."""

    _inherit = "utm.source"

    # One subject, written by the department in its language: not translatable (Odoo's is),
    # so that saving a mailing in French does not show "Update translations" each time.
    name = fields.Char(translate=False)

    @api.multi
    def write(self, vals):
        if "name" not in vals:
            return super().write(vals)
        mailings = self.env[MAILING_MODEL].sudo().search([("source_id", "in", self.ids)])
        watched = mailings.sudo(self.env.uid)._cci_watched_signatures({"name": vals["name"]})
        res = super().write(vals)
        if watched:
            mailings.sudo(self.env.uid)._cci_send_back_if_changed(*watched)
        return res
