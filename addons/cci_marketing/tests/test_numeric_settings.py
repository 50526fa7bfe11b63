"""The chamber's settings that take a number: a value that is not one is refused in plain
words when written, and ignored (the default applies) when it got in another way; one
below the least a setting takes counts as that least, as before they were checked."""
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

    def test_a_setting_not_set_gives_the_default(self):
        Param = self.env["ir.config_parameter"]
        for key in Param._cci_numeric_settings():
            Param.search([("key", "=", key)]).unlink()
            self.assertEqual(Param._cci_number(key, 7), 7, key)
        self.assertEqual(self.env["mail.mass_mailing"]._cci_overlap_days(), 3)

    def test_a_number_stored_below_the_least_counts_as_the_least(self):
        """As these settings were read before they were checked: -1 days of overlap were
        none, 0 over-solicitations a month were 1."""
        Param = self.env["ir.config_parameter"]
        for key, value, least in ((OVERLAP, "-1", 0),
                                  ("cci_marketing.over_solicited_30d", "0", 1)):
            Param.set_param(key, str(least))
            self.env.cr.execute("UPDATE ir_config_parameter SET value = %s WHERE key = %s",
                                (value, key))
            Param.clear_caches()
            self.assertEqual(Param._cci_number(key, 7), least)
        self.assertEqual(self.env["res.partner"]._cci_over_solicited_threshold(), 1)

    def test_only_the_administrator_sets_them(self):
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].sudo(self.moderator).set_param(OVERLAP, "5")
