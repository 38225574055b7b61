"""The roster's Kafka consumers: what it learns from other services' events."""
