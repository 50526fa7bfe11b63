import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_split, html2plaintext, html_escape, single_email_re
from odoo.tools.safe_eval import safe_eval
from odoo.tools.sql import column_exists

from ..tools import DECISION_YEARS_AHEAD, check_one, format_moment, parse_datetime
from .cci_interaction import RECIPIENT_COLUMNS, email_sql
from .res_partner import BOUNCE_COUNTER_LIMIT

_logger = logging.getLogger(__name__)

MODERATION_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
# The moderation fields: written only by the moderation actions (see _cci_transition).
MODERATION_FIELDS = (
    "cci_moderation_state", "cci_moderator_id", "cci_moderation_note", "cci_decision_date",
    "cci_approved_hash", "cci_approved_audience",
)
# Odoo's own states of a mailing that is queued, being sent or sent; and sent or being sent.
QUEUED_STATES = ("in_queue", "sending", "done")
SENT_STATES = ("sending", "done")
# decision -> the moderation state it leads to
DECISION_TARGETS = {
    "submit": "submitted",
    "approve": "approved",
    "postpone": "approved",
    "reject": "rejected",
    "reset": "draft",
    "changed": "submitted",
    "failed": "draft",
}
FOLLOWUP_AUDIENCES = [
    ("not_opened", "Did not open"),
    ("not_clicked", "Did not click"),
    ("opened", "Opened"),
    ("clicked", "Clicked"),
]
# audience -> (ledger kinds that mark a recipient, whether the audience is the marked ones).
# Odoo 11 records a click without an open: a click counts as an open.
AUDIENCE_RULES = {
    "not_opened": (("mailing_opened", "mailing_clicked"), False),
    "opened": (("mailing_opened", "mailing_clicked"), True),
    "not_clicked": (("mailing_clicked",), False),
    "clicked": (("mailing_clicked",), True),
}
# The moderation actions' pass to write the moderation fields: a Python object, so that it
# cannot be given in a context over XML-RPC.
_MODERATION_TOKEN = object()


