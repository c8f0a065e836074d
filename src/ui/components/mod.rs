//! Reusable pieces every form uses, so every tab labels, describes and reports errors alike.

pub mod form;
