"""Loonbode: intake assistant for Dutch payroll bureaus (command line and settings)."""

__version__ = "0.1.0"
