from odoo import api, models
from odoo.tools.safe_eval import safe_eval

from .cci_unsubscribe import normalized


class MailMail(models.Model):
    """Every mail of a mass mailing carries the one-click unsubscribe headers of its
    recipient (RFC 8058), written on the mail just before it leaves: each path that sends
    a mail goes through ``_send``. A test send's link is a dead one."""

    _inherit = "mail.mail"

    @api.multi
    def _send(self, auto_commit=False, raise_exception=False, smtp_session=None):
        self._cci_set_unsubscribe_headers()
        return super()._send(auto_commit=auto_commit, raise_exception=raise_exception,
                             smtp_session=smtp_session)

    def _get_unsubscribe_url(self, email_to):
        """The footer's unsubscribe link opens the contact's preference page (the GET of
        the one-click link), instead of Odoo's list-by-list page."""
        address = normalized(email_to)
        if not self.mailing_id or not address:
            return super()._get_unsubscribe_url(email_to)
        return self.env["cci.unsubscribe"]._url(self.mailing_id.id, address,
                                                test=self.cci_made_by == "test")

    def _cci_set_unsubscribe_headers(self):
        Unsubscribe = self.env["cci.unsubscribe"]
        for mail in self.sudo().filtered(lambda m: m.mailing_id and m.state == "outgoing"):
            address = normalized(mail.email_to) or normalized(mail.recipient_ids[:1].email)
            if not address:
                continue
            headers = {}
            if mail.headers:
                try:
                    headers = dict(safe_eval(mail.headers))
                except (ValueError, SyntaxError, TypeError, NameError):
                    headers = {}
            headers.update(Unsubscribe._headers(mail.mailing_id, address,
                                                test=mail.cci_made_by == "test"))
            # the sending's own write: the mails of a mailing are not written by hand
            self.env.cr.execute("UPDATE mail_mail SET headers = %s WHERE id = %s",
                                (repr(headers), mail.id))
        self.invalidate_cache(["headers"], self.ids)
