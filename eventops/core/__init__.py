"""What every domain shares: database types, errors, time, permissions, audit log, mail."""
