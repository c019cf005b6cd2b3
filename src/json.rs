//! A small strict JSON reader that keeps the line and column of every value, so registry
//! validation can point at the exact place of each problem (serde_json keeps no spans).
