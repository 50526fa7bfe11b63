from odoo import api, fields, models

from ..models.mail_mass_mailing_followup import FOLLOWUP_AUDIENCES
from ..odoo11 import MAILING_MODEL


class CciFollowupWizard(models.TransientModel):
    """From a sent mailing, a draft follow-up aimed at part of its recipients."""

    _name = "cci.followup.wizard"
    _description = "Follow up a sent mailing"

    mass_mailing_id = fields.Many2one(
        MAILING_MODEL, string="Mailing", required=True, ondelete="cascade"
    )
    audience = fields.Selection(FOLLOWUP_AUDIENCES, required=True, default="not_opened")
    recipient_count = fields.Integer(
        string="Recipients", compute="_compute_recipient_count",
        help="How many recipients of the mailing match, as the timeline recorded them.",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if not res.get("mass_mailing_id") \
                and self.env.context.get("active_model") == MAILING_MODEL:
            res["mass_mailing_id"] = self.env.context.get("active_id")
        return res

    @api.depends("mass_mailing_id", "audience")
    def _compute_recipient_count(self):
        for wizard in self:
            count = 0
            if wizard.mass_mailing_id and wizard.audience:
                count = len(wizard.mass_mailing_id._cci_followup_recipients(wizard.audience))
            wizard.recipient_count = count

    @api.multi
    def action_confirm(self):
        self.ensure_one()
        followup_id = self.mass_mailing_id.action_cci_create_followup(self.audience)
        return {
            "type": "ir.actions.act_window",
            "res_model": MAILING_MODEL,
            "res_id": followup_id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
