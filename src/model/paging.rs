//! Paged lists: page numbers as people and scripts send them, bounded before they reach SQL.

/// Far beyond any real list, small enough that `(page - 1) × rows` cannot overflow an offset.
pub const MAX_PAGE: usize = 100_000;
/// Rows per page at most (the Preferences tab offers 10 to 100).
pub const MAX_ROWS: usize = 100;

/// A 1-based page number within `1..=MAX_PAGE` (0 and absurd numbers become the nearest bound).
pub fn page(requested: usize) -> usize {
    requested.clamp(1, MAX_PAGE)
}

/// The SQL `offset` of a page with `rows` rows per page (both bounded first).
pub fn offset(requested_page: usize, rows: usize) -> i64 {
    ((page(requested_page) - 1) * rows.clamp(1, MAX_ROWS)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_bounded_before_they_become_offsets() {
        assert_eq!(page(0), 1);
        assert_eq!(page(3), 3);
        assert_eq!(page(usize::MAX), MAX_PAGE);
        assert_eq!(offset(1, 25), 0);
        assert_eq!(offset(3, 25), 50);
        assert!(
            offset(usize::MAX, usize::MAX) > 0,
            "no overflow, no negative offset"
        );
    }
}
