"""Check-in at the door: gates, scanner devices, scans (append-only) and check-ins (facts)."""
