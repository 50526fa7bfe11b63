"""A date picked in the date picker alone is midnight: the mailing's wished date and the
decision dialog's send date then mean the morning of that day (9:00 in the user's time
zone), not a mailing that leaves at 00:00."""
from datetime import time

import pytz

from odoo import api, fields, models

from ..odoo11 import MAILING_MODEL
from ..tools import local_moment

MORNING = time(9, 0)


def morning_if_midnight(record, value):
    """``value`` ('YYYY-MM-DD HH:MM:SS', UTC) moved to 9:00 of its day when it is midnight
    in the user's time zone; else unchanged."""
    if not value:
        return value
    local = local_moment(record.env, value)
    if local.time() != time(0, 0):
        return value
    morning = pytz.timezone(local.tzinfo.zone).localize(
        local.replace(hour=MORNING.hour, minute=MORNING.minute, tzinfo=None))
    return fields.Datetime.to_string(morning.astimezone(pytz.utc).replace(tzinfo=None))


class MailMassMailing(models.Model):
    _inherit = MAILING_MODEL

    @api.onchange("cci_requested_date")
    def _onchange_cci_requested_date_morning(self):
        self.cci_requested_date = morning_if_midnight(self, self.cci_requested_date)

