import logging

from psycopg2 import sql

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.sql import column_exists

from ..moderation import MODERATION_FIELDS, MODERATION_STATES, MODERATION_TOKEN
from ..odoo11 import MAILING_MODEL
from ..tools import DECISION_YEARS_AHEAD, parse_datetime, render

_logger = logging.getLogger(__name__)

# Odoo's own states of a mailing that is queued, being sent or sent; and sent or being sent.
QUEUED_STATES = ("in_queue", "sending", "done")
SENT_STATES = ("sending", "done")
# At install: what was sent before moderation existed counts as approved ...
APPROVE_SENT = sql.SQL("UPDATE {mailing} SET cci_moderation_state = 'approved'"
                       " WHERE state IN ('sending', 'done')")
# ... and what was waiting in the queue goes to the moderator.
SUBMIT_QUEUED = sql.SQL("UPDATE {mailing} SET cci_moderation_state = 'submitted',"
                        " state = 'draft' WHERE state = 'in_queue'")


class MailMassMailing(models.Model):
    """A mass mailing of the chamber: requested by a department, decided by the marketing
    manager. This file holds the fields and the ORM gates every path goes through; each
    concern has its own file (moderation, planning, follow-ups, recipients, sending)."""

    _name = MAILING_MODEL
    _inherit = [MAILING_MODEL, "mail.thread", "mail.activity.mixin"]

    cci_department_id = fields.Many2one(
        "cci.department", string="Department", index=True,
        default=lambda self: self.env.user.cci_department_ids[:1],
        help="The department that requests this mailing.",
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
            table = sql.Identifier(self._table)
            cr.execute(render(cr, APPROVE_SENT.format(mailing=table)))
            cr.execute(render(cr, SUBMIT_QUEUED.format(mailing=table)))
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
                and self.env.context.get("cci_moderation_token") is not MODERATION_TOKEN:
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
