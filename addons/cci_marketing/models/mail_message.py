from psycopg2 import sql

from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import AccessError

from ..sending import in_sending
from ..tools import render
from .cci_interaction import ids_sql, user_department_sql

# Whether one of these messages is the message of a mail of a mass mailing.
MAILING_MESSAGE = """
    SELECT 1 FROM mail_mail mail
     WHERE mail.mail_message_id = ANY(%(ids)s::int[]) AND mail.mailing_id IS NOT NULL
     LIMIT 1
"""
# The document models of the done activities among the messages of {where}.
ACTIVITY_MODELS = sql.SQL("""
    SELECT DISTINCT message.model FROM mail_message message
     WHERE message.mail_activity_type_id IS NOT NULL AND message.model IS NOT NULL
       AND {where}
""")
# A done activity on a document of one model is a fact of the document's contact
# ({partner}, through {join}), by the colleague who wrote it.
ACTIVITY_FACTS = sql.SQL("""
    SELECT message.date, 'activity_done', {partner}, NULL::varchar,
           {department}, colleague.id, COALESCE(NULLIF(message.subject, ''), kind.name),
           message.model, message.res_id, NULL::integer, FALSE,
           'mail.message', message.id, 0
      FROM mail_message message
      JOIN mail_activity_type kind ON kind.id = message.mail_activity_type_id
      {join}
      LEFT JOIN res_users colleague
        ON colleague.partner_id = message.author_id AND NOT colleague.share
     WHERE message.model = %(model)s AND {partner} IS NOT NULL AND {where}
""")
JOIN_DOCUMENT = sql.SQL("JOIN {table} document ON document.id = message.res_id")


class MailMessage(models.Model):
    """Capture point of done activities: Odoo 11 turns a done activity into a message
    carrying ``mail_activity_type_id`` (and deletes the activity)."""

    _name = "mail.message"
    _inherit = ["cci.captured.mixin", "mail.message"]

    @api.multi
    def write(self, vals):
        """The message under a mail of a mass mailing holds its subject and attachments:
        like the mail itself, it changes only with the sending (see mail.mail)."""
        if self.ids and self.env.uid != SUPERUSER_ID and not in_sending(self.env):
            self.env.cr.execute(MAILING_MESSAGE, {"ids": list(self.ids)})
            if self.env.cr.fetchone():
                raise AccessError(_("The mails of a mass mailing are written by its sending "
                                    "only: they cannot be changed by hand."))
        return super().write(vals)

    def _cci_captured_ids(self, vals):
        """A message is a fact when it is a done activity on a document."""
        if vals.get("mail_activity_type_id") and vals.get("model") and vals.get("res_id"):
            return self.ids
        return []

    @api.model
    def _cci_capture(self, ids=None):
        """One query per document model: the contact is the document itself (res.partner)
        or the document's ``partner_id``."""
        cr = self.env.cr
        where, params = ids_sql("message", ids)
        cr.execute(render(cr, ACTIVITY_MODELS.format(where=where)), params)
        found = []
        for (model,) in cr.fetchall():
            if model == "res.partner":
                join, partner = sql.SQL(""), sql.Identifier("message", "res_id")
            else:
                target = self.env.get(model)
                field = target._fields.get("partner_id") if target is not None else None
                if not (field and field.store and field.type == "many2one"
                        and field.comodel_name == "res.partner"):
                    continue
                join = JOIN_DOCUMENT.format(table=sql.Identifier(target._table))
                partner = sql.Identifier("document", "partner_id")
            found += self.env["cci.interaction"]._record_query(
                ACTIVITY_FACTS.format(partner=partner, join=join, where=where,
                                      department=user_department_sql("colleague.id")),
                dict(params, model=model),
            )
        return found
