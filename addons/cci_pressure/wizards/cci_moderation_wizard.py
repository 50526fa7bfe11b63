from odoo import api, fields, models
from odoo.exceptions import UserError


class CciModerationWizard(models.TransientModel):
    """The decision dialog shows what the decision does to the quotas before it is taken:
    this mailing's recipients within and over quota on the date chosen, a better date, and
    the change for the other planned mailings (see mail_mass_mailing_impact)."""

    _inherit = "cci.moderation.wizard"

    cci_pressure_checked = fields.Boolean(compute="_compute_cci_impact",
                                          string="Quotas checked")
    cci_pressure_error = fields.Char(compute="_compute_cci_impact", string="Quota check error")
    cci_pressure_total = fields.Integer(compute="_compute_cci_impact", string="Recipients")
    cci_pressure_ok = fields.Integer(compute="_compute_cci_impact", string="Within quotas")
    cci_pressure_over = fields.Integer(compute="_compute_cci_impact", string="Over quota")
    cci_pressure_suggested_date = fields.Datetime(
        compute="_compute_cci_impact", string="Suggested date",
        help="The first date within 90 days at which the fewest recipients are over quota.")
    cci_pressure_suggested_over = fields.Integer(
        compute="_compute_cci_impact", string="Over quota on the suggested date")
    cci_pressure_better = fields.Boolean(compute="_compute_cci_impact",
                                         string="Better date within 90 days")
    cci_impact_html = fields.Html(compute="_compute_cci_impact", sanitize=False,
                                  string="Effect on the other planned mailings")
    cci_use_suggested = fields.Boolean(
        string="Use the suggested date",
        help="Puts the suggested date in the send date; the reason stays yours to write.")

    @api.depends("mass_mailing_id", "decision", "schedule_date")
    def _compute_cci_impact(self):
        for wizard in self:
            mailing = wizard.mass_mailing_id
            result, error = {}, False
            if mailing and wizard.decision and mailing._cci_is_moderator():
                try:
                    result = mailing.cci_check_decision(wizard.decision,
                                                        wizard.schedule_date or False)
                except UserError as err:
                    error = err.name
            wizard.update(mailing._cci_pressure_panel(result.get("mailing") or {}))
            wizard.cci_pressure_error = error
            wizard.cci_impact_html = mailing._cci_impact_html(result["others"]) \
                if "others" in result else False

    @api.onchange("cci_use_suggested")
    def _onchange_cci_use_suggested(self):
        """A one-shot tick: the suggested date goes into the send date, the box clears."""
        if self.cci_use_suggested:
            if self.cci_pressure_suggested_date:
                self.schedule_date = self.cci_pressure_suggested_date
            self.cci_use_suggested = False
