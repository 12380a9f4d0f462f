"""Channels that receive what employers and employees send: SMTP, IMAP and Telegram.

Each channel stores what arrived durably and hands it on; no parsing or business rules
live here.
"""
