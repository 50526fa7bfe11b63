import hashlib
import logging
import threading

import psycopg2
from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.safe_eval import safe_eval

from ..odoo11 import MAILING_MODEL, TRACE_MAILING_COLUMN, TRACE_MODEL, TRACE_TABLE
from ..sending import WAIT, sending_context
from ..tools import render
from .mail_mail import PendingRefresh
from .mail_mass_mailing import QUEUED_STATES

_logger = logging.getLogger(__name__)

# An audience may grow after approval by this share (ir.config_parameter
# cci_marketing.audience_growth_percent) plus a few recipients; past that, the moderator
# decides again before it leaves (a list that doubled is not what was approved).
AUDIENCE_GROWTH_PERCENT = 20
AUDIENCE_GROWTH_SLACK = 10

# What the moderator approved: the content's fingerprint and the audience's size.
STAMP_APPROVED = sql.SQL("UPDATE {mailing} SET cci_approved_hash = %(hash)s,"
                         " cci_approved_audience = %(audience)s WHERE id = %(id)s")
# Whether a mail of the mailing was made already.
ANY_TRACE = sql.SQL("SELECT EXISTS (SELECT 1 FROM {trace} trace WHERE {trace_mailing} ="
                    " %(mailing)s)").format(trace=sql.Identifier(TRACE_TABLE),
                                            trace_mailing=sql.Identifier("trace",
                                                                         TRACE_MAILING_COLUMN))
# What the release of a mail reads of its mailing, afresh.
RELEASE_STATE = sql.SQL("SELECT cci_moderation_state, state, schedule_date, cci_approved_hash,"
                        " write_date FROM {mailing} WHERE id = %(id)s")
# The mails of these mailings (of these mails, when given) not handed to the mail server.
MAILS_TO_TAKE_BACK = """
    SELECT id FROM mail_mail
     WHERE mailing_id = ANY(%(mailings)s::int[]) AND state = 'outgoing'
       AND cci_handover_date IS NULL
       AND (%(mails)s::int[] IS NULL OR id = ANY(%(mails)s::int[]))
"""


