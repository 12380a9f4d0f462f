"""Everything that goes out (mail, Telegram) through an outbox, and the scheduled jobs."""
