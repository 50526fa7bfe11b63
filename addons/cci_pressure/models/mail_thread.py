from odoo import api, models

from .cci_complaint import is_feedback_report


class MailThread(models.AbstractModel):
    """The mail gateway recognises the spam complaints of mailbox providers (ARF reports,
    RFC 5965) before Odoo routes them as bounces or new mails, as it does bounces."""

    _inherit = "mail.thread"

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None,
                      custom_values=None):
        if is_feedback_report(message) and self.env["cci.complaint"].sudo()._process(message):
            return []
        return super().message_route(message, message_dict, model=model, thread_id=thread_id,
                                     custom_values=custom_values)
