"""The partner's solicitations at a glance: what the chamber's channels and departments
weighed on the contact (on a company: all its contacts) over the longest window of the
rules, as bars. Read from the dashboard's view, so the channels and weights are the ones
the moderator's figures use."""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import html_escape

from .cci_pressure_advice import format_weight

# Solicitations of the partner over the window, per channel and department: (channel,
# department id, weight). A company gathers the rows of its contacts.
WEIGHT_BY_CHANNEL = """
    SELECT report.channel, report.department_id, sum(report.weight)
      FROM cci_pressure_report report
     WHERE report.kind = 'sent' AND report.date >= %(since)s
       AND (report.partner_id = %(partner)s
            OR (%(company)s AND report.commercial_partner_id = %(partner)s))
     GROUP BY report.channel, report.department_id
"""
DEFAULT_WINDOW_DAYS = 30


class ResPartner(models.Model):
    _inherit = "res.partner"

    cci_pressure_chart = fields.Html(
        "Solicitations by channel and department", compute="_compute_cci_pressure_chart",
        sanitize=False)

    def _compute_cci_pressure_chart(self):
        rules = self.env["cci.pressure.rule"].sudo().search([])  # pylint: disable=no-search-all
        days = max(rules.mapped("window_days") or [DEFAULT_WINDOW_DAYS])
        since = fields.Datetime.to_string(fields.Datetime.from_string(
            fields.Datetime.now()) - timedelta(days=days))
        channels = dict(self.env["cci.pressure.report"]._fields["channel"]
                        ._description_selection(self.env))
        for partner in self:
            if not partner.id:
                partner.cci_pressure_chart = False
                continue
            self.env.cr.execute(WEIGHT_BY_CHANNEL, {
                "since": since, "partner": partner.id, "company": partner.is_company})
            rows = self.env.cr.fetchall()
            partner.cci_pressure_chart = partner._cci_chart_html(rows, channels, days)

    @api.multi
    def _cci_chart_html(self, rows, channels, days):
        if not rows:
            return "<p class='text-muted'>%s</p>" % html_escape(
                _("No solicitation in the last %d days.") % days)
        by_channel, by_department = {}, {}
        departments = self.env["cci.department"].sudo().with_context(active_test=False)
        no_department = _("No department")
        for channel, department_id, weight in rows:
            label = departments.browse(department_id).name if department_id else no_department
            by_channel[channels.get(channel, channel)] = \
                by_channel.get(channels.get(channel, channel), 0) + weight
            by_department[label] = by_department.get(label, 0) + weight
        return "".join([
            "<p class='text-muted'>%s</p>" % html_escape(
                _("Weighted solicitations of the last %d days") % days),
            self._cci_bars(_("By channel"), by_channel),
            self._cci_bars(_("By department"), by_department)])

    @api.model
    def _cci_bars(self, title, values):
        top = max(values.values()) or 1
        bars = "".join(
            "<div>%s <strong>%s</strong></div>"
            "<div style='background: #e9ecef; height: 8px; border-radius: 4px;'>"
            "<div style='background: #7c7bad; height: 8px; border-radius: 4px; width: %d%%;'>"
            "</div></div>" % (html_escape(name), format_weight(self.env, value),
                              max(2, round(100 * value / top)))
            for name, value in sorted(values.items(), key=lambda item: (-item[1], item[0])))
        return "<div class='o_cci_bars'><h5>%s</h5>%s</div>" % (html_escape(title), bars)
