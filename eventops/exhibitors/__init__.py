"""The showcase corridor: exhibitor profiles, booths and the corridor map, the PI directory, the
demand board with its recommendations, meeting requests and lead capture at the booth."""
