-- A certificate a completed course gave counts in matching like one the member declared: the candidate
-- rows kept before this (migration 0010) take the certificates of their completed courses.
UPDATE candidates c
SET certificates = c.certificates || ARRAY(
    SELECT DISTINCT e.certificate FROM enrolments e
    WHERE e.member_id = c.member_id AND e.completed_on IS NOT NULL
      AND e.certificate IS NOT NULL AND e.certificate <> ALL (c.certificates)
    ORDER BY e.certificate)
WHERE EXISTS (SELECT 1 FROM enrolments e
              WHERE e.member_id = c.member_id AND e.completed_on IS NOT NULL
                AND e.certificate IS NOT NULL AND e.certificate <> ALL (c.certificates));
