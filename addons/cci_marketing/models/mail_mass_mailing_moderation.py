from datetime import timedelta

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_split, html2plaintext, html_escape, single_email_re
from odoo.tools.safe_eval import safe_eval

from ..moderation import (
    MEMBER,
    MODERATION_TOKEN,
    MODERATOR,
    REQUESTER,
    WORKFLOW,
    decision_for,
)
from ..odoo11 import CONTACT_MODEL, MAILING_MODEL
from ..tools import DECISION_YEARS_AHEAD, format_moment, parse_datetime
from .mail_mass_mailing import SENT_STATES


class MailMassMailing(models.Model):
    """The moderation of a mailing: the decisions of ``moderation.WORKFLOW``, the one gate
    that enforces it, the history it leaves and who is told."""

    _inherit = MAILING_MODEL

    # What the current user may do, for the form to show only the buttons that work (the
    # rights themselves are enforced by the record rules and _cci_check_decision).
    cci_can_edit = fields.Boolean(compute="_compute_cci_can", string="Can edit")
    cci_can_reset = fields.Boolean(compute="_compute_cci_can", string="Can put back to draft")

    def _compute_cci_can(self):
        writable = self.check_access_rights("write", raise_exception=False)
        for mailing in self:
            can_edit = writable
            if can_edit and isinstance(mailing.id, int):
                try:
                    mailing.check_access_rule("write")
                except AccessError:
                    can_edit = False
            mailing.cci_can_edit = can_edit
            mailing.cci_can_reset = bool(
                can_edit and mailing.cci_moderation_state != "draft"
                and mailing.state not in SENT_STATES and mailing._cci_is_requester())

    # ------------------------------------------------------------------
    # Moderation actions (public API, see CONTRACT.md)
    # ------------------------------------------------------------------

    @api.multi
    def action_cci_submit(self):
        for mailing in self:
            mailing._cci_check_decision("submit")
            mailing._cci_check_submittable()
        for mailing in self:
            vals = {}
            if not mailing.cci_requester_id or not self._cci_is_moderator():
                vals["cci_requester_id"] = self.env.uid
            mailing._cci_transition("submit", vals)
        return True

    @api.multi
    def action_cci_approve(self, schedule_date=False, note=False):
        self._cci_check_decision("approve")
        if note is not False and not isinstance(note, str):
            raise UserError(_("The note of an approval must be a text."))
        date = self._cci_parse_date(schedule_date)
        now = fields.Datetime.now()
        for mailing in self:
            when = date or mailing.cci_requested_date or now
            mailing._cci_transition(
                "approve", mailing._cci_decision_values(when, note, queue=True), note)
        return True

    @api.multi
    def action_cci_postpone(self, schedule_date=False, reason=False):
        self._cci_check_decision("postpone")
        reason = self._cci_check_reason(reason, "postpone")
        date = self._cci_parse_date(schedule_date)
        if not date:
            raise UserError(_("Give the later date to which the mailing is postponed."))
        for mailing in self:
            floor = max(fields.Datetime.now(), mailing._cci_current_date() or "")
            if date <= floor:
                raise UserError(
                    _('Postponing "%(name)s" needs a date later than %(date)s.')
                    % {"name": mailing.name, "date": mailing._cci_format_date(floor)})
        for mailing in self:
            mailing._cci_transition(
                "postpone", mailing._cci_decision_values(date, reason, queue=True), reason)
        return True

    @api.multi
    def action_cci_reject(self, reason=False):
        self._cci_check_decision("reject")
        reason = self._cci_check_reason(reason, "reject")
        for mailing in self:
            mailing._cci_transition(
                "reject", mailing._cci_decision_values(False, reason, queue=False), reason)
        return True

    @api.multi
    def action_cci_reset_draft(self):
        for mailing in self:
            mailing._cci_check_decision("reset")
        self._cci_transition("reset", {"state": "draft"})
        return True

    # ------------------------------------------------------------------
    # The gate: who may take a decision, and from which state
    # ------------------------------------------------------------------

    def _cci_check_decision(self, decision):
        """Raise unless the current user may take ``decision`` on these mailings now, as
        ``WORKFLOW`` says. The marketing manager's right is checked first, before the
        arguments of the decision; the right of a department or requester depends on the
        mailing, so it comes after its state. One whole sentence per case, for the
        translators."""
        rule = WORKFLOW[decision]
        if rule.taken_by == MODERATOR:
            self._cci_check_moderator()
        for mailing in self:
            mailing._cci_check_state(decision, rule.from_states)
            if rule.taken_by == MEMBER:
                mailing._cci_check_member()
            elif rule.taken_by == REQUESTER and not mailing._cci_is_requester():
                raise AccessError(
                    _('Only the requesting department or the marketing manager can put "%s" '
                      'back to draft.') % mailing.name)

    def _cci_check_state(self, decision, states):
        self.ensure_one()
        if self.state in SENT_STATES:
            messages = {
                "submit": _('"%s" has already been sent.'),
                "approve": _('You cannot approve "%s": it has already been sent.'),
                "postpone": _('You cannot postpone "%s": it has already been sent.'),
                "reject": _('You cannot reject "%s": it has already been sent.'),
                "reset": _('You cannot put "%s" back to draft: it has already been sent.'),
            }
            raise UserError(messages[decision] % self.name)
        if self.cci_moderation_state in states:
            return
        if decision == "submit":
            # one whole sentence per state, so that each reads well once translated
            messages = {
                "submitted": _('"%s" is already submitted: only a draft or rejected mailing '
                               'can be submitted.'),
                "approved": _('"%s" is already approved: only a draft or rejected mailing can '
                              'be submitted.'),
            }
            raise UserError(messages[self.cci_moderation_state] % self.name)
        messages = {
            "approve": _('You cannot approve "%(name)s": its moderation state is '
                         '"%(state)s".'),
            "postpone": _('You cannot postpone "%(name)s": its moderation state is '
                          '"%(state)s".'),
            "reject": _('You cannot reject "%(name)s": its moderation state is '
                        '"%(state)s".'),
            "reset": _('You cannot put "%(name)s" back to draft: its moderation state is '
                       '"%(state)s".'),
        }
        raise UserError(messages[decision] % {
            "name": self.name, "state": self._cci_state_label(self.cci_moderation_state)})

    def _cci_check_member(self):
        """A department's mailing is submitted by that department (or the moderator)."""
        self.ensure_one()
        if not self.cci_department_id:
            raise UserError(_('Choose the requesting department of "%s" before submitting it.')
                            % self.name)
        if not (self._cci_is_member() or self._cci_is_moderator()):
            raise AccessError(
                _('You can only submit mailings for your own departments: you are not a member '
                  'of %s.') % self.sudo().cci_department_id.name)

    # ------------------------------------------------------------------
    # Who is who
    # ------------------------------------------------------------------

    @api.model
    def _cci_is_moderator(self):
        return self.env.user.has_group("cci_marketing.group_cci_moderator")

    @api.model
    def _cci_check_moderator(self):
        if not self._cci_is_moderator():
            raise AccessError(_("Only the marketing manager (moderator) can approve, postpone "
                                "or reject a mailing."))

    def _cci_is_member(self):
        """The current user belongs to this mailing's department."""
        self.ensure_one()
        return self.env.user in self.sudo().cci_department_id.user_ids

    def _cci_is_requester(self):
        self.ensure_one()
        mailing = self.sudo()
        return (self._cci_is_moderator() or self._cci_is_member()
                or self.env.user in (mailing.cci_requester_id | mailing.create_uid))

    # ------------------------------------------------------------------
    # What a decision needs
    # ------------------------------------------------------------------

    def _cci_check_submittable(self):
        """Raise unless this mailing can be sent as it is: what would make its sending fail
        is refused at submission, where the department can still correct it (hook)."""
        self.ensure_one()
        if self.cci_requested_date and self.cci_requested_date < fields.Datetime.now():
            raise UserError(
                _('The wished date of "%s" is already past: choose a later date, or leave it '
                  'empty to mean as soon as possible.') % self.name)
        parse_datetime(self, self.cci_requested_date, _("wished date"),
                       years_ahead=DECISION_YEARS_AHEAD)
        # what would make the sending fail: subject, content, sender, recipients
        mailing = self.sudo()
        if not (mailing.name or "").strip():
            raise UserError(_("The mailing has no subject: write its subject before "
                              "submitting it."))
        body = mailing.body_html or ""
        if not html2plaintext(body).strip() and "<img" not in body.lower():
            raise UserError(_('"%s" has no content: write its message before submitting it.')
                            % self.name)
        addresses = email_split(mailing.email_from or "")
        if len(addresses) != 1 or not single_email_re.match(addresses[0]):
            raise UserError(
                _('The sender of "%(name)s" is not a valid email address: %(sender)s. Write '
                  'it as name@domain.fr or Name <name@domain.fr>.')
                % {"name": self.name, "sender": mailing.email_from or ""})
        model = mailing.mailing_model_real
        try:
            # a broken filter fails here, not in the sending queue where it would hold
            # back the other mailings
            domain = safe_eval(mailing.mailing_domain or "[]")
            with self.env.cr.savepoint():
                self.env[model].sudo().search(domain, limit=1)
        except Exception:
            raise UserError(
                _('The recipients\' filter of "%s" cannot be used: correct it (or make it '
                  'again with the filter editor) before submitting the mailing.') % self.name
            ) from None
        if model == CONTACT_MODEL:
            # without lists, only a filter says which contacts (an empty one: all of them)
            if not mailing.contact_list_ids and not domain:
                raise UserError(_('Choose the mailing lists of "%s" before submitting it.')
                                % self.name)
            if mailing.contact_list_ids \
                    and not any(mailing.contact_list_ids.mapped("contact_nbr")):
                raise UserError(_('The mailing lists of "%s" have no contacts: there is '
                                  'nobody to send it to.') % self.name)

    @api.model
    def _cci_check_reason(self, reason, decision):
        if not isinstance(reason, str) or not reason.strip():
            messages = {
                "postpone": _("Give a reason to postpone a mailing: the department is told "
                              "of it."),
                "reject": _("Give a reason to reject a mailing: the department is told of it."),
            }
            raise UserError(messages[decision])
        return reason.strip()

    @api.model
    def _cci_parse_date(self, value):
        """A send date given as 'YYYY-MM-DD HH:MM:SS' (UTC), shorter forms or a datetime ->
        'YYYY-MM-DD HH:MM:SS'; or False (see tools.parse_datetime)."""
        moment = parse_datetime(self, value, _("send date"), years_ahead=DECISION_YEARS_AHEAD)
        return fields.Datetime.to_string(moment) if moment else False

    def _cci_current_date(self):
        """The date this mailing is planned for: approved send date, else the wished date."""
        if self.cci_moderation_state == "approved" and self.schedule_date:
            return self.schedule_date
        return self.cci_requested_date

    def _cci_decision_values(self, schedule_date, note, queue):
        now = fields.Datetime.now()
        vals = {
            "cci_moderator_id": self.env.uid,
            "cci_decision_date": now,
            "cci_moderation_note": note or False,
            "state": "in_queue" if queue else "draft",
        }
        if queue:
            # Odoo's queue cron sends it once schedule_date is past; sent_date as
            # put_in_queue would set it (send_mail sets it again when it actually leaves).
            vals.update(schedule_date=schedule_date, sent_date=now)
        return vals

    def _cci_transition(self, decision, vals=None, note=False):
        """Take ``decision``: the one write of the moderation fields. People's decisions
        went through ``_cci_check_decision`` first; the system's (``changed``, ``failed``)
        are taken by the sending, on the state it has just read from the database."""
        values = dict(vals or {}, cci_moderation_state=WORKFLOW[decision].to_state)
        # the note is that of the decision that leads to this state: a submission, a reset
        # or a change clears the older one (the moderation history keeps it)
        values.setdefault("cci_moderation_note", False)
        self.with_context(
            cci_moderation_token=MODERATION_TOKEN, cci_decision=decision,
            cci_decision_note=note,
        ).write(values)

    def _cci_moderation_changed(self, before):
        """Keep every change of moderation state, and tell who must know."""
        decision = self.env.context.get("cci_decision")
        note = self.env.context.get("cci_decision_note") or False
        rule = WORKFLOW.get(decision)
        Decision = self.env["cci.moderation.decision"].sudo()
        for mailing in self.sudo():
            old, new = before.get(mailing.id), mailing.cci_moderation_state
            explicit = rule is not None and rule.to_state == new
            # a moderator's decision is kept even when the state stays: an approved
            # mailing postponed again
            if old == new and not (explicit and rule.taken_by == MODERATOR):
                continue
            kind = decision if explicit else decision_for(new)
            Decision.create({
                "mass_mailing_id": mailing.id,
                "department_id": mailing.cci_department_id.id,
                "user_id": self.env.uid,
                "decision": kind,
                "state_from": old,
                "state_to": new,
                "schedule_date": mailing.schedule_date if new == "approved" else False,
                "note": note,
            })
            self.browse(mailing.id)._cci_notify(kind, old, note)
            if new == "approved":
                mailing._cci_stamp_approved_content()
            elif old == "approved":
                mailing._cci_take_back_mails()

    def _cci_notify(self, decision, old_state, note):
        self.ensure_one()
        mailing = self.sudo()
        if old_state == "submitted":
            mailing._cci_close_moderation_activities()
        user = html_escape(self.env.user.name)
        if decision in ("submit", "changed"):
            moderators = self._cci_moderators()
            if decision == "submit":
                body = _("Submitted for approval by %(user)s. Wished date: %(date)s.") % {
                    "user": user,
                    "date": html_escape(self._cci_format_date(mailing.cci_requested_date))}
            else:
                body = _("Changed after approval by %s: it waits for a new decision of the "
                         "marketing manager and is out of the sending queue.") % user
            mailing._cci_schedule_moderation_activities(moderators)
            self._cci_post(body, moderators.mapped("partner_id"))
            return
        date = html_escape(self._cci_format_date(mailing.schedule_date))
        bodies = {
            "approve": _("Approved by %(user)s: it will be sent on %(date)s.")
            % {"user": user, "date": date},
            "postpone": _("Postponed by %(user)s: it will be sent on %(date)s.")
            % {"user": user, "date": date},
            "reject": _("Rejected by %s: it will not be sent.") % user,
            "reset": _("Put back to draft by %s: it is out of the sending queue.") % user,
            "failed": _("Taken out of the sending queue: it could not be sent. It is back in "
                        "draft: correct it, then submit it again."),
        }
        body = bodies[decision]
        if note:
            body += "<br/>" + _("Reason: %s") % html_escape(note)
        requester = mailing.cci_requester_id or mailing.create_uid
        self._cci_post(body, requester.partner_id)

    def _cci_post(self, body, partners):
        """A note in the chatter that notifies these partners (inbox or e-mail)."""
        self.sudo().message_post(
            body=body, author_id=self.env.user.partner_id.id, partner_ids=partners.ids,
            message_type="comment", subtype="mail.mt_note",
        )

    @api.model
    def _cci_moderators(self):
        users = self.env.ref("cci_marketing.group_cci_moderator").sudo().users.filtered(
            lambda u: u.active and not u.share)
        # The superuser belongs to every group: a real moderator is enough.
        return users.filtered(lambda u: u.id != SUPERUSER_ID) or users

    def _cci_schedule_moderation_activities(self, moderators):
        self.ensure_one()
        activity_type = self.env.ref("cci_marketing.mail_activity_type_cci_moderation")
        today = fields.Date.context_today(self)
        deadline = today
        if self.cci_requested_date:
            deadline = max(today, fields.Date.to_string(
                fields.Datetime.from_string(self.cci_requested_date) - timedelta(days=1)))
        Activity = self.env["mail.activity"].sudo()
        model_id = self.env["ir.model"]._get_id(self._name)
        for user in moderators:
            Activity.create({
                "res_model_id": model_id,
                "res_id": self.id,
                "activity_type_id": activity_type.id,
                "summary": _("Decide on this mailing"),
                "user_id": user.id,
                "date_deadline": deadline,
            })

    def _cci_close_moderation_activities(self):
        activity_type = self.env.ref("cci_marketing.mail_activity_type_cci_moderation")
        self.env["mail.activity"].sudo().search([
            ("res_model", "=", self._name), ("res_id", "in", self.ids),
            ("activity_type_id", "=", activity_type.id),
        ]).unlink()

    @api.model
    def _cci_state_label(self, state):
        field = self._fields["cci_moderation_state"]
        return dict(field._description_selection(self.env)).get(state, state)

    @api.model
    def _cci_format_date(self, value):
        if not value:
            return _("as soon as possible")
        return format_moment(self, value)
