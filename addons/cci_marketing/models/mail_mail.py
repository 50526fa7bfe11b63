from odoo import api, models


class PendingRefresh:
    """Partners whose figures wait for the end of a sending batch (see MailMail.send)."""

    def __init__(self):
        self.partner_ids = set()


class MailMail(models.Model):
    """Sending a batch of mails records a ``mailing_sent`` row per mail (capture point in
    mail_mail_statistics.py); the figures of the recipients and their companies are then
    refreshed once for the whole batch rather than once per mail, so that capture adds no
    noticeable time to sending (a company with many contacts would be refreshed per mail)."""

    _inherit = "mail.mail"

    @api.multi
    def send(self, auto_commit=False, raise_exception=False):
        if self.env.context.get("cci_refresh_pending") is not None:
            return super().send(auto_commit=auto_commit, raise_exception=raise_exception)
        pending = PendingRefresh()
        try:
            return super(MailMail, self.with_context(cci_refresh_pending=pending)).send(
                auto_commit=auto_commit, raise_exception=raise_exception)
        finally:
            if pending.partner_ids:
                self.env["res.partner"]._cci_interactions_changed(list(pending.partner_ids))
