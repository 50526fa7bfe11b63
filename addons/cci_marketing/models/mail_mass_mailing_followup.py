from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import html_escape

from ..odoo11 import MAILING_MODEL
from ..tools import check_one, count_by, window_action

FOLLOWUP_AUDIENCES = [
    ("not_opened", "Did not open"),
    ("not_clicked", "Did not click"),
    ("opened", "Opened"),
    ("clicked", "Clicked"),
]
# audience -> (ledger kinds that mark a recipient, whether the audience is the marked ones).
# Odoo 11 records a click without an open: a click counts as an open.
AUDIENCE_RULES = {
    "not_opened": (("mailing_opened", "mailing_clicked"), False),
    "opened": (("mailing_opened", "mailing_clicked"), True),
    "not_clicked": (("mailing_clicked",), False),
    "clicked": (("mailing_clicked",), True),
}

# The recipients of a mailing who are (or are not) marked by one of the ``marks`` kinds: one
# pass over its rows of the ledger (index on mass_mailing_id, kind). A recipient is its
# contact, or its address when no contact is known.
FOLLOWUP_RECIPIENTS_SQL = """
    SELECT partner_id, min(email)
      FROM cci_interaction
     WHERE mass_mailing_id = %(mailing)s
       AND kind IN %(kinds)s
     GROUP BY partner_id, CASE WHEN partner_id IS NULL THEN email END
    HAVING bool_or(kind = 'mailing_sent')
       AND bool_or(kind IN %(marks)s) = %(marked)s
"""


class MailMassMailing(models.Model):
    """Follow-ups: from a sent mailing, a new draft aimed at the recipients who did (not)
    open or click it, as the ledger recorded them."""

    _inherit = MAILING_MODEL

    cci_parent_id = fields.Many2one(
        MAILING_MODEL, string="Follow-up of", readonly=True, copy=False, index=True,
        ondelete="set null",
    )
    cci_followup_audience = fields.Selection(
        FOLLOWUP_AUDIENCES, string="Aimed at", readonly=True, copy=False,
        help="Which recipients of the original mailing this follow-up is aimed at.",
    )
    cci_followup_ids = fields.One2many(
        MAILING_MODEL, "cci_parent_id", string="Follow-ups", readonly=True
    )
    cci_followup_count = fields.Integer(
        string="Number of follow-ups", compute="_compute_cci_followup_count")

    def _compute_cci_followup_count(self):
        counts = count_by(self.sudo(), "cci_parent_id", self.ids)
        for mailing in self:
            mailing.cci_followup_count = counts.get(mailing.id, 0)

    @api.multi
    def action_cci_create_followup(self, audience):
        """Create a draft follow-up aimed at the recipients matching ``audience``; its id."""
        check_one(self, _("Follow up one mailing at a time."))
        if not isinstance(audience, str) or audience not in AUDIENCE_RULES:
            raise UserError(_("Unknown follow-up audience %(audience)r: choose one of "
                              "%(audiences)s.")
                            % {"audience": audience,
                               "audiences": ", ".join(sorted(AUDIENCE_RULES))})
        if not (self._cci_is_member() or self._cci_is_moderator()):
            raise AccessError(_("Only the requesting department or the marketing manager can "
                                "follow up this mailing."))
        if self.state != "done":
            raise UserError(_('"%s" has not been sent yet: only a sent mailing can be followed '
                              'up.') % self.name)
        res_ids = self._cci_followup_targets(self._cci_followup_recipients(audience))
        if not res_ids:
            labels = dict(self._fields["cci_followup_audience"]._description_selection(self.env))
            raise UserError(_('No recipient of "%(name)s" matches "%(audience)s": there is '
                              'nobody to follow up.')
                            % {"name": self.name, "audience": labels[audience]})
        followup = self.create(self._cci_followup_values(audience, res_ids))
        self._cci_post(_("Follow-up created: %(name)s (%(count)d recipients).")
                       % {"name": html_escape(followup.name), "count": len(res_ids)},
                       self.env["res.partner"])
        return followup.id

    def _cci_followup_recipients(self, audience):
        """[(partner_id, email)] of the recipients matching ``audience``, from the ledger."""
        kinds, marked = AUDIENCE_RULES[audience]
        self.env.cr.execute(FOLLOWUP_RECIPIENTS_SQL, {
            "mailing": self.id, "kinds": ("mailing_sent",) + kinds, "marks": kinds,
            "marked": marked})
        return self.env.cr.fetchall()

    def _cci_followup_targets(self, recipients):
        """Ids, in the parent's recipient model, of these recipients."""
        if not recipients:
            return []
        if self.mailing_model_real == "res.partner":
            return sorted({p for p, _e in recipients if p})
        partner_ids = {p for p, _e in recipients if p}
        emails = {e for _p, e in recipients if e}
        candidates = self._cci_target_ids()
        return sorted(
            res_id for res_id, partner_id, email in self._cci_recipients(candidates)
            if partner_id in partner_ids or email in emails
        ) if candidates else []

    def _cci_followup_values(self, audience, res_ids):
        """Values of the follow-up of this mailing (hook: cci_pressure copies the category)."""
        self.ensure_one()
        # one whole title per audience, for the translators
        titles = {
            "not_opened": _("Follow-up (did not open): %s"),
            "not_clicked": _("Follow-up (did not click): %s"),
            "opened": _("Follow-up (opened): %s"),
            "clicked": _("Follow-up (clicked): %s"),
        }
        return {
            "name": titles[audience] % self.name,
            "body_html": self.body_html,
            "email_from": self.email_from,
            "reply_to_mode": self.reply_to_mode,
            "reply_to": self.reply_to,
            "mailing_model_id": self.mailing_model_id.id,
            "contact_list_ids": [(6, 0, self.contact_list_ids.ids)],
            "mailing_domain": repr([("id", "in", res_ids)]),
            "attachment_ids": [(6, 0, self.attachment_ids.ids)],
            "campaign_id": self.campaign_id.id,
            "medium_id": self.medium_id.id,
            "cci_department_id": self.cci_department_id.id,
            "cci_parent_id": self.id,
            "cci_followup_audience": audience,
        }

    @api.multi
    def action_cci_view_followups(self):
        self.ensure_one()
        return window_action(self.env, "cci_marketing.mail_mass_mailing_planning_action",
                             [("cci_parent_id", "=", self.id)], view_mode="tree,form",
                             views=[(False, "tree"), (False, "form")])