class MailMassMailing(models.Model):
    """The sending of a mailing (Odoo 11 glue: ``put_in_queue``, ``send_mail``, the queue
    cron) and what the mails check before they leave (see ``mail.mail``).

    What leaves is what was approved: the content is fingerprinted at approval, and each
    mail checks that its mailing is approved, due and unchanged just before it goes to the
    SMTP server; the recipients are the approved audience as computed at send time (filter
    and lists), minus every exclusion. A mailing that fails in the queue fails alone: it
    goes back to draft with the reason told to its requester, and the others leave.
    A mailing is done only when none of its mails is left waiting.
    """

    _inherit = MAILING_MODEL

    cci_approved_hash = fields.Char(
        string="Approved content", readonly=True, copy=False,
        help="Technical: fingerprint of the content, sender and recipients as approved.",
    )
    cci_approved_audience = fields.Integer(
        string="Recipients at approval", readonly=True, copy=False,
        help="How many recipients the filter and lists selected when the mailing was "
        "approved. If the audience grows much more before it leaves, the marketing manager "
        "decides again.",
    )

    # ------------------------------------------------------------------
    # What was approved
    # ------------------------------------------------------------------

    @api.model
    def _cci_content_fields(self):
        return self._cci_watched_fields() - {"schedule_date", "cci_department_id"}

    def _cci_content_hash(self):
        self.ensure_one()
        mailing = self.sudo()
        checksums = sorted(attachment.checksum or "" for attachment in mailing.attachment_ids)
        fingerprint = repr((mailing._cci_signature(self._cci_content_fields()), checksums))
        return hashlib.sha1(fingerprint.encode("utf-8")).hexdigest()

    def _cci_stamp_approved_content(self):
        for mailing in self:
            self.env.cr.execute(render(self.env.cr, STAMP_APPROVED.format(
                mailing=sql.Identifier(self._table))), {
                    "hash": mailing._cci_content_hash(),
                    "audience": mailing._cci_audience_size(), "id": mailing.id})
        self.invalidate_cache(["cci_approved_hash", "cci_approved_audience"], self.ids)

    def _cci_audience_size(self):
        """How many records the filter selects (lists included, A/B sample aside)."""
        mailing = self.sudo()
        if not mailing.mailing_domain or mailing.mailing_model_real not in self.env:
            return 0
        try:
            domain = safe_eval(mailing.mailing_domain)
            return self.env[mailing.mailing_model_real].sudo().search_count(domain)
        except Exception:  # pylint: disable=broad-except
            return 0  # refused at submit; if it still fails, the sending says why

    def _cci_grown_audience(self):
        """(approved size, size now) when the audience grew past what was approved, and
        nothing has left yet; else False."""
        self.ensure_one()
        approved = self.cci_approved_audience
        if not approved:
            return False
        self.env.cr.execute(render(self.env.cr, ANY_TRACE), {"mailing": self.id})
        if self.env.cr.fetchone()[0]:
            return False
        percent = self.env["ir.config_parameter"]._cci_number(
            "cci_marketing.audience_growth_percent", AUDIENCE_GROWTH_PERCENT)
        now = self._cci_audience_size()
        if now > approved * (100 + percent) / 100.0 + AUDIENCE_GROWTH_SLACK:
            return approved, now
        return False

    def _cci_release_verdict(self, verdicts):
        """None when a mail of this mailing may leave now, WAIT when not yet, else why not.
        Read afresh: another process may have decided since. ``verdicts`` caches the content
        check per (mailing, write date) for one sending batch."""
        self.ensure_one()
        self.env.cr.execute(render(self.env.cr, RELEASE_STATE.format(
            mailing=sql.Identifier(self._table))), {"id": self.id})
        row = self.env.cr.fetchone()
        if not row:
            return _("Its mailing no longer exists.")
        moderation, state, schedule_date, approved_hash, stamp = row
        if moderation != "approved" or state not in QUEUED_STATES:
            return _("Its mailing is not approved by the marketing manager.")
        if schedule_date and schedule_date > fields.Datetime.now():
            return WAIT
        if approved_hash:
            key = (self.id, stamp)
            if key not in verdicts:
                self.invalidate_cache()
                verdicts[key] = self._cci_content_hash() == approved_hash
            if not verdicts[key]:
                # changed behind the form's back (e.g. an attachment's file): the moderator
                # decides again, and nothing leaves meanwhile
                self._cci_transition("changed", {"state": "draft"}, note=_(
                    "The subject, content, recipients or date changed after approval."))
                return _("Its content changed after approval.")
        return None

    def _cci_take_back_mails(self, mail_ids=None):
        """The mails of these mailings not handed to the mail server yet are deleted, with
        their tracking and their row on the timeline: they never left, and they are made
        again if the mailing is approved again."""
        self.env.cr.execute(MAILS_TO_TAKE_BACK, {
            "mailings": list(self.ids), "mails": list(mail_ids) if mail_ids else None})
        ids = [row[0] for row in self.env.cr.fetchall()]
        if not ids:
            return
        Stats = sending_context(self.env[TRACE_MODEL].sudo())
        Stats.search([("mail_mail_id", "in", ids)]).unlink()
        self.env["mail.mail"].sudo().browse(ids).unlink()

    # ------------------------------------------------------------------
    # Odoo 11 sending: put_in_queue, send_mail, retries, the queue cron
    # ------------------------------------------------------------------

    @api.multi
    def put_in_queue(self):
        self._cci_check_approved()
        super().put_in_queue()
        return True

    @api.multi
    def retry_failed_mail(self):
        self._cci_check_approved()
        super(MailMassMailing, sending_context(self)).retry_failed_mail()
        return True

    def send_mail(self, res_ids=None):
        """Send now (approved and due mailings only) to what remains of the approved
        audience; ``res_ids`` can narrow it, never widen it."""
        self._cci_check_approved()
        self._cci_check_due()
        for mailing in self:
            grown = mailing._cci_grown_audience()
            if grown:
                raise UserError(_(
                    'The audience of "%(name)s" grew from %(then)d to %(now)d recipients '
                    'since its approval: the marketing manager must approve it again.')
                    % {"name": mailing.name, "then": grown[0], "now": grown[1]})
            if not mailing._cci_deliver(res_ids):
                if res_ids:
                    raise UserError(_(
                        'None of these recipients can receive "%s": only those of its '
                        'approved audience who have not received it yet and are not held '
                        'back can.') % mailing.name)
                raise UserError(_('Nobody is left to receive "%s": every recipient has '
                                  'received it or is held back.') % mailing.name)
        return True

    def _cci_check_due(self):
        now = fields.Datetime.now()
        for mailing in self.sudo():
            if mailing.schedule_date and mailing.schedule_date > now:
                raise UserError(
                    _('"%(name)s" is approved for %(date)s: it leaves with the sending queue '
                      'at that date.')
                    % {"name": mailing.name,
                       "date": mailing._cci_format_date(mailing.schedule_date)})

    def _cci_deliver(self, res_ids=None):
        """Make and send the mails of this mailing for the rest of its audience (within
        ``res_ids`` when given). False when nobody remains."""
        self.ensure_one()
        targets = self.get_remaining_recipients()
        if res_ids:
            asked = set(res_ids)
            targets = [res_id for res_id in targets if res_id in asked]
        if not targets:
            return False
        self.sudo().write({"sent_date": fields.Datetime.now(), "state": "sending"})
        with PendingRefresh(self.env) as pending:
            mailing = sending_context(self.with_context(cci_refresh_pending=pending))
            super(MailMassMailing, mailing).send_mail(  # pylint: disable=super-method-mismatch
                res_ids=targets)
        self._cci_update_sending_state()
        return True

    def _cci_update_sending_state(self):
        """Done once no mail of it waits to leave; sending as long as some do."""
        self.env.cr.execute(
            "SELECT EXISTS (SELECT 1 FROM mail_mail WHERE mailing_id = %s"
            " AND state = 'outgoing')", (self.id,))
        state = "sending" if self.env.cr.fetchone()[0] else "done"
        if self.state != state:
            self.sudo().write({"state": state})

    @api.model
    def _process_mass_mailing_queue(self):
        self._cci_unqueue_unapproved()
        now = fields.Datetime.now()
        due = self.search([("state", "in", ("in_queue", "sending")),
                           "|", ("schedule_date", "<", now), ("schedule_date", "=", False)])
        for mailing_id in due.ids:
            self.browse(mailing_id)._cci_send_from_queue()
        return True

    def _cci_send_from_queue(self):
        """One mailing's turn in the queue, on its own: its failure holds back no other.
        Out of tests it commits, as Odoo's own queue does (its sending commits per mail)."""
        self.ensure_one()
        user = self.write_uid or self.env.user
        mailing = self.with_context(**user.sudo(user=user).context_get())
        testing = getattr(threading.currentThread(), "testing", False)
        try:
            if testing:
                with self.env.cr.savepoint():
                    mailing._cci_queue_step(auto_commit=False)
            else:
                mailing._cci_queue_step(auto_commit=True)
                self.env.cr.commit()  # pylint: disable=invalid-commit
        except MemoryError:
            raise
        except (psycopg2.extensions.TransactionRollbackError, psycopg2.OperationalError):
            # another process sent or decided meanwhile: this mailing's turn comes again
            # at the next run, on a fresh view of the database
            if testing:
                raise
            self.env.cr.rollback()
            self.env.clear()
            _logger.info("Mailing %s: sending deferred to the next run (concurrent update)",
                         self.id)
        except Exception as err:  # pylint: disable=broad-except
            if not testing:
                self.env.cr.rollback()
                self.env.clear()
            _logger.warning("Mailing %s could not be sent: %s", self.id, err)
            self.browse(self.id)._cci_fail(err)
            if not testing:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _cci_queue_step(self, auto_commit):
        mails = self.env["mail.mail"].sudo().search(
            [("mailing_id", "=", self.id), ("state", "=", "outgoing")])
        if mails:  # left waiting by an interrupted run
            mails.send(auto_commit=auto_commit)
        if self.cci_moderation_state != "approved":
            return
        grown = self._cci_grown_audience()
        if grown:
            self._cci_transition("changed", {"state": "draft"}, note=_(
                "Its audience grew from %(then)d to %(now)d recipients since approval: the "
                "marketing manager decides again.") % {"then": grown[0], "now": grown[1]})
            return
        if not self._cci_deliver():
            self._cci_update_sending_state()

    def _cci_fail(self, error):
        reason = getattr(error, "name", None) if isinstance(error, UserError) else None
        note = _("It could not be sent: %s") % (reason or str(error) or type(error).__name__)
        self._cci_transition("failed", {"state": "draft", "cci_moderation_note": note},
                             note=note)

    @api.model
    def _cci_unqueue_unapproved(self):
        """Take out of the queue what is there without approval (SQL, older data)."""
        mailings = self.sudo().search([
            ("state", "in", ("in_queue", "sending")),
            ("cci_moderation_state", "!=", "approved"),
        ])
        for mailing in mailings:
            _logger.warning("Mailing %s is queued without approval: taken out of the queue",
                            mailing.id)
            mailing.write({"state": "draft"})
            mailing._cci_take_back_mails()
            mailing.message_post(body=_("Taken out of the sending queue: it has not been "
                                        "approved by the marketing manager."))
        return mailings.ids
