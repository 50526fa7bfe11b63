from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.mail_mass_mailing_wished_date import morning_if_midnight
from ..odoo11 import MAILING_MODEL


class CciModerationWizard(models.TransientModel):
    """The marketing manager's decision on a mailing: approve, postpone or reject."""

    _name = "cci.moderation.wizard"
    _description = "Decide on a mailing"

    mass_mailing_id = fields.Many2one(
        MAILING_MODEL, string="Mailing", required=True, ondelete="cascade"
    )
    decision = fields.Selection(
        [("approve", "Approve"), ("postpone", "Postpone"), ("reject", "Reject")],
        required=True, default="approve",
    )
    department_id = fields.Many2one(related="mass_mailing_id.cci_department_id", readonly=True)
    requested_date = fields.Datetime(related="mass_mailing_id.cci_requested_date",
                                     readonly=True)
    schedule_date = fields.Datetime(
        string="Send date", help="Approve: empty means the wished date, or now. Postpone: "
        "the later date at which it will be sent.",
    )
    reason = fields.Text(help="Required to postpone or reject: the department is told of it.")
    overlap_count = fields.Integer(related="mass_mailing_id.cci_overlap_count", readonly=True)
    overlap_html = fields.Html(related="mass_mailing_id.cci_overlap_html", readonly=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        mailing_id = res.get("mass_mailing_id") or (
            self.env.context.get("active_model") == MAILING_MODEL
            and self.env.context.get("active_id"))
        if mailing_id:
            res["mass_mailing_id"] = mailing_id
            mailing = self.env[MAILING_MODEL].browse(mailing_id)
            if "schedule_date" in fields_list and not res.get("schedule_date"):
                res["schedule_date"] = mailing._cci_current_date() or False
        return res

    @api.onchange("schedule_date")
    def _onchange_schedule_date_morning(self):
        # a day picked alone means its morning, not 00:00
        self.schedule_date = morning_if_midnight(self, self.schedule_date)

    @api.multi
    def action_confirm(self):
        self.ensure_one()
        mailing = self.mass_mailing_id
        if self.decision == "approve":
            mailing.action_cci_approve(self.schedule_date, note=self.reason)
        elif self.decision == "postpone":
            mailing.action_cci_postpone(self.schedule_date, self.reason)
        elif self.decision == "reject":
            mailing.action_cci_reject(self.reason)
        else:
            raise UserError(_("Choose a decision."))
        return {"type": "ir.actions.act_window_close"}
