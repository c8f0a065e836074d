//! German. Sorted by the English text (the tests check), one entry per string the interface
//! shows; `{n}` stands for a number, `{}` for a name or other text filled in at run time.

pub static DE: &[(&str, &str)] = &[(
    "Too many attempts. Try again in {n} s.",
    "Zu viele Versuche. Versuchen Sie es in {n} s erneut.",
)];
