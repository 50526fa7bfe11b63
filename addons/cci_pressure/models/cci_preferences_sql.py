"""The statements of the contact's own choices (``cci_pressure_engine_choices.py``), named.

They add pseudo-rules to the engine's ``cci_pressure_over`` (see ``cci_pressure_sql``),
keyed by contact (company FALSE), as ``NO_SOLICIT`` does for the pause: the recipients of the
audience whose partner made a choice that this mailing runs into.
"""
from psycopg2 import sql

from odoo.addons.cci_marketing.odoo11 import MAILING_TABLE

# The contact's own cap, "at most one solicitation a week / month / quarter": a rule of
# weight 1 per solicitation (a mailing whose category weighs 0 does not count), over from
# the date until the last solicitation in the window leaves it. The periods come as
# arrays: (choice, pseudo-rule id, days). The few partners with a cap are read through
# OWN_LIMIT_INDEX (its condition repeated here, so that PostgreSQL uses it), not the
# whole audience's partners.
OWN_LIMIT_INDEX = ("CREATE INDEX IF NOT EXISTS res_partner_cci_own_limit_idx"
                   " ON res_partner (cci_own_limit) WHERE cci_own_limit <> 'none'")
OWN_LIMIT = sql.SQL("""
    INSERT INTO cci_pressure_over (rule_id, company, key, from_day, until_day)
    SELECT own.rule_id, FALSE, own.partner_id, 0,
           least(max(ceil(date_part('epoch', row_.date - %(d0)s::timestamp) / 86400)::int)
                 + own.window_days, %(horizon)s + 1)
      FROM (SELECT DISTINCT partner.id AS partner_id, limits.rule_id, limits.window_days
              FROM res_partner partner
              JOIN unnest(%(choices)s::varchar[], %(rule_ids)s::int[], %(days)s::int[])
                   AS limits(choice, rule_id, window_days)
                ON limits.choice = partner.cci_own_limit
             WHERE partner.cci_own_limit <> 'none'
               AND partner.id IN (SELECT partner_id FROM cci_pressure_audience)) own
      JOIN cci_interaction row_
        ON row_.partner_id = own.partner_id AND row_.is_solicitation
       AND row_.date > %(d0)s::timestamp - make_interval(days => own.window_days)
       AND row_.date <= %(d0)s::timestamp
       AND row_.mass_mailing_id IS DISTINCT FROM %(exclude)s
      LEFT JOIN {mailing_table} mailing ON mailing.id = row_.mass_mailing_id
      LEFT JOIN cci_mailing_category category ON category.id = mailing.cci_category_id
     WHERE COALESCE(category.weight, 1.0) > 0
     GROUP BY own.rule_id, own.partner_id, own.window_days
""").format(mailing_table=sql.Identifier(MAILING_TABLE))

# The contacts who want no mailing of this department, or of this category: over on every
# day (a later date changes nothing).
OPTED_OUT = """
    INSERT INTO cci_pressure_over (rule_id, company, key, from_day, until_day)
    SELECT %(department_rule)s, FALSE, optout.partner_id, 0, %(horizon)s + 1
      FROM cci_partner_optout_department_rel optout
     WHERE optout.department_id = %(department)s
       AND optout.partner_id IN (SELECT partner_id FROM cci_pressure_audience)
    UNION ALL
    SELECT %(category_rule)s, FALSE, optout.partner_id, 0, %(horizon)s + 1
      FROM cci_partner_optout_category_rel optout
     WHERE optout.category_id = %(category)s
       AND optout.partner_id IN (SELECT partner_id FROM cci_pressure_audience)
"""
