//! The registry of embargoed issues (contract §4): its model ([`Registry`], [`Issue`],
//! [`Policy`], ...), its issues ([`Issues`]: parsed, or read where they lie in a
//! compiled form), and the strict validation of its JSON form ([`parse`]).

mod issues;
mod model;
pub(crate) mod table;
mod validate;

pub use self::issues::{Issues, Iter};
pub use self::model::{ContentMode, GenericMode, Issue, Policy, Severity, REGEX_SIZE_LIMIT};
pub use self::validate::Problem;

/// A valid registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub policy: Policy,
    pub issues: Issues,
    /// Where it came from: a path, or `$EMBARGO_REGISTRY_JSON`. Never private.
    pub origin: String,
}

/// Parses and validates a registry's text. `origin` names it in every problem.
/// Either the whole registry is valid, or every problem found is returned.
pub fn parse(text: &str, origin: &str) -> Result<Registry, Vec<Problem>> {
    let (policy, issues) = validate::validate(text, origin)?;
    Ok(Registry {
        policy,
        issues: issues.into(),
        origin: origin.to_string(),
    })
}
