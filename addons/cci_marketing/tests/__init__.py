from . import test_interaction_capture
