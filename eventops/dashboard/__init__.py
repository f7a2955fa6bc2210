"""Organizer pages that combine several domains: where to go after login, an event's overview,
and one registration with its badge and check-ins. It sits on top of the domains, so that none of
them has to import another's pages."""
