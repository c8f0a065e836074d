//! Reusable pieces every form uses, so every tab labels, describes and reports errors alike,
//! and the one island that makes those forms submit in place when JavaScript runs.

pub mod enhance;
pub mod form;
#[cfg(feature = "hydrate")]
pub mod navigate;
pub mod reauth;
