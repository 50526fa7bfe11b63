"""Who a mailing would leave out, before it is sent: the recipients its exclusions (shared
hygiene, and in cci_pressure the quotas) name on its planned date, each with the reason,
as lines the moderator and the requester can read and export."""
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..odoo11 import MAILING_MODEL
from ..tools import window_action
from .mail_mass_mailing import SENT_STATES

# The lines of one look, written in one statement (a large audience holds many back).
INSERT_LINES = """
    INSERT INTO cci_held_back (create_uid, create_date, write_uid, write_date,
                               mass_mailing_id, res_id, partner_id, company_id, email, reason)
    SELECT %(uid)s, %(now)s, %(uid)s, %(now)s, %(mailing)s, line.res_id, partner.id,
           partner.commercial_partner_id, line.email, line.reason
      FROM unnest(%(res_ids)s::int[], %(partners)s::int[], %(emails)s::varchar[],
                  %(reasons)s::varchar[]) AS line(res_id, partner_id, email, reason)
      LEFT JOIN res_partner partner ON partner.id = line.partner_id
     ORDER BY line.reason, line.email
"""
CLEAR_LINES = ("DELETE FROM cci_held_back"
               " WHERE mass_mailing_id = %(mailing)s AND create_uid = %(uid)s")


class MailMassMailing(models.Model):
    _inherit = MAILING_MODEL

    @api.multi
    def cci_held_back(self):
        """[{res_id, partner_id, email, reason}] of the recipients this mailing would leave
        out if it were sent on its planned date (or now): for the marketing manager and the
        requesting department, before the sending."""
        self.ensure_one()
        self._cci_check_held_back_reader()
        return self._cci_held_back_rows()

    @api.multi
    def action_cci_view_held_back(self):
        """The list of those recipients, with the reason for each (exportable)."""
        self.ensure_one()
        self._cci_check_held_back_reader()
        rows = self._cci_held_back_rows()
        cr = self.env.cr
        params = {"mailing": self.id, "uid": self.env.uid, "now": fields.Datetime.now()}
        cr.execute(CLEAR_LINES, params)
        cr.execute(INSERT_LINES, dict(
            params, res_ids=[r["res_id"] for r in rows],
            partners=[r["partner_id"] or None for r in rows],
            emails=[r["email"] or None for r in rows], reasons=[r["reason"] for r in rows]))
        self.env["cci.held.back"].invalidate_cache()
        title = _("Held back: %s") % self.name
        return window_action(self.env, "cci_marketing.cci_held_back_action",
                             [("mass_mailing_id", "=", self.id)], {"create": False},
                             name=title, display_name=title)

    def _cci_check_held_back_reader(self):
        if not (self.env.user.has_group("cci_marketing.group_cci_user")
                and self._cci_is_requester()):
            raise AccessError(_('Only the requesting department and the marketing manager can '
                                'see who "%s" would hold back.') % self.name)
        if self.state in SENT_STATES:
            raise UserError(_('"%s" has been sent: who it held back is under its Held back '
                              'button.') % self.name)

    def _cci_held_back_rows(self):
        mailing = self.sudo()
        res_ids = mailing._cci_target_ids()
        recipients = mailing._cci_recipients(res_ids) if res_ids else []
        # a look, not the sending: nothing is recorded, no send lock is taken
        excluded = mailing.with_context(cci_preview=True)._cci_exclusions(recipients)
        by_id = {r[0]: r for r in recipients}
        return [{"res_id": res_id, "partner_id": by_id[res_id][1] or False,
                 "email": by_id[res_id][2] or False, "reason": reason}
                for res_id, reason in sorted(excluded.items())]
