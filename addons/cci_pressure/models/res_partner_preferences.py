from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.addons.cci_marketing.tools import format_moment
from odoo.exceptions import AccessError, UserError

from .cci_preferences_sql import OWN_LIMIT_INDEX

OWN_LIMITS = [
    ("none", "No limit of their own"),
    ("week", "At most one a week"),
    ("month", "At most one a month"),
    ("quarter", "At most one a quarter"),
]
# The contact's own choices: a change of any of them is a row on their timeline.
PREFERENCE_FIELDS = ("cci_own_limit", "cci_optout_department_ids", "cci_optout_category_ids",
                     "cci_no_solicit_until")
# Those only the chamber's staff (departments' members, marketing manager) change; the
# pause (cci_no_solicit_until) keeps the rights of any partner field.
STAFF_FIELDS = PREFERENCE_FIELDS[:3]
# The ledger's key of the preference rows: source_id the partner, source_sub_id the n-th
# change of their preferences.
SOURCE_PREFERENCES = "partner_preferences"


class ResPartner(models.Model):
    """The contact's own say: a cap of their own, the departments and kinds of message they
    do not want; obeyed by the quota engine (see cci_pressure_engine_choices.py) and written
    on the timeline at each change, by whoever made it."""

    _inherit = "res.partner"

    cci_own_limit = fields.Selection(
        OWN_LIMITS, string="Own limit", default="none", copy=False,
        track_visibility="onchange",
        help="The contact asked for at most one solicitation in that period: every mailing "
        "that counts in the quotas leaves them out while they had one in the period.",
    )
    cci_optout_department_ids = fields.Many2many(
        "cci.department", "cci_partner_optout_department_rel", "partner_id", "department_id",
        string="No mailings from", copy=False,
        help="The departments whose mailings the contact does not want: those mailings "
        "leave them out (the other departments' still reach them).",
    )
    cci_optout_category_ids = fields.Many2many(
        "cci.mailing.category", "cci_partner_optout_category_rel", "partner_id",
        "category_id", string="No messages of the kinds", copy=False,
        help="The kinds of message the contact does not want: the mailings of those "
        "categories leave them out.",
    )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_cr
    def init(self):
        res = super().init()
        self.env.cr.execute(OWN_LIMIT_INDEX)
        return res

    @api.model
    def create(self, vals):
        self._cci_check_preferences(vals)
        partner = super().create(vals)
        if any(vals.get(name) and vals.get(name) != "none" for name in PREFERENCE_FIELDS):
            partner._cci_record_preferences({partner.id: {}}, vals)
        return partner

    @api.multi
    def write(self, vals):
        if not any(name in vals for name in PREFERENCE_FIELDS):
            return super().write(vals)
        self._cci_check_preferences(vals)
        before = {partner.id: partner._cci_preferences() for partner in self}
        target = self
        if set(vals) <= set(PREFERENCE_FIELDS) and self._cci_is_staff() \
                and not self.check_access_rights("write", raise_exception=False):
            # the chamber's staff note a contact's wish (a phone call) without the right
            # to edit contacts otherwise
            self.check_access_rule("read")
            target = self.sudo()
        res = super(ResPartner, target).write(vals)
        self._cci_record_preferences(before, vals)
        return res

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    @api.model
    def _cci_check_preferences(self, vals):
        """Who may change the choices, and values in plain words (Odoo's own checks fail
        with a raw error on an unknown choice or a department that does not exist)."""
        if any(name in vals for name in STAFF_FIELDS) and not self._cci_is_staff():
            raise AccessError(_("Only the departments' members and the marketing manager can "
                                "change a contact's mailing preferences."))
        if "cci_own_limit" in vals:
            if not vals["cci_own_limit"]:
                vals["cci_own_limit"] = "none"
            if vals["cci_own_limit"] not in dict(OWN_LIMITS):
                raise UserError(
                    _("'%(value)s' is not a limit a contact can choose: use one of %(choices)s.")
                    % {"value": vals["cci_own_limit"],
                       "choices": ", ".join(key for key, _label in OWN_LIMITS)})
        for name, label in (("cci_optout_department_ids", _("departments")),
                            ("cci_optout_category_ids", _("kinds of message"))):
            if name in vals:
                ids = self._cci_command_ids(vals[name], label)
                found = self.env[self._fields[name].comodel_name].sudo().with_context(
                    active_test=False).browse(ids).exists()
                if len(found) != len(set(ids)):
                    raise UserError(_("Some of the %(what)s given do not exist (ids %(ids)s).")
                                    % {"what": label,
                                       "ids": ", ".join(str(i) for i in sorted(
                                           set(ids) - set(found.ids)))})

    @api.model
    def _cci_is_staff(self):
        return self.env.uid == SUPERUSER_ID \
            or self.env.user.has_group("cci_marketing.group_cci_user")

    @api.model
    def _cci_command_ids(self, commands, label):
        """The ids an x2many value names (Odoo's commands 4 and 6, or a plain list)."""
        message = _("The %s must be given as a list of ids or of Odoo's commands.") % label
        if not isinstance(commands, (list, tuple)):
            raise UserError(message)
        ids = []
        for command in commands:
            if isinstance(command, int) and not isinstance(command, bool):
                ids.append(command)
            elif isinstance(command, (list, tuple)) and len(command) >= 2 and command[0] == 4:
                ids.append(command[1])
            elif isinstance(command, (list, tuple)) and len(command) >= 2 and command[0] == 3:
                continue
            elif isinstance(command, (list, tuple)) and len(command) == 3 and command[0] == 6:
                ids.extend(command[2] or [])
            elif isinstance(command, (list, tuple)) and command and command[0] == 5:
                continue
            else:
                raise UserError(message)
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise UserError(message)
        return ids

    # ------------------------------------------------------------------
    # The timeline
    # ------------------------------------------------------------------

    def _cci_preferences(self):
        """The contact's choices as plain values, to compare before and after a change."""
        self.ensure_one()
        partner = self.sudo()
        return {
            "cci_own_limit": partner.cci_own_limit or "none",
            "cci_optout_department_ids": set(partner.cci_optout_department_ids.ids),
            "cci_optout_category_ids": set(partner.cci_optout_category_ids.ids),
            "cci_no_solicit_until": partner.cci_no_solicit_until or False,
        }

    def _cci_preferences_words(self, names=PREFERENCE_FIELDS):
        """[sentence] saying the contact's current choices of these fields, in words."""
        self.ensure_one()
        partner = self.sudo()
        words = []
        for name in names:
            if name == "cci_own_limit":
                words.append({
                    "week": _("at most one message a week"),
                    "month": _("at most one message a month"),
                    "quarter": _("at most one message a quarter"),
                }.get(partner.cci_own_limit, _("no limit of their own")))
            elif name == "cci_optout_department_ids":
                departments = partner.cci_optout_department_ids
                words.append(_("no mailings from %s") % ", ".join(departments.mapped("name"))
                             if departments else _("mailings from every department"))
            elif name == "cci_optout_category_ids":
                categories = partner.cci_optout_category_ids
                words.append(_("no messages of the kinds %s")
                             % ", ".join(categories.mapped("name"))
                             if categories else _("messages of every kind"))
            elif name == "cci_no_solicit_until":
                words.append(_("no solicitation before %s")
                             % format_moment(self, partner.cci_no_solicit_until, time=False)
                             if partner.cci_no_solicit_until else _("no pause"))
        return words

    def _cci_record_preferences(self, before, vals):
        """A ``preference_changed`` row on the timeline of each partner whose choices
        changed: who, when, and the new value of what changed."""
        facts = []
        now = fields.Datetime.now()
        user = self.env.user
        origin = self.env.context.get("cci_preference_origin")
        who = origin or _("changed by %s") % user.name
        department = user.sudo().cci_department_ids[:1]
        changed = [name for name in PREFERENCE_FIELDS if name in vals]
        for partner in self:
            old = before.get(partner.id) or {}
            new = partner._cci_preferences()
            names = [name for name in changed if not old or old[name] != new[name]]
            if not names:
                continue
            facts.append({
                "date": now,
                "kind": "preference_changed",
                "partner_id": partner.id,
                "email": partner.email or None,
                "department_id": None if origin else department.id or None,
                "user_id": None if origin else user.id,
                "name": _("Preferences: %(what)s (%(who)s)") % {
                    "what": "; ".join(partner._cci_preferences_words(names)), "who": who},
                "res_model": "res.partner",
                "res_id": partner.id,
                "is_solicitation": False,
                "source_model": SOURCE_PREFERENCES,
                "source_id": partner.id,
                "source_sub_id": partner._cci_next_preference_number(),
            })
        self.env["cci.interaction"].sudo()._record(facts)

    def _cci_next_preference_number(self):
        self.env.cr.execute(
            "SELECT COALESCE(max(source_sub_id), 0) + 1 FROM cci_interaction"
            " WHERE kind = 'preference_changed' AND source_model = %s AND source_id = %s",
            (SOURCE_PREFERENCES, self.id))
        return self.env.cr.fetchone()[0]
