"""Members: register, edit, move, deregister, contacts, search, export, personal numbers, registration ledger."""
