"""The one-click unsubscribe link of a mass mailing's mail (RFC 8058), without Odoo.

The link names the mailing and the recipient's address (base64url) and carries an HMAC
(SHA-256, keyed by the database's secret) of both: it cannot be guessed, and altering the
address or the mailing breaks it. Test sends carry ``TEST_SIGNATURE`` instead, which no
check accepts.
"""
import base64
import binascii
import hashlib
import hmac

PATH = "/cci/unsubscribe/%d/%s/%s"
ROUTE = "/cci/unsubscribe/<int:mailing_id>/<string:token>/<string:signature>"
TEST_SIGNATURE = "test-send"
ONE_CLICK = "List-Unsubscribe=One-Click"


def address_token(address):
    return base64.urlsafe_b64encode(address.encode("utf-8")).decode("ascii").rstrip("=")


def token_address(token):
    """The address a token names, or None when it is not one of ours."""
    try:
        address = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return address if "@" in address and address == address.strip().lower() else None


def signature(secret, mailing_id, address):
    message = ("%d:%s" % (mailing_id, address)).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def path(secret, mailing_id, address, test=False):
    """The path of the link for this recipient of this mailing (a dead one for a test)."""
    sign = TEST_SIGNATURE if test else signature(secret, mailing_id, address)
    return PATH % (mailing_id, address_token(address), sign)


def is_valid(secret, mailing_id, address, given):
    return bool(secret) and hmac.compare_digest(signature(secret, mailing_id, address),
                                                given or "")
