"""The moderation workflow of a mass mailing, declared once.

``WORKFLOW`` is the whole of it: each decision, the moderation states it may be taken
from, the state it leads to and who may take it. ``mail.mass_mailing._cci_check_decision``
enforces it for people, ``_cci_transition`` for the system, and the moderation history
reads it to name a change of state that came without a decision.
"""
from collections import OrderedDict, namedtuple

MODERATION_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]

# Who may take a decision: the marketing manager; a member of the mailing's department (or
# the marketing manager); whoever asked for the mailing (a member, its requester or author,
# or the marketing manager); the system itself, never a person.
MODERATOR = "moderator"
MEMBER = "member"
REQUESTER = "requester"
SYSTEM = "system"

Decision = namedtuple("Decision", "from_states to_state taken_by")

# In this order, the first decision leading to a state names a change of state that came
# without one (a write by the superuser).
WORKFLOW = OrderedDict([
    ("submit", Decision(("draft", "rejected"), "submitted", MEMBER)),
    ("approve", Decision(("submitted",), "approved", MODERATOR)),
    ("postpone", Decision(("submitted", "approved"), "approved", MODERATOR)),
    ("reject", Decision(("submitted", "approved"), "rejected", MODERATOR)),
    ("reset", Decision(("submitted", "approved", "rejected"), "draft", REQUESTER)),
    # changed after approval (content, recipients, date, or an audience that grew)
    ("changed", Decision(("approved",), "submitted", SYSTEM)),
    # the sending queue gave up on it, whatever the state it was found in
    ("failed", Decision(("draft", "submitted", "approved", "rejected"), "draft", SYSTEM)),
])

# The moderation fields: written only through ``_cci_transition``.
MODERATION_FIELDS = (
    "cci_moderation_state", "cci_moderator_id", "cci_moderation_note", "cci_decision_date",
    "cci_approved_hash", "cci_approved_audience",
)

# The pass of ``_cci_transition`` to write the moderation fields: a Python object, so that
# it cannot be given in a context over XML-RPC.
MODERATION_TOKEN = object()


def decision_for(state):
    """The decision that leads to ``state`` when none was named."""
    return next(name for name, decision in WORKFLOW.items() if decision.to_state == state)
