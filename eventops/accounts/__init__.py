"""User accounts, logins and roles (admin, organizer, door staff, exhibitor manager, attendee)."""
