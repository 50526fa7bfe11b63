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

# The names of the first shared contacts (the oldest partners), in the order a person reads
# them: sorting every name of 100,000 shared contacts would cost more than the overlap.
FIRST_NAMES = "SELECT name FROM res_partner WHERE id = ANY(%s) ORDER BY name LIMIT %s"


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
        return self.env["ir.config_parameter"]._cci_number(
            "cci_marketing.overlap_days", OVERLAP_DAYS)

    @api.model
    def _cci_shared_names(self, overlap, most=SHARED_NAMES):
        """The shared contacts of an overlap, as a line a person reads: a few names, then
        how many more."""
        self.env.cr.execute(FIRST_NAMES, (sorted(overlap["shared_partner_ids"])[:most], most))
        names = [row[0] for row in self.env.cr.fetchall()]
        names += sorted(overlap["shared_emails"])[:most - len(names)]
        text = ", ".join(names)
        count = len(overlap["shared_partner_ids"]) + len(overlap["shared_emails"])
        if count > most:
            text = _("%(names)s and %(more)d more") % {"names": text, "more": count - most}
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
