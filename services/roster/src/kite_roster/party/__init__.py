"""Party affairs: the organisation tree and its contacts, party membership, org life, dues, the party ledger."""
