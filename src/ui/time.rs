//! Showing times and paging lists the signed-in person's way. The session middleware puts the
//! request's `Preferences` into its extensions; pages render on the server, so this reads them
//! from the request. (The browser build never renders a time: there it falls back to UTC.)

use crate::model::preferences::Preferences;

/// The preferences of the request being rendered (the defaults outside a request).
pub fn preferences() -> Preferences {
    #[cfg(feature = "ssr")]
    {
        crate::server::context::preferences()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Preferences::default()
    }
}

/// A timestamp in the person's zone and formats.
pub fn show(ts: i64) -> String {
    preferences().format(ts)
}
