//! Git access for the entry points: opening the repository (quarantine included),
//! reading config, and reading commit and tag messages from raw objects.
