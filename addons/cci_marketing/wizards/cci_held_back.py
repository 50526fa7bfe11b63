from odoo import fields, models

from ..odoo11 import MAILING_MODEL


class CciHeldBack(models.TransientModel):
    """A recipient the mailing would leave out if it were sent on its planned date."""

    _name = "cci.held.back"
    _description = "Recipient held back"
    _order = "reason, email, id"

    mass_mailing_id = fields.Many2one(MAILING_MODEL, string="Mailing", required=True,
                                      ondelete="cascade", readonly=True, index=True)
    res_id = fields.Integer(string="Recipient id", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    company_id = fields.Many2one("res.partner", readonly=True)
    email = fields.Char(readonly=True)
    reason = fields.Char(readonly=True)
