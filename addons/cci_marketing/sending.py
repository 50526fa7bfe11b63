"""The pass of the mass mailing's own sending.

Mails of a mass mailing, and the tracking records that go with them, are made and written
only inside the mailing's sending (``mail.mass_mailing.send_mail``, its test wizard, the
sending of the mail queue). These run with ``SENDING`` (or ``TEST_SENDING``) in their
context: Python objects, so that no XML-RPC call can give them, as the moderation token.
"""

SENDING = object()
TEST_SENDING = object()
# The verdict on a mail whose mailing is approved but not due yet: it waits.
WAIT = object()

# What a test send may reach: a few addresses, never an audience.
MAX_TEST_ADDRESSES = 5

# pg_try_advisory_lock(namespace, mail id): the mail a process is handing to the SMTP
# server. The lock belongs to the process's connection: it goes with the process if the
# process dies, which tells an interrupted handover from one under way.
HANDOVER_LOCK_NAMESPACE = 41970


def sending_context(records, test=False):
    return records.with_context(cci_sending=TEST_SENDING if test else SENDING)


def in_sending(env):
    return env.context.get("cci_sending") in (SENDING, TEST_SENDING)


def in_test_sending(env):
    return env.context.get("cci_sending") is TEST_SENDING