class MailMassMailing(models.Model):
    _name = "mail.mass_mailing"
    _inherit = ["mail.mass_mailing", "mail.thread", "mail.activity.mixin"]

    cci_department_id = fields.Many2one(
        "cci.department", string="Department", index=True,
        default=lambda self: self.env.user.cci_department_ids[:1],
        help="The department that requests this mailing.",
    )
    cci_excluded_count = fields.Integer(
        string="Held back", compute="_compute_cci_excluded_count",
        help="Recipients left out at send time (opt-out, bounced address, quota), each "
        "recorded on the recipient's timeline with the reason.",
    )
    cci_moderation_state = fields.Selection(
        MODERATION_STATES, string="Moderation", required=True, default="draft", copy=False,
        index=True, readonly=True, group_expand="_cci_expand_moderation_states",
        help="Draft: being prepared by the department. Submitted: waiting for the marketing "
        "manager. Approved: in the sending queue at its send date. Rejected: not sent.",
    )
    cci_requested_date = fields.Datetime(
        string="Wished date", copy=False,
        help="When the department would like the mailing to leave. Empty: as soon as possible.",
    )
    cci_requester_id = fields.Many2one(
        "res.users", string="Requested by", copy=False, index=True,
        default=lambda self: self.env.user,
        help="Who is told of the marketing manager's decisions.",
    )
    cci_moderator_id = fields.Many2one(
        "res.users", string="Decided by", readonly=True, copy=False
    )
    cci_decision_date = fields.Datetime(string="Decided on", readonly=True, copy=False)
    cci_moderation_note = fields.Text(
        string="Moderator's reason", readonly=True, copy=False,
        help="The reason given with the last decision.",
    )
    cci_decision_ids = fields.One2many(
        "cci.moderation.decision", "mass_mailing_id", string="Moderation history",
        readonly=True, copy=False,
    )
    cci_planning_date = fields.Datetime(
        string="Planned for", compute="_compute_cci_planning_date", store=True, index=True,
        help="Sent date once sent, the approved send date once approved, else the wished date.",
    )
    cci_department_color = fields.Integer(related="cci_department_id.color", readonly=True)
    cci_overlap_count = fields.Integer(
        string="Overlapping mailings", compute="_compute_cci_overlaps",
        help="Other mailings planned within a few days that reach some of the same contacts.",
    )
    cci_overlap_html = fields.Html(
        string="Audience overlaps", compute="_compute_cci_overlaps", sanitize=False
    )
    cci_parent_id = fields.Many2one(
        "mail.mass_mailing", string="Follow-up of", readonly=True, copy=False, index=True,
        ondelete="set null",
    )
    cci_followup_audience = fields.Selection(
        FOLLOWUP_AUDIENCES, string="Aimed at", readonly=True, copy=False,
        help="Which recipients of the original mailing this follow-up is aimed at.",
    )
    cci_followup_ids = fields.One2many(
        "mail.mass_mailing", "cci_parent_id", string="Follow-ups", readonly=True
    )
    cci_followup_count = fields.Integer(
        string="Number of follow-ups", compute="_compute_cci_followup_count")

    @api.depends("state", "sent_date", "schedule_date", "cci_requested_date",
                 "cci_moderation_state")
    def _compute_cci_planning_date(self):
        for mailing in self:
            if mailing.state in SENT_STATES and mailing.sent_date:
                date = mailing.sent_date
            elif mailing.cci_moderation_state == "approved" and mailing.schedule_date:
                date = mailing.schedule_date
            else:
                date = mailing.cci_requested_date or mailing.create_date
            mailing.cci_planning_date = date

    def _compute_cci_excluded_count(self):
        counts = {}
        if self.ids:
            data = self.env["cci.interaction"].read_group(
                [("mass_mailing_id", "in", self.ids), ("kind", "=", "mailing_excluded")],
                ["mass_mailing_id"], ["mass_mailing_id"],
            )
            counts = {d["mass_mailing_id"][0]: d["mass_mailing_id_count"] for d in data}
        for mailing in self:
            mailing.cci_excluded_count = counts.get(mailing.id, 0)

    def _compute_cci_followup_count(self):
        counts = {}
        if self.ids:
            data = self.sudo().read_group(
                [("cci_parent_id", "in", self.ids)], ["cci_parent_id"], ["cci_parent_id"]
            )
            counts = {d["cci_parent_id"][0]: d["cci_parent_id_count"] for d in data}
        for mailing in self:
            mailing.cci_followup_count = counts.get(mailing.id, 0)

    def _compute_cci_overlaps(self):
        for mailing in self:
            overlaps = []
            if isinstance(mailing.id, int) and mailing.state not in SENT_STATES:
                overlaps = mailing._cci_overlaps()
            mailing.cci_overlap_count = len(overlaps)
            mailing.cci_overlap_html = mailing._cci_overlap_table(overlaps)

    @api.model
    def _cci_expand_moderation_states(self, states, domain, order):
        return [key for key, _label in MODERATION_STATES]

    # ------------------------------------------------------------------
    # ORM: the gates every path goes through
    # ------------------------------------------------------------------

    @api.model_cr_context
    def _auto_init(self):
        """At install, what was sent before moderation existed counts as approved; what was
        waiting in the queue goes to the moderator instead of leaving unapproved."""
        cr = self.env.cr
        new = not column_exists(cr, self._table, "cci_moderation_state")
        res = super()._auto_init()
        if new:
            cr.execute("UPDATE mail_mass_mailing SET cci_moderation_state = 'approved'"
                       " WHERE state IN ('sending', 'done')")
            cr.execute("UPDATE mail_mass_mailing SET cci_moderation_state = 'submitted',"
                       " state = 'draft' WHERE state = 'in_queue'")
            if cr.rowcount:
                _logger.info("%d queued mailings now wait for the moderator", cr.rowcount)
        return res

    @api.model
    def create(self, vals):
        self._cci_check_values(vals)
        if vals.get("state", "draft") in QUEUED_STATES \
                and vals.get("cci_moderation_state") != "approved":
            raise UserError(_("A mailing cannot be created queued or sent: the marketing "
                              "manager must approve it first."))
        mailing = super().create(vals)
        if mailing.cci_moderation_state == "approved":  # the superuser (data, tests)
            mailing._cci_stamp_approved_content()
        return mailing

    @api.multi
    def write(self, vals):
        self._cci_check_values(vals)
        if vals.get("state") in QUEUED_STATES:
            self._cci_check_approved(vals.get("cci_moderation_state"))
        watched = self._cci_watched_signatures(vals)
        before = {}
        if "cci_moderation_state" in vals:
            before = {m.id: m.cci_moderation_state for m in self.sudo()}
        res = super().write(vals)
        if before:
            self._cci_moderation_changed(before)
        if watched:
            self._cci_send_back_if_changed(*watched)
        return res

    def _cci_check_values(self, vals):
        """Dates and states that make sense (whoever writes them, the superuser too); only
        the moderation actions write the moderation fields; members write only for their
        own departments."""
        labels = {"cci_requested_date": _("wished date"), "schedule_date": _("send date")}
        for fname, label in labels.items():
            if vals.get(fname):
                moment = parse_datetime(self, vals[fname], label,
                                        years_ahead=DECISION_YEARS_AHEAD)
                vals[fname] = fields.Datetime.to_string(moment)
        state = vals.get("cci_moderation_state")
        if "cci_moderation_state" in vals and (
                not isinstance(state, str) or state not in dict(MODERATION_STATES)):
            raise UserError(_("%(value)r is not a moderation state: it is one of %(states)s.")
                            % {"value": state,
                               "states": ", ".join(key for key, _l in MODERATION_STATES)})
        if self.env.uid == SUPERUSER_ID:
            return
        if set(MODERATION_FIELDS) & set(vals) \
                and self.env.context.get("cci_moderation_token") is not _MODERATION_TOKEN:
            raise UserError(_("The moderation of a mailing changes only through its buttons: "
                              "Submit, Approve, Postpone, Reject and Reset to draft."))
        department_id = vals.get("cci_department_id")
        if department_id and not self._cci_is_moderator():
            department = self.env["cci.department"].sudo().browse(department_id)
            if self.env.user not in department.user_ids:
                raise AccessError(
                    _("You can only prepare mailings for your own departments: you are not "
                      "a member of %s.") % department.name)

    def _cci_check_approved(self, moderation_state=None):
        for mailing in self.sudo():
            if (moderation_state or mailing.cci_moderation_state) != "approved":
                raise UserError(
                    _('"%s" has not been approved by the marketing manager: it cannot be '
                      'queued or sent. Submit it for approval first; test messages to test '
                      'addresses remain possible.') % mailing.name)

    @api.model
    def _cci_watched_fields(self):
        """Fields whose change sends an approved mailing back to the moderator (hook)."""
        return {
            "name", "source_id", "body_html", "attachment_ids", "email_from", "reply_to",
            "reply_to_mode", "mailing_model_id", "mailing_domain", "contact_list_ids",
            "contact_ab_pc", "schedule_date", "cci_department_id",
        }

    def _cci_watched_signatures(self, vals):
        """(fields, {id: signature}) of the approved, unsent mailings this write may change."""
        fnames = self._cci_watched_fields() & set(vals)
        if not fnames or "cci_moderation_state" in vals:
            return None
        # frozen from approval to the end of sending: what leaves is what was approved
        mailings = self.sudo().filtered(
            lambda m: m.cci_moderation_state == "approved" and m.state != "done")
        if not mailings:
            return None
        return fnames, {m.id: m._cci_signature(fnames) for m in mailings}

    def _cci_signature(self, fnames):
        values = []
        for fname in sorted(fnames):
            value = self[fname]
            if isinstance(value, models.BaseModel):
                value = tuple(sorted(value.ids))
            elif fname == "body_html":
                # Odoo itself rewrites local links to absolute ones when it sends or tests:
                # that is not a change of content.
                value = self.env["mail.template"]._replace_local_links(value or "")
            values.append(value)
        return tuple(values)

    def _cci_send_back_if_changed(self, fnames, signatures):
        self.invalidate_cache()
        changed = self.browse([
            mailing.id for mailing in self.sudo().browse(list(signatures))
            if mailing.cci_moderation_state == "approved"
            and mailing._cci_signature(fnames) != signatures[mailing.id]
        ])
        if changed:
            changed._cci_transition("changed", {"state": "draft"}, note=_(
                "The subject, content, recipients or date changed after approval."))

    # ------------------------------------------------------------------
    # Moderation actions (public API, see CONTRACT.md)
    # ------------------------------------------------------------------

    @api.multi
    def action_cci_submit(self):
        for mailing in self:
            mailing._cci_check_submittable()
        for mailing in self:
            vals = {}
            if not mailing.cci_requester_id or not self._cci_is_moderator():
                vals["cci_requester_id"] = self.env.uid
            mailing._cci_transition("submit", vals)
        return True

    @api.multi
    def action_cci_approve(self, schedule_date=False, note=False):
        self._cci_check_moderator()
        if note is not False and not isinstance(note, str):
            raise UserError(_("The note of an approval must be a text."))
        date = self._cci_parse_date(schedule_date)
        for mailing in self:
            mailing._cci_check_decidable(("submitted",), "approve")
        now = fields.Datetime.now()
        for mailing in self:
            when = date or mailing.cci_requested_date or now
            mailing._cci_transition(
                "approve", mailing._cci_decision_values(when, note, queue=True), note)
        return True

    @api.multi
    def action_cci_postpone(self, schedule_date=False, reason=False):
        self._cci_check_moderator()
        reason = self._cci_check_reason(reason, "postpone")
        date = self._cci_parse_date(schedule_date)
        if not date:
            raise UserError(_("Give the later date to which the mailing is postponed."))
        for mailing in self:
            mailing._cci_check_decidable(("submitted", "approved"), "postpone")
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
        self._cci_check_moderator()
        reason = self._cci_check_reason(reason, "reject")
        for mailing in self:
            mailing._cci_check_decidable(("submitted", "approved"), "reject")
        for mailing in self:
            mailing._cci_transition(
                "reject", mailing._cci_decision_values(False, reason, queue=False), reason)
        return True

    @api.multi
    def action_cci_reset_draft(self):
        for mailing in self:
            mailing._cci_check_decidable(("submitted", "approved", "rejected"), "reset")
            if not mailing._cci_is_requester():
                raise AccessError(
                    _('Only the requesting department or the marketing manager can put "%s" '
                      'back to draft.') % mailing.name)
        self._cci_transition("reset", {"state": "draft"})
        return True

    # ------------------------------------------------------------------
    # Moderation: checks, transitions, notifications
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

    def _cci_check_submittable(self):
        """Raise unless the current user may submit this mailing now (hook)."""
        self.ensure_one()
        if self.state in SENT_STATES:
            raise UserError(_('"%s" has already been sent.') % self.name)
        if self.cci_moderation_state not in ("draft", "rejected"):
            # one whole sentence per state, so that each reads well once translated
            messages = {
                "submitted": _('"%s" is already submitted: only a draft or rejected mailing '
                               'can be submitted.'),
                "approved": _('"%s" is already approved: only a draft or rejected mailing can '
                              'be submitted.'),
            }
            raise UserError(messages[self.cci_moderation_state] % self.name)
        if not self.cci_department_id:
            raise UserError(_('Choose the requesting department of "%s" before submitting it.')
                            % self.name)
        if not (self._cci_is_member() or self._cci_is_moderator()):
            raise AccessError(
                _('You can only submit mailings for your own departments: you are not a member '
                  'of %s.') % self.sudo().cci_department_id.name)
        if self.cci_requested_date and self.cci_requested_date < fields.Datetime.now():
            raise UserError(
                _('The wished date of "%s" is already past: choose a later date, or leave it '
                  'empty to mean as soon as possible.') % self.name)
        parse_datetime(self, self.cci_requested_date, _("wished date"),
                       years_ahead=DECISION_YEARS_AHEAD)
        # what would make the sending fail: content, sender, recipients
        mailing = self.sudo()
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
        if model == "mail.mass_mailing.contact":
            # without lists, only a filter says which contacts (an empty one: all of them)
            if not mailing.contact_list_ids and not domain:
                raise UserError(_('Choose the mailing lists of "%s" before submitting it.')
                                % self.name)
            if mailing.contact_list_ids \
                    and not any(mailing.contact_list_ids.mapped("contact_nbr")):
                raise UserError(_('The mailing lists of "%s" have no contacts: there is '
                                  'nobody to send it to.') % self.name)

    def _cci_check_decidable(self, states, decision):
        """Raise unless ``decision`` (approve, postpone, reject, reset) applies to this mailing
        in its current state. One whole sentence per decision, for the translators."""
        self.ensure_one()
        if self.state in SENT_STATES:
            messages = {
                "approve": _('You cannot approve "%s": it has already been sent.'),
                "postpone": _('You cannot postpone "%s": it has already been sent.'),
                "reject": _('You cannot reject "%s": it has already been sent.'),
                "reset": _('You cannot put "%s" back to draft: it has already been sent.'),
            }
            raise UserError(messages[decision] % self.name)
        if self.cci_moderation_state not in states:
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
                "name": self.name,
                "state": self._cci_state_label(self.cci_moderation_state)})

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
        values = dict(vals or {}, cci_moderation_state=DECISION_TARGETS[decision])
        self.with_context(
            cci_moderation_token=_MODERATION_TOKEN, cci_decision=decision,
            cci_decision_note=note,
        ).write(values)

    def _cci_moderation_changed(self, before):
        """Keep every change of moderation state, and tell who must know."""
        decision = self.env.context.get("cci_decision")
        note = self.env.context.get("cci_decision_note") or False
        Decision = self.env["cci.moderation.decision"].sudo()
        defaults = {"submitted": "submit", "approved": "approve", "rejected": "reject",
                    "draft": "reset"}
        for mailing in self.sudo():
            old, new = before.get(mailing.id), mailing.cci_moderation_state
            explicit = DECISION_TARGETS.get(decision) == new
            # an approved mailing postponed again stays approved: still a decision to keep
            if old == new and not (explicit and decision in ("approve", "postpone")):
                continue
            kind = decision if explicit else defaults[new]
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

    # ------------------------------------------------------------------
    # Planning: overlaps of audience between mailings close in time
    # ------------------------------------------------------------------

    @api.model
    def cci_action_planning(self):
        """The shared planning; a moderator lands on the mailings to decide."""
        action = self.env.ref("cci_marketing.mail_mass_mailing_planning_action").read()[0]
        context = safe_eval(action.get("context") or "{}")
        if self._cci_is_moderator():
            context["search_default_to_decide"] = 1
        else:
            context["search_default_planned"] = 1
        action["context"] = context
        return action

    @api.multi
    def cci_check_overlaps(self):
        """[{id, name, department, date, moderation_state, shared}] of the other mailings
        planned within ``cci_marketing.overlap_days`` days that share recipients."""
        check_one(self, _("Check the overlaps of one mailing at a time."))
        return self._cci_overlaps()

    @api.model
    def _cci_overlap_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(
            "cci_marketing.overlap_days", "3")
        try:
            return max(0, int(value))
        except ValueError:
            return 3

    def _cci_overlaps(self):
        self.ensure_one()
        mailing = self.sudo()
        days = timedelta(days=self._cci_overlap_days())
        ref = fields.Datetime.from_string(mailing.cci_planning_date or fields.Datetime.now())
        others = mailing.search([
            ("id", "!=", mailing.id),
            ("cci_moderation_state", "in", ("submitted", "approved")),
            ("cci_planning_date", ">=", fields.Datetime.to_string(ref - days)),
            ("cci_planning_date", "<=", fields.Datetime.to_string(ref + days)),
        ], order="cci_planning_date", limit=50)
        if not others:
            return []
        mine = mailing._cci_audience_keys()
        result = []
        for other in others if mine else []:
            shared = len(mine & other._cci_audience_keys())
            if shared:
                result.append({
                    "id": other.id,
                    "name": other.name,
                    "department": other.cci_department_id.name or False,
                    "date": other.cci_planning_date or False,
                    "moderation_state": other.cci_moderation_state,
                    "shared": shared,
                })
        return result

    def _cci_overlap_table(self, overlaps):
        if not overlaps:
            return False
        rows = "".join(
            "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class='text-right'>%d</td></tr>"
            % (html_escape(o["name"] or ""), html_escape(o["department"] or ""),
               html_escape(self._cci_format_date(o["date"])),
               html_escape(self._cci_state_label(o["moderation_state"])), o["shared"])
            for o in overlaps
        )
        return (
            "<table class='table table-condensed'><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
            "<th>%s</th><th class='text-right'>%s</th></tr></thead><tbody>%s</tbody></table>"
            % (_("Mailing"), _("Department"), _("Planned for"), _("Moderation"),
               _("Shared recipients"), rows)
        )

    def _cci_audience_keys(self):
        """Who this mailing reaches: {('p', partner id) or ('e', address)}; once sent, as the
        ledger recorded it."""
        self.ensure_one()
        if self.state in SENT_STATES:
            self.env.cr.execute(
                "SELECT DISTINCT partner_id, email FROM cci_interaction"
                " WHERE mass_mailing_id = %s AND kind = 'mailing_sent'", (self.id,))
            rows = self.env.cr.fetchall()
        elif self.mailing_model_real == "res.partner":
            return {("p", res_id) for res_id in self._cci_target_ids()}
        else:
            res_ids = self._cci_target_ids()
            rows = [r[1:] for r in self._cci_recipients(res_ids)] if res_ids else []
        return {("p", p) if p else ("e", e) for p, e in rows if p or e}

    def _cci_target_ids(self):
        """Ids of the records the mailing's domain selects today (no A/B sampling)."""
        self.ensure_one()
        mailing = self.sudo()
        if not mailing.mailing_domain or mailing.mailing_model_real not in self.env:
            return []
        try:
            domain = safe_eval(mailing.mailing_domain)
            return self.env[mailing.mailing_model_real].sudo().search(domain).ids
        except Exception:  # a domain Odoo itself could not send with
            _logger.info("Mailing %s: its recipients domain cannot be evaluated", mailing.id)
            return []

    # ------------------------------------------------------------------
    # Follow-ups: from a sent mailing, the recipients who did (not) open or click
    # ------------------------------------------------------------------

    @api.multi
    def action_cci_create_followup(self, audience):
        """Create a draft follow-up aimed at the recipients matching ``audience``; its id."""
        check_one(self, _("Follow up one mailing at a time."))
        if not isinstance(audience, str) or audience not in AUDIENCE_RULES:
            raise UserError(_("Unknown follow-up audience %(audience)r: choose one of "
                              "%(audiences)s.")
                            % {"audience": audience,
                               "audiences": ", ".join(sorted(AUDIENCE_RULES))})
        if not (self._cci_is_member() or self._cci_is_moderator()):
            raise AccessError(_("Only the requesting department or the marketing manager can "
                                "follow up this mailing."))
        if self.state != "done":
            raise UserError(_('"%s" has not been sent yet: only a sent mailing can be followed '
                              'up.') % self.name)
        res_ids = self._cci_followup_targets(self._cci_followup_recipients(audience))
        if not res_ids:
            labels = dict(self._fields["cci_followup_audience"]._description_selection(self.env))
            raise UserError(_('No recipient of "%(name)s" matches "%(audience)s": there is '
                              'nobody to follow up.')
                            % {"name": self.name, "audience": labels[audience]})
        followup = self.create(self._cci_followup_values(audience, res_ids))
        self._cci_post(_("Follow-up created: %(name)s (%(count)d recipients).")
                       % {"name": html_escape(followup.name), "count": len(res_ids)},
                       self.env["res.partner"])
        return followup.id

    def _cci_followup_recipients(self, audience):
        """[(partner_id, email)] of the recipients matching ``audience``, from the ledger."""
        kinds, marked = AUDIENCE_RULES[audience]
        # one pass over this mailing's rows (index on mass_mailing_id, kind): a recipient is
        # its contact, or its address when no contact is known
        self.env.cr.execute(
            """
            SELECT partner_id, min(email)
              FROM cci_interaction
             WHERE mass_mailing_id = %(mailing)s
               AND kind IN %(kinds)s
             GROUP BY partner_id, CASE WHEN partner_id IS NULL THEN email END
            HAVING bool_or(kind = 'mailing_sent')
               AND {negation} bool_or(kind IN %(marks)s)
            """.format(negation="" if marked else "NOT"),
            {"mailing": self.id, "kinds": ("mailing_sent",) + kinds, "marks": kinds},
        )
        return self.env.cr.fetchall()

    def _cci_followup_targets(self, recipients):
        """Ids, in the parent's recipient model, of these recipients."""
        if not recipients:
            return []
        if self.mailing_model_real == "res.partner":
            return sorted({p for p, _e in recipients if p})
        partner_ids = {p for p, _e in recipients if p}
        emails = {e for _p, e in recipients if e}
        candidates = self._cci_target_ids()
        return sorted(
            res_id for res_id, partner_id, email in self._cci_recipients(candidates)
            if partner_id in partner_ids or email in emails
        ) if candidates else []

    def _cci_followup_values(self, audience, res_ids):
        """Values of the follow-up of this mailing (hook: cci_pressure copies the category)."""
        self.ensure_one()
        # one whole title per audience, for the translators
        titles = {
            "not_opened": _("Follow-up (did not open): %s"),
            "not_clicked": _("Follow-up (did not click): %s"),
            "opened": _("Follow-up (opened): %s"),
            "clicked": _("Follow-up (clicked): %s"),
        }
        return {
            "name": titles[audience] % self.name,
            "body_html": self.body_html,
            "email_from": self.email_from,
            "reply_to_mode": self.reply_to_mode,
            "reply_to": self.reply_to,
            "mailing_model_id": self.mailing_model_id.id,
            "contact_list_ids": [(6, 0, self.contact_list_ids.ids)],
            "mailing_domain": repr([("id", "in", res_ids)]),
            "attachment_ids": [(6, 0, self.attachment_ids.ids)],
            "campaign_id": self.campaign_id.id,
            "medium_id": self.medium_id.id,
            "cci_department_id": self.cci_department_id.id,
            "cci_parent_id": self.id,
            "cci_followup_audience": audience,
        }

    @api.multi
    def action_cci_view_followups(self):
        self.ensure_one()
        action = self.env.ref("cci_marketing.mail_mass_mailing_planning_action").read()[0]
        action.update(domain=[("cci_parent_id", "=", self.id)], context={},
                      view_mode="tree,form", views=[(False, "tree"), (False, "form")])
        return action

    @api.multi
    def action_cci_view_excluded(self):
        self.ensure_one()
        action = self.env.ref("cci_marketing.cci_interaction_action").read()[0]
        action["domain"] = [("mass_mailing_id", "=", self.id), ("kind", "=", "mailing_excluded")]
        action["context"] = {}
        return action

    @api.model
    def _cci_demo_act(self, user_xmlid, method, ids, args=None):
        """Demo data: run a moderation action as a demo user, as that user would."""
        user = self.env.ref("cci_marketing." + user_xmlid)
        return getattr(self.sudo(user).browse(ids), method)(*(args or []))

    # ------------------------------------------------------------------
    # Recipient pipeline (Odoo 11 glue: every path that sends asks
    # get_remaining_recipients, so exclusions live here and nowhere else)
    # ------------------------------------------------------------------

    def get_remaining_recipients(self):
        res_ids = super().get_remaining_recipients()
        return self._cci_filter_recipients(res_ids)

    def _cci_filter_recipients(self, res_ids):
        """Leave out the recipients an exclusion rule names, and record why on the timeline."""
        self.ensure_one()
        if not res_ids:
            return res_ids
        recipients = self._cci_recipients(res_ids)
        excluded = self._cci_exclusions(recipients)
        if not excluded:
            return res_ids
        now = fields.Datetime.now()
        by_id = {r[0]: r for r in recipients}
        facts = []
        for res_id, reason in excluded.items():
            _rid, partner_id, email = by_id.get(res_id, (res_id, None, None))
            facts.append({
                "date": now,
                "kind": "mailing_excluded",
                "partner_id": partner_id or None,
                "email": email,
                "department_id": self.cci_department_id.id or None,
                "user_id": self.create_uid.id or None,
                "name": "%s: %s" % (self.name, reason),
                "res_model": self._name,
                "res_id": self.id,
                "mass_mailing_id": self.id,
                "is_solicitation": False,
                "source_model": self._name,
                "source_id": self.id,
                "source_sub_id": res_id,
            })
        self.env["cci.interaction"]._record(facts)
        return [r for r in res_ids if r not in excluded]

    def _cci_recipients(self, res_ids):
        """[(res_id, partner_id or None, normalized email or None)] of these recipients.

        The contact of an address-only recipient (a mailing contact) is the partner with
        that address, as on the timeline.
        """
        self.ensure_one()
        model = self.mailing_model_real
        target = self.env[model]
        if model in RECIPIENT_COLUMNS:
            table, partner_col, email_col = RECIPIENT_COLUMNS[model]
        else:
            table = target._table
            partner_col = "partner_id" if "partner_id" in target._fields else None
            email_col = "email" if "email" in target._fields else "email_from"
        partner = "t.%s" % partner_col if partner_col else "NULL::integer"
        self.env.cr.execute(
            """
            SELECT t.id, COALESCE({partner}, byemail.id), {email}
              FROM {table} t
              LEFT JOIN LATERAL (
                    SELECT rp.id FROM res_partner rp
                     WHERE {partner} IS NULL AND rp.active AND {rp_email} = {email}
                     ORDER BY rp.id LIMIT 1) byemail ON TRUE
             WHERE t.id = ANY(%s)
            """.format(partner=partner, table=table, email=email_sql("t.%s" % email_col),
                       rp_email=email_sql("rp.email")),
            (list(res_ids),),
        )
        return self.env.cr.fetchall()

    def _cci_exclusions(self, recipients):
        """{res_id: reason} of the recipients not to send to. Extended by cci_pressure.

        Shared hygiene: an address that bounced or opted out, for any department, is
        protected from every department.
        """
        self.ensure_one()
        partner_ids = list({r[1] for r in recipients if r[1]})
        emails = list({r[2] for r in recipients if r[2]})
        health = {}
        if partner_ids:
            self.env.cr.execute(
                "SELECT id, cci_email_health FROM res_partner WHERE id = ANY(%s)"
                " AND cci_email_health IN ('bounced', 'opted_out')",
                (partner_ids,),
            )
            health = dict(self.env.cr.fetchall())
        opted_out_emails = set()
        if emails:
            self.env.cr.execute(
                """
                SELECT {mc} FROM mail_mass_mailing_contact mc
                 WHERE mc.opt_out AND {mc} = ANY(%(emails)s)
                UNION
                SELECT {rp} FROM res_partner rp
                 WHERE rp.opt_out AND {rp} = ANY(%(emails)s)
                """.format(mc=email_sql("mc.email"), rp=email_sql("rp.email")),
                {"emails": emails},
            )
            opted_out_emails = {r[0] for r in self.env.cr.fetchall()}
        bounced_emails = self._cci_bounced_addresses(
            list({r[2] for r in recipients if r[2] and not r[1]}))
        reasons = {
            "bounced": _("address bounced (shared hygiene)"),
            "opted_out": _("opted out of mailings (shared hygiene)"),
        }
        excluded = {}
        for res_id, partner_id, email in recipients:
            if partner_id in health:
                excluded[res_id] = reasons[health[partner_id]]
            elif email in opted_out_emails:
                excluded[res_id] = reasons["opted_out"]
            elif not partner_id and email in bounced_emails:
                excluded[res_id] = reasons["bounced"]
        return excluded

    @api.model
    def _cci_bounced_addresses(self, emails):
        """Of these addresses known to no contact, those that bounced: a bounce on the
        timeline with no sign of life after it, or repeated soft bounces of the mailing
        contact (the partner's e-mail health says the same for a contact's address)."""
        if not emails:
            return set()
        self.env.cr.execute(
            """
            SELECT i.email FROM cci_interaction i
             WHERE i.partner_id IS NULL AND i.email = ANY(%(emails)s)
             GROUP BY i.email
            HAVING max(i.date) FILTER (WHERE i.kind = 'mailing_bounced')
                   > COALESCE(max(i.date) FILTER (WHERE i.kind IN (
                        'mailing_opened', 'mailing_clicked', 'mailing_replied')),
                        '-infinity'::timestamp)
            UNION
            SELECT {mc} FROM mail_mass_mailing_contact mc
             WHERE mc.message_bounce >= %(limit)s AND {mc} = ANY(%(emails)s)
            """.format(mc=email_sql("mc.email")),
            {"emails": emails, "limit": BOUNCE_COUNTER_LIMIT},
        )
        return {r[0] for r in self.env.cr.fetchall()}
