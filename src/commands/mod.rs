//! The entry points, one module per command; each returns an exit code or an error.
