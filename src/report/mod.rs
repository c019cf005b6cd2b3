//! Rendering findings for people and machines: human, json (and, for `check`, sarif and
//! github). Nothing from the registry is printed unless `--reveal` is given.
