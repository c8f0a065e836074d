//! Reusable pieces every form uses, so every tab labels, describes and reports errors alike,
//! the island that makes those forms submit in place when JavaScript runs, the header's bell
//! and the copy button.

pub mod bell;
pub mod copy;
pub mod enhance;
pub mod form;
#[cfg(feature = "hydrate")]
pub mod navigate;
pub mod reauth;
