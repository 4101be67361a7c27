"""The directory: customers, sites, contacts and contracts; matching a caller; CSV import."""
