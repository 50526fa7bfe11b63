from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import AccessError

from ..sending import in_sending
from .cci_interaction import user_department_sql


class MailMessage(models.Model):
    """Capture point of done activities: Odoo 11 turns a done activity into a message
    carrying ``mail_activity_type_id`` (and deletes the activity)."""

    _inherit = "mail.message"

    @api.multi
    def write(self, vals):
        """The message under a mail of a mass mailing holds its subject and attachments:
        like the mail itself, it changes only with the sending (see mail.mail)."""
        if self.ids and self.env.uid != SUPERUSER_ID and not in_sending(self.env):
            self.env.cr.execute("SELECT 1 FROM mail_mail WHERE mail_message_id IN %s"
                                " AND mailing_id IS NOT NULL LIMIT 1", (tuple(self.ids),))
            if self.env.cr.fetchone():
                raise AccessError(_("The mails of a mass mailing are written by its sending "
                                    "only: they cannot be changed by hand."))
        return super().write(vals)

    @api.model
    def create(self, vals):
        message = super().create(vals)
        if vals.get("mail_activity_type_id") and vals.get("model") and vals.get("res_id"):
            message._cci_capture("msg.id IN %(ids)s", {"ids": tuple(message.ids)})
        return message

    @api.model
    def _cci_capture(self, where, params=None):
        """One query per document model: the contact is the document itself (res.partner)
        or the document's ``partner_id``."""
        cr = self.env.cr
        cr.execute(
            "SELECT DISTINCT msg.model FROM mail_message msg"
            " WHERE msg.mail_activity_type_id IS NOT NULL AND msg.model IS NOT NULL AND "
            + where,
            params,
        )
        found = []
        for (model,) in cr.fetchall():
            if model == "res.partner":
                join, partner = "", "msg.res_id"
            else:
                target = self.env.get(model)
                field = target._fields.get("partner_id") if target is not None else None
                if not (field and field.store and field.type == "many2one"
                        and field.comodel_name == "res.partner"):
                    continue
                join = "JOIN %s doc ON doc.id = msg.res_id" % target._table
                partner = "doc.partner_id"
            found += self.env["cci.interaction"]._record_query(
                """
                SELECT msg.date, 'activity_done', {partner}, NULL::varchar,
                       {department}, u.id, COALESCE(NULLIF(msg.subject, ''), t.name),
                       msg.model, msg.res_id, NULL::integer, FALSE,
                       'mail.message', msg.id, 0
                  FROM mail_message msg
                  JOIN mail_activity_type t ON t.id = msg.mail_activity_type_id
                  {join}
                  LEFT JOIN res_users u ON u.partner_id = msg.author_id AND NOT u.share
                 WHERE msg.model = %(model)s AND {partner} IS NOT NULL AND {where}
                """.format(
                    partner=partner, join=join, where=where,
                    department=user_department_sql("u.id"),
                ),
                dict(params or {}, model=model),
            )
        return found
