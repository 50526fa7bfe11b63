"""The port seam: every Odoo 11 name of mass mailing and its tracking that the Python code
of both addons uses, in one place.

A port to a later series (Odoo 17/18: ``mailing.mailing``, ``mailing.trace``...) starts
here; ``docs/porting.md`` lists what else it touches (XML, access rules, the tracking's
other columns), and ``tests/test_port_seam.py`` fails when one of these names appears in
the addons' Python outside this module. Plain constants, importable without Odoo.
"""

# The mailing and its table.
MAILING_MODEL = "mail.mass_mailing"
MAILING_TABLE = "mail_mass_mailing"
# The tracking of each mail of a mailing (Odoo 17: ``mailing.trace``, one ``trace_status``
# instead of these timestamps) and its link to the mailing.
TRACE_MODEL = "mail.mail.statistics"
TRACE_TABLE = "mail_mail_statistics"
TRACE_MAILING_COLUMN = "mass_mailing_id"
# Its timestamps, as Odoo 11 sets them.
TRACE_SENT = "sent"
TRACE_OPENED = "opened"
TRACE_CLICKED = "clicked"
TRACE_REPLIED = "replied"
TRACE_BOUNCED = "bounced"
TRACE_EXCEPTION = "exception"
# Mailing lists and their contacts (Odoo 17: ``mailing.list``, ``mailing.contact``, the
# opt-out in ``mailing.subscription`` and ``mail.blacklist``).
CONTACT_MODEL = "mail.mass_mailing.contact"
CONTACT_TABLE = "mail_mass_mailing_contact"
LIST_MODEL = "mail.mass_mailing.list"
# The "send a test" wizard (Odoo 17: ``mailing.mailing.test``).
TEST_WIZARD_MODEL = "mail.mass_mailing.test"
# A click on a tracked link (Odoo 17: ``link.tracker.click``, with ``mailing_trace_id``).
CLICK_MODEL = "link.tracker.click"

# The models a mass mailing can target, and where each keeps the contact and the address.
# A port lists the models its series can target.
RECIPIENT_COLUMNS = {
    # model: (table, partner column or None, e-mail column)
    "res.partner": ("res_partner", "id", "email"),
    CONTACT_MODEL: (CONTACT_TABLE, "cci_partner_id", "email"),
    "crm.lead": ("crm_lead", "partner_id", "email_from"),
    "event.registration": ("event_registration", "partner_id", "email"),
}

# The Odoo 11 methods the addons override or call, and where (a port finds each one's
# successor: Odoo 17 sends through ``action_put_in_queue``, ``action_send_mail``,
# ``_process_mass_mailing_queue`` and ``_get_remaining_recipients``).
ODOO11_METHODS = {
    "put_in_queue": "cci_marketing/models/mail_mass_mailing_sending.py",
    "retry_failed_mail": "cci_marketing/models/mail_mass_mailing_sending.py",
    "send_mail": "cci_marketing/models/mail_mass_mailing_sending.py",
    "_process_mass_mailing_queue": "cci_marketing/models/mail_mass_mailing_sending.py",
    "get_remaining_recipients": "cci_marketing/models/mail_mass_mailing_recipients.py",
    "_compute_total": "cci_marketing/models/mail_mass_mailing_recipients.py",
    "get_recipients": "cci_pressure/models/mail_mass_mailing.py (called)",
    "send_mail_test": "cci_marketing/wizards/mail_mass_mailing_test.py",
    "mail.mail send / _send": "cci_marketing/models/mail_mail.py",
    "create / write / unlink of the tracking": "cci_marketing/models/mail_mail_statistics.py",
}

# The ledger's key of the rows each source writes (``cci_interaction.source_model``): not
# the model name where a later series renames the model, so that rows survive a port.
SOURCE_TRACE = "mailing_trace"
SOURCE_MAILING = "mailing"
# What the rows of ledgers written before 11.0.1.1.0 hold instead.
LEGACY_SOURCES = {TRACE_MODEL: SOURCE_TRACE, MAILING_MODEL: SOURCE_MAILING}
