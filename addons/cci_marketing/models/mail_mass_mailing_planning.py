from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import html_escape
from odoo.tools.safe_eval import safe_eval

from ..odoo11 import MAILING_MODEL
from ..tools import check_one
from .mail_mass_mailing import SENT_STATES

# How close in time two mailings must be planned for their shared audience to matter, by
# default (ir.config_parameter cci_marketing.overlap_days).
OVERLAP_DAYS = 3
# How many shared contacts an overlap names.
SHARED_NAMES = 5

# Who a sent mailing reached, as the ledger recorded it.
SENT_TO_SQL = """
    SELECT DISTINCT partner_id, email FROM cci_interaction
     WHERE mass_mailing_id = %(mailing)s AND kind = 'mailing_sent'
"""


class MailMassMailing(models.Model):
    """The shared planning: every department's mailings on one calendar, and the other
    mailings planned within a few days that reach some of the same contacts."""

    _inherit = MAILING_MODEL

    cci_overlap_count = fields.Integer(
        string="Overlapping mailings", compute="_compute_cci_overlaps", help="Other mailings "
        "planned within a few days that reach some of the same contacts.")
    cci_overlap_html = fields.Html(string="Audience overlaps", compute="_compute_cci_overlaps",
                                   sanitize=False)

    def _compute_cci_overlaps(self):
        for mailing in self:
            overlaps = []
            if isinstance(mailing.id, int) and mailing.state not in SENT_STATES:
                overlaps = mailing._cci_overlaps()
            mailing.cci_overlap_count = len(overlaps)
            mailing.cci_overlap_html = mailing._cci_overlap_table(overlaps)

    @api.model
    def cci_action_planning(self):
        """The shared planning; a moderator lands on the mailings to decide."""
        action = self.env.ref("cci_marketing.mail_mass_mailing_planning_action").read()[0]
        context = safe_eval(action.get("context") or "{}")
        if self._cci_is_moderator():
            context["search_default_to_decide"] = 1
        else:
            context["search_default_planned"] = 1
        action["context"] = context
        return action

    @api.multi
    def cci_check_overlaps(self):
        """[{id, name, department, date, moderation_state, shared}] of the other mailings
        planned within ``cci_marketing.overlap_days`` days that share recipients."""
        check_one(self, _("Check the overlaps of one mailing at a time."))
        return self._cci_overlaps()

    @api.model
    def _cci_overlap_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(
            "cci_marketing.overlap_days", str(OVERLAP_DAYS))
        try:
            return max(0, int(value))
        except ValueError:
            return OVERLAP_DAYS

    def _cci_overlaps(self):
        self.ensure_one()
        mailing = self.sudo()
        days = timedelta(days=self._cci_overlap_days())
        ref = fields.Datetime.from_string(mailing.cci_planning_date or fields.Datetime.now())
        others = mailing.search([
            ("id", "!=", mailing.id),
            ("cci_moderation_state", "in", ("submitted", "approved")),
            ("cci_planning_date", ">=", fields.Datetime.to_string(ref - days)),
            ("cci_planning_date", "<=", fields.Datetime.to_string(ref + days)),
        ], order="cci_planning_date", limit=50)
        if not others:
            return []
        mine = mailing._cci_audience_keys()
        result = []
        for other in others if mine else []:
            shared = mine & other._cci_audience_keys()
            if shared:
                result.append({
                    "id": other.id,
                    "name": other.name,
                    "department": other.cci_department_id.name or False,
                    "date": other.cci_planning_date or False,
                    "moderation_state": other.cci_moderation_state,
                    "shared": len(shared),
                    "shared_partner_ids": sorted(key for kind, key in shared if kind == "p"),
                    "shared_emails": sorted(key for kind, key in shared if kind == "e"),
                })
        return result

    @api.model
    def _cci_shared_names(self, overlap, most=SHARED_NAMES):
        """The shared contacts of an overlap, as a line a person reads: the first names,
        then how many more."""
        partners = self.env["res.partner"].sudo().browse(overlap["shared_partner_ids"])
        names = sorted(partners.mapped("name")) + overlap["shared_emails"]
        text = ", ".join(names[:most])
        if len(names) > most:
            text = _("%(names)s and %(more)d more") % {"names": text, "more": len(names) - most}
        return text

    def _cci_overlap_table(self, overlaps):
        if not overlaps:
            return False
        # the mailing's name opens it; the shared contacts are named under it
        rows = "".join(
            "<tr><td><a href='#id=%d&amp;model=%s&amp;view_type=form'>%s</a>"
            "<div class='text-muted o_cci_shared'>%s</div></td>"
            "<td>%s</td><td>%s</td><td>%s</td><td class='text-right'>%d</td></tr>"
            % (o["id"], MAILING_MODEL, html_escape(o["name"] or ""),
               html_escape(self._cci_shared_names(o)), html_escape(o["department"] or ""),
               html_escape(self._cci_format_date(o["date"])),
               html_escape(self._cci_state_label(o["moderation_state"])), o["shared"])
            for o in overlaps
        )
        return (
            "<table class='table table-condensed'><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
            "<th>%s</th><th class='text-right'>%s</th></tr></thead><tbody>%s</tbody></table>"
            % (_("Mailing"), _("Department"), _("Planned for"), _("Moderation"),
               _("Shared recipients"), rows)
        )

    def _cci_audience_keys(self):
        """Who this mailing reaches: {('p', partner id) or ('e', address)}; once sent, as the
        ledger recorded it."""
        self.ensure_one()
        if self.state in SENT_STATES:
            self.env.cr.execute(SENT_TO_SQL, {"mailing": self.id})
            rows = self.env.cr.fetchall()
        elif self.mailing_model_real == "res.partner":
            return {("p", res_id) for res_id in self._cci_target_ids()}
        else:
            res_ids = self._cci_target_ids()
            rows = [r[1:] for r in self._cci_recipients(res_ids)] if res_ids else []
        return {("p", p) if p else ("e", e) for p, e in rows if p or e}

