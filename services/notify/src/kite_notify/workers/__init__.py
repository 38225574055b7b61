"""notify's background workers (the consume role's loops besides the Kafka consumers)."""
