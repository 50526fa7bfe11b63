import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError

from ..odoo11 import MAILING_MODEL
from ..sending import (
    HANDOVER_LOCK_NAMESPACE,
    WAIT,
    in_sending,
    in_test_sending,
    sending_context,
)

_logger = logging.getLogger(__name__)

# What only the sending writes on a mail of a mailing.
SENDING_FIELDS = ("mailing_id", "cci_made_by", "cci_handover_date")


class PendingRefresh:
    """Partners whose figures wait for the end of a sending batch: one refresh for the
    batch rather than one per mail. ``with PendingRefresh(env) as pending:`` collects
    them (``_record_query`` adds to ``pending.partner_ids`` while ``cci_refresh_pending``
    is in the context) and refreshes them as the block ends; ``always``: even when it
    ends with an error (mails already handed over and committed changed figures too)."""

    def __init__(self, env, always=False):
        self.env = env
        self.always = always
        self.partner_ids = set()

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        if self.partner_ids and (self.always or error_type is None):
            self.env["res.partner"]._cci_interactions_changed(list(self.partner_ids))


class MailMail(models.Model):
    """Where a mail of a mass mailing is made and where it leaves: the gates every path
    crosses (the mailing's sending, the composer, a ``mail.mail`` made over XML-RPC, the
    mail queue cron, retries, "send now").

    - Made: only inside the mailing's sending or its test wizard (``cci_made_by``).
    - Leaves: each mail is checked just before it is handed to the SMTP server (its mailing
      approved, due, its content the approved one); one that may not leave is taken back.
    - Handed over once: when the caller commits as it goes (the crons), the handover is
      committed before the SMTP server gets the mail; a mail found handed over but still
      outgoing after a crash is not sent again (it may have left), and says so.

    Sending a batch also refreshes the figures of its recipients once for the whole batch
    rather than once per mail (see PendingRefresh).
    """

    _inherit = "mail.mail"

    cci_made_by = fields.Selection(
        [("sending", "The mailing's sending"), ("test", "A test send")],
        string="Made by", readonly=True, copy=False,
    )
    cci_handover_date = fields.Datetime(
        string="Handed to the mail server", readonly=True, copy=False,
        help="When the sending started to hand this mail to the mail server.",
    )

    @api.model
    def create(self, vals):
        vals = {k: v for k, v in vals.items() if k not in ("cci_made_by", "cci_handover_date")}
        if vals.get("mailing_id"):
            if not in_sending(self.env):
                raise AccessError(_(
                    "The mails of a mass mailing are made by its own sending only, once the "
                    "marketing manager has approved it. To try it out, use its Test button."))
            vals["cci_made_by"] = "test" if in_test_sending(self.env) else "sending"
            if in_test_sending(self.env):
                vals["subject"] = _("[Test] %s") % (vals.get("subject") or "")
        return super().create(vals)

    @api.multi
    def write(self, vals):
        if self.env.uid != SUPERUSER_ID and not in_sending(self.env):
            if set(SENDING_FIELDS) & set(vals) or self._cci_mailing_mail_ids():
                raise AccessError(_("The mails of a mass mailing are written by its sending "
                                    "only: they cannot be changed by hand."))
        return super().write(vals)

    def _cci_mailing_mail_ids(self):
        if not self.ids:
            return []
        self.env.cr.execute(
            "SELECT id FROM mail_mail WHERE id IN %s AND mailing_id IS NOT NULL"
            " ORDER BY id", (tuple(self.ids),))
        return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    @api.multi
    def send(self, auto_commit=False, raise_exception=False):
        mails = sending_context(self) if not in_sending(self.env) else self
        if self.env.context.get("cci_refresh_pending") is not None:
            return super(MailMail, mails).send(
                auto_commit=auto_commit, raise_exception=raise_exception)
        with PendingRefresh(self.env, always=True) as pending:
            return super(MailMail, mails.with_context(cci_refresh_pending=pending)).send(
                auto_commit=auto_commit, raise_exception=raise_exception)

    @api.multi
    def _send(self, auto_commit=False, raise_exception=False, smtp_session=None):
        of_mailings = set(self._cci_mailing_mail_ids())
        others = self.browse([mail_id for mail_id in self.ids if mail_id not in of_mailings])
        if others:
            super(MailMail, others)._send(auto_commit=auto_commit,
                                          raise_exception=raise_exception,
                                          smtp_session=smtp_session)
        if of_mailings:
            self.browse(sorted(of_mailings))._cci_send_mailing_mails(
                auto_commit, raise_exception, smtp_session)
        return True

    def _cci_send_mailing_mails(self, auto_commit, raise_exception, smtp_session):
        """One mail at a time: checked against its mailing just before it leaves."""
        verdicts = {}  # (mailing id, mailing's write date) -> None, WAIT or a reason
        locks = self.pool.cursor() if auto_commit else None
        try:
            if locks:
                locks.autocommit(True)
            for mail_id in self.ids:
                if auto_commit:
                    # what other processes committed until now is seen from here on (the
                    # caller commits after each mail anyway: auto_commit is the crons')
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                if locks and not self._cci_lock_handover(locks, mail_id):
                    continue  # another process is handing it over right now
                try:
                    self.browse(mail_id)._cci_send_one(
                        verdicts, auto_commit, raise_exception, smtp_session)
                finally:
                    if locks:
                        locks.execute("SELECT pg_advisory_unlock(%s, %s)",
                                      (HANDOVER_LOCK_NAMESPACE, mail_id))
        finally:
            if locks:
                locks.execute("SELECT pg_advisory_unlock_all()")
                locks.close()

    @staticmethod
    def _cci_lock_handover(locks, mail_id):
        locks.execute("SELECT pg_try_advisory_lock(%s, %s)", (HANDOVER_LOCK_NAMESPACE, mail_id))
        return locks.fetchone()[0]

    def _cci_send_one(self, verdicts, auto_commit, raise_exception, smtp_session):
        cr = self.env.cr
        self.invalidate_cache(ids=self.ids)
        cr.execute("SELECT state, cci_made_by, cci_handover_date, mailing_id FROM mail_mail"
                   " WHERE id = %s", (self.id,))
        row = cr.fetchone()
        if not row:
            return
        state, made_by, handover, mailing_id = row
        if state == "outgoing" and handover:
            self._cci_set_cancelled(_(
                "The sending was interrupted while this mail was being handed to the mail "
                "server: it may have left, so it is not sent again (no duplicate)."))
            return
        if state == "outgoing" and made_by != "test":
            mailing = self.env[MAILING_MODEL].sudo().browse(mailing_id)
            verdict = mailing._cci_release_verdict(verdicts) if made_by else _(
                "This mail was not made by the mailing's sending.")
            if verdict is WAIT:
                return
            if verdict:
                _logger.info("Mail %s of mailing %s held back: %s", self.id, mailing_id,
                             verdict)
                if made_by:
                    mailing._cci_take_back_mails(self.ids)
                else:
                    self._cci_set_cancelled(verdict)
                return
        if state == "outgoing" and auto_commit:
            cr.execute("UPDATE mail_mail SET cci_handover_date = now() AT TIME ZONE 'UTC'"
                       " WHERE id = %s", (self.id,))
            cr.commit()  # pylint: disable=invalid-commit
        # pylint: disable=super-method-mismatch
        super(MailMail, self)._send(auto_commit=auto_commit, raise_exception=raise_exception,
                                    smtp_session=smtp_session)

    def _cci_set_cancelled(self, reason):
        self.env.cr.execute("UPDATE mail_mail SET state = 'cancel', failure_reason = %s"
                            " WHERE id IN %s", (reason, tuple(self.ids)))
        self.invalidate_cache(["state", "failure_reason"], self.ids)
