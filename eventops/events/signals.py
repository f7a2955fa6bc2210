"""What the events domain announces, for the domains above it to act on (blinker signals, as
pretix's and Indico's). A receiver runs inside the sender's transaction and returns what it did."""
from blinker import Namespace

_signals = Namespace()

#: An event's places changed (``update_event``, under the event's row lock). Sender: the event;
#: keyword ``actor``. Registration answers with the people it moved from the waitlist.
capacity_changed = _signals.signal("capacity-changed")

#: A custom question is about to be deleted (``delete_question``). Sender: the question. A receiver
#: that depends on it refuses by raising a DomainError (the negotiation zone's opt-in question).
question_deleting = _signals.signal("question-deleting")
