"""Who is at the desk: accounts and their secrets, machine identities, and what each role
may do (the one table of permissions, :mod:`hotline.accounts.permissions`)."""
