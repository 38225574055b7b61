"""Bulk import of members from the spreadsheets counties keep (CSV or XLSX, Chinese headers).

readers: the file, streamed, as rows of cells (encoding detected, first XLSX sheet);
columns: which header is which field (with the aliases counties use);
rows: one row checked into a registration, or the problems with it (row, column, reason in Chinese);
pipeline: batches of rows written in one transaction each (dedupe by ID hash, PII by COPY, events by
bulk append), with a checkpoint so a crash resumes without duplicates;
jobs / worker: uploads kept in PostgreSQL and processed by any replica's worker;
api: the /imports routes, and the upload read from the request body as it arrives.
"""
