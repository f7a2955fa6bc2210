"""Online registration, the waitlist, personal links and the organizer's back office."""
