//! Reusable pieces every form uses, so every tab labels, describes and reports errors alike,
//! the island that makes those forms submit in place when JavaScript runs, and the header's
//! bell.

pub mod bell;
pub mod enhance;
pub mod form;
#[cfg(feature = "hydrate")]
pub mod navigate;
pub mod reauth;
