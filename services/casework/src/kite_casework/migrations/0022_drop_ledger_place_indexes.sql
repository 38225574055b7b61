-- Since migration 0020 the service ledger is read from `service_ledger_counts`; `service_ledger_cases`
-- is only read and written by case id (its primary key). Its per-place indexes served the old
-- recount-per-read queries and now only cost every opening four index writes.
DROP INDEX IF EXISTS service_ledger_cases_county;
DROP INDEX IF EXISTS service_ledger_cases_city;
DROP INDEX IF EXISTS service_ledger_cases_origin;
DROP INDEX IF EXISTS service_ledger_cases_work;
