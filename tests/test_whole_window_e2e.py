"""The sending's promises again, on the way the quota engine takes for the largest
audiences: the ledger's window read in one pass (above ``cci_pressure.one_pass_audience``
recipients) and counted whole (from ``cci_pressure.whole_window_share`` of the partners).
The administrator sets both to 0 over XML-RPC, so that the small audiences of these tests
take it, and the SMTP sink counts what leaves; the settings refuse what is not a number."""
import pytest
from test_bad_input_e2e import refusal
from test_held_back_e2e import (  # noqa: F401 (collected again here, with the settings)
    people,
    test_held_back_list_decision_impact_and_report,
)
from test_sending_promises_e2e import (  # noqa: F401
    test_concurrent_sendings_in_separate_processes_keep_everyone_within_quota,
    test_send_mail_sends_only_to_the_approved_audience_within_quota,
)

from conftest import refused

SETTINGS = ("cci_pressure.one_pass_audience", "cci_pressure.whole_window_share")


@pytest.fixture(autouse=True)
def whole_window(admin):
    before = {key: admin.call("ir.config_parameter", "get_param", key) for key in SETTINGS}
    for key in SETTINGS:
        admin.call("ir.config_parameter", "set_param", key, "0")
    yield
    for key, value in before.items():
        admin.call("ir.config_parameter", "set_param", key, value)


def test_the_settings_take_numbers_set_by_the_administrator(admin, moderator):
    for key, value, words in (
            (SETTINGS[0], "beaucoup", "whole number"), (SETTINGS[0], "-5", "whole number"),
            (SETTINGS[1], "0,25", "decimal point")):
        message = refusal(admin.call, "ir.config_parameter", "set_param", key, value,
                          context={"lang": "en_US"})
        assert key in message and words in message, message
        assert admin.call("ir.config_parameter", "get_param", key) == "0"
    assert admin.call("ir.config_parameter", "set_param", SETTINGS[1], "0.5") == "0"
    assert "ir.config_parameter" in refused(
        moderator.call, "ir.config_parameter", "set_param", SETTINGS[0], "100")
    assert admin.call("ir.config_parameter", "get_param", SETTINGS[1]) == "0.5"
