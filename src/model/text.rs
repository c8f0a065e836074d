//! Text people type: how long it is, and which characters it may not hold.

/// `text` in Unicode normalisation form C (composed: `e` + `◌́` becomes `é`), as names are
/// stored. Normalisation runs on the server; the browser never stores anything.
pub fn nfc(text: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        use unicode_normalization::UnicodeNormalization;
        text.nfc().collect()
    }
    #[cfg(not(feature = "ssr"))]
    {
        text.to_string()
    }
}

/// The length a browser's `maxlength` counts (UTF-16 code units), of the NFC form: whatever
/// the form's `maxlength` lets through, the server accepts, and the two never disagree about
/// emoji (two units each) or decomposed accents (composed first).
pub fn length(text: &str) -> usize {
    nfc(text).encode_utf16().count()
}

/// Unicode format characters (general category Cf): invisible, and some reverse the direction
/// of the text around them (U+202E), so a name could read differently from what it is.
pub fn is_format_char(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_direction_characters_are_format_characters() {
        for c in [
            '\u{200B}',
            '\u{202E}',
            '\u{2066}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{E0041}',
        ] {
            assert!(is_format_char(c), "{:04X}", c as u32);
        }
        for c in ['a', 'é', 'Ж', '李', ' ', '-', '\'', '😀'] {
            assert!(!is_format_char(c), "{c}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn length_counts_like_a_browser_after_composing() {
        assert_eq!(length("Ada"), 3);
        assert_eq!(
            length("😀"),
            2,
            "one emoji is two UTF-16 units, as maxlength counts"
        );
        assert_eq!(
            length("e\u{0301}"),
            1,
            "a decomposed accent counts once composed"
        );
        assert_eq!(nfc("e\u{0301}"), "é");
    }
}
