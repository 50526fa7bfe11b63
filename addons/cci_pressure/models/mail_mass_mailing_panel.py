from odoo import _, api, fields, models
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL
from odoo.addons.cci_marketing.tools import format_moment
from odoo.exceptions import UserError
from odoo.tools import html_escape

from .mail_mass_mailing import HORIZON_DAYS

# The form asks for this field with the others: its read then leaves the check out, and the
# web client fetches the panel once the form shows (static/src/js/cci_quota_panel.js),
# reading the panel's fields again with PANEL_NOW in its context.
PENDING_FIELD = "cci_pressure_pending"
PANEL_NOW = "cci_pressure_now"
PANEL_DEFERRED = "cci_pressure_deferred"


class MailMassMailing(models.Model):
    """The quota panel of the mailing's form: the figures of ``cci_check_pressure`` on the
    date the mailing would leave, with the suggested date, as fields."""

    _inherit = MAILING_MODEL

    cci_pressure_pending = fields.Boolean(
        string="Quotas being checked", compute="_compute_cci_pressure",
        help="The form shows the quota panel once the check, run after it opens, is done.")
    cci_pressure_checked = fields.Boolean(string="Quotas checked",
                                          compute="_compute_cci_pressure")
    cci_pressure_date = fields.Datetime(string="Quotas checked for",
                                        compute="_compute_cci_pressure")
    cci_pressure_date_text = fields.Char(string="Quotas checked on",
                                         compute="_compute_cci_pressure")
    cci_pressure_total = fields.Integer(string="Recipients", compute="_compute_cci_pressure")
    cci_pressure_ok = fields.Integer(string="Within quotas", compute="_compute_cci_pressure")
    cci_pressure_over = fields.Integer(string="Over quota", compute="_compute_cci_pressure")
    cci_pressure_suggested_date = fields.Datetime(
        string="Suggested date", compute="_compute_cci_pressure",
        help="The first date within 90 days at which the fewest recipients are over quota.",
    )
    cci_pressure_suggested_over = fields.Integer(
        string="Over quota on the suggested date", compute="_compute_cci_pressure"
    )
    cci_pressure_better = fields.Boolean(
        string="Better date within 90 days", compute="_compute_cci_pressure",
        help="A later date within 90 days has fewer recipients over quota.",
    )
    cci_pressure_summary = fields.Html(
        string="Quota details", compute="_compute_cci_pressure", sanitize=False
    )

    @api.multi
    def read(self, fields=None, load="_classic_read"):  # pylint: disable=redefined-outer-name
        # the form's read: its other fields at once, the panel when the web client asks
        if fields and PENDING_FIELD in fields and not self.env.context.get(PANEL_NOW):
            return super(MailMassMailing, self.with_context(**{PANEL_DEFERRED: True})).read(
                fields=fields, load=load)
        return super().read(fields=fields, load=load)

    def _compute_cci_pressure(self):
        deferred = self.env.context.get(PANEL_DEFERRED)
        for mailing in self:
            result, pending = {}, False
            if isinstance(mailing.id, int) and mailing.state in ("draft", "in_queue") \
                    and self._cci_pressure_allowed():
                pending = bool(deferred)
                try:
                    result = {} if pending else mailing._cci_pressure_result(
                        mailing._cci_pressure_moment(False), HORIZON_DAYS)
                except UserError as err:
                    result = {"error": err.name}
            mailing.update(self._cci_pressure_panel(result))
            mailing.cci_pressure_pending = pending
            mailing.cci_pressure_date = result.get("date") or False
            # the panel's sentence: day and time in the user's zone, without seconds
            mailing.cci_pressure_date_text = format_moment(self, result["date"]) \
                if result.get("date") else False
            mailing.cci_pressure_summary = self._cci_pressure_summary_html(result)

    @api.model
    def _cci_pressure_panel(self, result):
        """The figures of a check (cci_check_pressure's dict, or {"error": ...}) as the
        quota panel's fields, on the form and in the decision dialog."""
        return {
            "cci_pressure_checked": bool(result) and "error" not in result,
            "cci_pressure_total": result.get("total", 0),
            "cci_pressure_ok": result.get("ok", 0),
            "cci_pressure_over": result.get("over_quota", 0),
            "cci_pressure_suggested_date": result.get("suggested_date") or False,
            "cci_pressure_suggested_over": result.get("suggested_over_quota") or 0,
            "cci_pressure_better": bool(result.get("suggested_date")
                                        and result["suggested_date"] != result["date"]),
        }

    @api.model
    def _cci_pressure_summary_html(self, result):
        if not result:
            return False
        if "error" in result:
            return "<p class='text-warning'>%s</p>" % html_escape(result["error"])
        parts = []
        for title, counts in ((_("Over quota, by rule"), result["by_rule"]),
                              (_("Quota taken up by the earlier mailings of"),
                               result["by_department"])):
            if counts:
                items = "".join(
                    "<li>%s</li>" % html_escape(_("%(name)s: %(count)d") % {
                        "name": name, "count": n})
                    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                )
                parts.append("<p><strong>%s</strong></p><ul>%s</ul>" % (html_escape(title), items))
        if not parts:
            parts.append("<p>%s</p>" % html_escape(_("Every recipient is within their quotas.")))
        return "".join(parts)

    @api.multi
    def action_cci_check_pressure(self):
        """The form button: the form reads the figures again when it reloads."""
        return True
