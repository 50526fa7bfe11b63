"""The chamber's settings that take a number: a value that is not one is refused in plain
words when written, and ignored (the default applies) when it got in another way."""
from odoo.exceptions import AccessError, ValidationError

from .common import CciCase

OVERLAP = "cci_marketing.overlap_days"


class TestNumericSettings(CciCase):
    def test_a_setting_that_takes_a_number_refuses_anything_else(self):
        Param = self.env["ir.config_parameter"]
        Param.set_param(OVERLAP, "5")
        self.assertEqual(Param._cci_number(OVERLAP, 3), 5)
        for value in ("five", "2.5", "-1", "3 days"):
            with self.refused(OVERLAP, value, "whole number", errors=ValidationError,
                              rolled_back=True):
                Param.set_param(OVERLAP, value)
            self.assertEqual(Param.get_param(OVERLAP), "5")
        with self.refused(OVERLAP, errors=ValidationError, rolled_back=True):
            Param.search([("key", "=", OVERLAP)]).write({"value": "x"})
        with self.refused(errors=ValidationError, rolled_back=True):
            Param.create({"key": "cci_marketing.figures_full_every_days", "value": "0"})
        Param.set_param("some.other.setting", "anything")  # not ours: not checked

    def test_a_value_that_got_in_otherwise_gives_the_default(self):
        Param = self.env["ir.config_parameter"]
        Param.set_param(OVERLAP, "5")
        self.env.cr.execute("UPDATE ir_config_parameter SET value = 'x' WHERE key = %s",
                            (OVERLAP,))
        Param.clear_caches()
        self.assertEqual(Param._cci_number(OVERLAP, 3), 3)
        self.assertEqual(self.env["mail.mass_mailing"]._cci_overlap_days(), 3)

    def test_only_the_administrator_sets_them(self):
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].sudo(self.moderator).set_param(OVERLAP, "5")
