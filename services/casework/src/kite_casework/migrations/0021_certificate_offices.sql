-- A certificate may name the office (roster's organisation: 服务站, 驻外服务站…) that issued it; that
-- office's own service ledger (?office=) then counts it. Certificates issued before this named none.
ALTER TABLE service_ledger_certificates ADD COLUMN office_id uuid;
