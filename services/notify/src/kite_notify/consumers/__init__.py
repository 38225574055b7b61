"""notify's Kafka consumers: one file per consumer, each declaring its ConsumerSpec."""
