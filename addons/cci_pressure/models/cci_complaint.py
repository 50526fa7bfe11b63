import email
import logging
import re

from odoo import _, api, models
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL, TRACE_MODEL
from odoo.tools import decode_message_header, mail_header_msgid_re

_logger = logging.getLogger(__name__)

SOURCE_COMPLAINT = "complaint"
# Our one-click link inside the complained-of message's List-Unsubscribe header.
LINK_RE = re.compile(r"/cci/unsubscribe/(\d+)/([A-Za-z0-9_-]+)/([0-9a-f]{64})")
# Above this share of complaints, mailbox providers send a chamber's mail to spam
# (Gmail's and Yahoo's rule for bulk senders, 2024).
COMPLAINT_LIMIT = 0.3


def is_feedback_report(message):
    """An ARF report (RFC 5965): multipart/report; report-type=feedback-report."""
    return message.get_content_type() == "multipart/report" \
        and (message.get_param("report-type") or "").lower() == "feedback-report"


def original_headers(message):
    """The headers of the message complained of, from the report's third part
    (message/rfc822 or text/rfc822-headers), or None."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
        elif kind == "text/rfc822-headers":
            return email.message_from_string(part.get_payload(decode=True).decode(
                "utf-8", "replace"))
    return None


class CciComplaint(models.AbstractModel):
    """Spam complaints that mailbox providers send back (feedback loops, ARF reports to
    the bounce address): the complaining address is opted out of every mailing of the
    chamber and a ``mailing_complained`` row lands on its timeline. The mail gateway's
    hook is in mail_thread.py."""

    _name = "cci.complaint"
    _description = "Spam complaint of a mailing"

    @api.model
    def _process(self, message):
        """Record the complaint that ``message`` reports; True when it was one of ours."""
        original = original_headers(message)
        if original is None:
            return False
        mailing, address = self._find(original)
        if not mailing:
            _logger.info("Feedback report about a message of no known mailing: ignored")
            return False
        service = self.env["cci.unsubscribe"].sudo()
        service._opt_out(address)
        service._record_fact(mailing, address, "mailing_complained", SOURCE_COMPLAINT, _(
            "Reported the mailing '%s' as spam (complaint of the mailbox provider); opted "
            "out of every mailing of the chamber") % mailing.name)
        return True

    @api.model
    def _find(self, original):
        """(mailing, address) of the complained-of message: from its signed one-click link,
        else from its Message-Id in the mailing's tracking. (False, None) otherwise."""
        match = LINK_RE.search(decode_message_header(original, "List-Unsubscribe") or "")
        if match:
            mailing, address = self.env["cci.unsubscribe"].sudo()._verify(
                int(match.group(1)), match.group(2), match.group(3))
            if mailing:
                return mailing, address
        message_ids = mail_header_msgid_re.findall(
            decode_message_header(original, "Message-Id") or "")
        if message_ids:
            stat = self.env[TRACE_MODEL].sudo().search(
                [("message_id", "in", message_ids)], limit=1)
            if stat.mass_mailing_id:
                recipients = stat.mass_mailing_id._cci_recipients([stat.res_id])
                if recipients and recipients[0][2]:
                    return stat.mass_mailing_id, recipients[0][2]
        return self.env[MAILING_MODEL], None
