"""E-seal certificates (电子印章): issued from templates, signed with Ed25519, verified by anyone."""
