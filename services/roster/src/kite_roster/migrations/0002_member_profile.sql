-- Member profile, lifecycle and contact; name search; movements; the registration ledger's counters.
-- Sized for 20 M members: every search filter has an index, and the ledger reads counters, never
-- GROUP BY over members.

-- Codes and names compare by code point whatever the database's locale: a plain btree then serves
-- both a prefix LIKE (the jurisdiction, 'x%' on a name) and ORDER BY.
DROP INDEX members_origin, members_city, members_employer, members_name;  -- replaced below
ALTER TABLE members
    ALTER COLUMN origin_division_code SET DATA TYPE text COLLATE "C",
    ALTER COLUMN name SET DATA TYPE text COLLATE "C";

ALTER TABLE members
    ADD COLUMN industry             text,
    ADD COLUMN languages            text[] NOT NULL DEFAULT '{}',
    ADD COLUMN disability           text,
    ADD COLUMN union_member         boolean NOT NULL DEFAULT false,
    ADD COLUMN status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deregistered')),
    ADD COLUMN deregistered_reason  text,
    ADD COLUMN deregistered_at      timestamptz,
    ADD COLUMN contact_status       text NOT NULL DEFAULT 'in-contact' CHECK (contact_status IN ('in-contact', 'lost')),
    ADD COLUMN last_contact_at      timestamptz,
    ADD COLUMN contact_lost_at      timestamptz,
    -- What the search's one GIN index holds for a member (domain/member.py search_terms): every pair
    -- of adjacent characters of the name (王小明 → 王小, 小明), which finds a partial Chinese name
    -- whatever the locale and without a word parser (the query rechecks with LIKE '%…%': all pairs
    -- present does not make them adjacent); the current city, employer and industry as 'c:…', 'e:…',
    -- 'i:…', and again within the home county as 'c@522631:…' etc. (a county's people in 深圳 are a
    -- short list of their own). Tagged terms are longer than a pair, so never taken for one. One GIN
    -- costs a bulk import far less than a btree per filter. Computed by the projection: a generated
    -- column calling a SQL function per row measured slower than the index itself.
    ADD COLUMN search_terms         text[] NOT NULL DEFAULT '{}';
-- Kept by the household projection (Helper B's 0003 adds it too; IF NOT EXISTS lets either land first).
ALTER TABLE members ADD COLUMN IF NOT EXISTS household_id uuid;

-- Member ids are UUIDv7 minted at registration: id order is registration order, so the primary key
-- is the walk for sort=registered (and the heap lies in that order too).
-- Jurisdiction and origin prefix: small areas read this range, then sort it.
CREATE INDEX members_origin ON members (origin_division_code, member_id);
-- sort=name walks this and tests the jurisdiction on the index tuple, without visiting the heap.
CREATE INDEX members_name ON members (name, member_id, origin_division_code);
-- fastupdate: new entries go to a pending list, merged in large sorted batches. Its size is left to
-- the gin_pending_list_limit setting, so a bulk import can raise it for its own session (fewer,
-- larger merges) while searches elsewhere keep the small default list to scan.
CREATE INDEX members_search_terms ON members USING gin (search_terms) WITH (fastupdate = on);
-- Minorities of the rows; their complements are the bulk and are found by the walks above.
CREATE INDEX members_party ON members (origin_division_code, member_id) WHERE is_party_member;
CREATE INDEX members_lost ON members (origin_division_code, member_id) WHERE contact_status = 'lost';
CREATE INDEX members_deregistered ON members (origin_division_code, member_id) WHERE status = 'deregistered';
-- The contact check: active members still in contact, by when they were last met (contact or registration).
CREATE INDEX members_contact_due ON members ((greatest(last_contact_at, registered_at)), member_id)
    WHERE status = 'active' AND contact_status = 'in-contact';

-- A phone number is only ever looked up by its whole keyed hash (32 random bytes): a hash index finds it
-- as fast as the btree of 0001 and costs a bulk import less to keep.
DROP INDEX member_pii_phone;
CREATE INDEX member_pii_phone ON member_pii USING hash (phone_hash);

-- Where a member worked before: one row per member-relocated (version = its stream version).
CREATE TABLE member_movements (
    member_id       uuid NOT NULL,
    version         integer NOT NULL,
    moved_on        date NOT NULL,
    from_city       text NOT NULL,
    from_employer   text,
    from_industry   text,
    to_city         text NOT NULL,
    to_employer     text,
    to_industry     text,
    recorded_at     timestamptz NOT NULL,
    recorded_by     text NOT NULL,
    PRIMARY KEY (member_id, version)
);

-- The registration ledger (外出务工人员台账): active members per origin village × destination city,
-- × industry and × employer ('' when not known). A row whose count falls to zero is deleted.
CREATE TABLE registration_ledger (
    dimension             text NOT NULL CHECK (dimension IN ('city', 'industry', 'employer')),
    origin_division_code  text COLLATE "C" NOT NULL,
    value                 text COLLATE "C" NOT NULL,
    members               integer NOT NULL CHECK (members >= 0),
    PRIMARY KEY (dimension, origin_division_code, value)
);
