from odoo import _, api, fields, models

from .cci_interaction import RECIPIENT_COLUMNS, email_sql


class MailMassMailing(models.Model):
    _inherit = "mail.mass_mailing"

    cci_department_id = fields.Many2one(
        "cci.department", string="Department", index=True,
        help="The department that requests this mailing.",
    )
    cci_excluded_count = fields.Integer(
        string="Held back", compute="_compute_cci_excluded_count",
        help="Recipients left out at send time (opt-out, bounced address, quota), each "
        "recorded on the recipient's timeline with the reason.",
    )

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

    @api.multi
    def action_cci_view_excluded(self):
        self.ensure_one()
        action = self.env.ref("cci_marketing.cci_interaction_action").read()[0]
        action["domain"] = [("mass_mailing_id", "=", self.id), ("kind", "=", "mailing_excluded")]
        action["context"] = {}
        return action

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
        return excluded
