"""Email notifications: a transactional outbox, per-kind preferences and unsubscribe links."""
