"""Organisations (hospitals, companies, departments, agencies...) shared by every event."""
