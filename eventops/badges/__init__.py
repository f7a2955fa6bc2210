"""Badges: secret codes, QR payloads and printable PDFs (layouts are data in the top-level badges/)."""
