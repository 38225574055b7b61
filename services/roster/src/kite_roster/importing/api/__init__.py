"""The import feature over HTTP: the /imports routes and the reading of an uploaded body."""
