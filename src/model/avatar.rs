//! Profile pictures: what may be uploaded, how the chosen square is cut out of it, and the one
//! message for each way an upload can fail.
//!
//! The browser shows the crop (zoom and position sliders over a preview); the server cuts the
//! same square out of the original, so the result never depends on client-side canvas code and
//! the sliders also work without JavaScript.

use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// Largest file accepted, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Largest width or height decoded: bigger pictures are refused before their pixels are
/// allocated (a small file can claim enormous dimensions: a decompression bomb).
pub const MAX_SIDE: u32 = 6000;
/// The two sizes stored: the Profile tab's picture and the header's.
pub const LARGE: u32 = 256;
pub const SMALL: u32 = 64;
/// What the file input offers.
pub const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif";

/// Where a stored picture is served, at `LARGE` or `SMALL` pixels.
pub fn url(name: &str, size: u32) -> String {
    format!("/avatars/{name}-{size}")
}

/// How to cut the square: `zoom` in percent (100 = the whole shorter side), `x` and `y` the
/// position of the square in the remaining room, in percent (50 = centred).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crop {
    pub zoom: u32,
    pub x: u32,
    pub y: u32,
}

impl Default for Crop {
    fn default() -> Self {
        Crop {
            zoom: 100,
            x: 50,
            y: 50,
        }
    }
}

pub const ZOOM_MAX: u32 = 400;

impl Crop {
    /// Reads the form's three values; anything missing is the default, anything out of range
    /// or not a number is refused.
    pub fn parse(zoom: Option<&str>, x: Option<&str>, y: Option<&str>) -> Result<Crop, Problem> {
        fn number(
            v: Option<&str>,
            default: u32,
            range: std::ops::RangeInclusive<u32>,
        ) -> Option<u32> {
            match v.map(str::trim).filter(|v| !v.is_empty()) {
                None => Some(default),
                Some(v) => v.parse().ok().filter(|n| range.contains(n)),
            }
        }
        let d = Crop::default();
        match (
            number(zoom, d.zoom, 100..=ZOOM_MAX),
            number(x, d.x, 0..=100),
            number(y, d.y, 0..=100),
        ) {
            (Some(zoom), Some(x), Some(y)) => Ok(Crop { zoom, x, y }),
            _ => Err(Problem::BadCrop),
        }
    }

    /// The square `(left, top, side)` in a `width` × `height` picture.
    pub fn square(&self, width: u32, height: u32) -> (u32, u32, u32) {
        let shorter = width.min(height) as u64;
        let side = (shorter * 100 / self.zoom.max(100) as u64).max(1);
        let left = (width as u64 - side) * self.x.min(100) as u64 / 100;
        let top = (height as u64 - side) * self.y.min(100) as u64 / 100;
        (left as u32, top as u32, side as u32)
    }
}

/// Why an upload was refused. The code travels in the URL when JavaScript is off
/// (`?avatar_error=…`), so it is a fixed word, never text from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    Empty,
    TooLarge,
    Svg,
    NotAnImage,
    Damaged,
    TooManyPixels,
    BadCrop,
}

impl Problem {
    pub const ALL: [Problem; 7] = [
        Problem::Empty,
        Problem::TooLarge,
        Problem::Svg,
        Problem::NotAnImage,
        Problem::Damaged,
        Problem::TooManyPixels,
        Problem::BadCrop,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Problem::Empty => "empty",
            Problem::TooLarge => "too-large",
            Problem::Svg => "svg",
            Problem::NotAnImage => "not-an-image",
            Problem::Damaged => "damaged",
            Problem::TooManyPixels => "too-many-pixels",
            Problem::BadCrop => "bad-crop",
        }
    }

    pub fn from_code(code: &str) -> Option<Problem> {
        Problem::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn message(self) -> Msg {
        match self {
            Problem::Empty => Msg::ChooseAPictureToUpload,
            Problem::TooLarge => Msg::ThatFileIsLargerThan5,
            Problem::Svg => Msg::SVGDrawingsAreNotAcceptedChoose,
            Problem::NotAnImage => Msg::ThatFileIsNotAPicture,
            Problem::Damaged => Msg::ThatPictureCouldNotBeRead,
            Problem::TooManyPixels => Msg::ThatPictureIsTooLargeAt,
            Problem::BadCrop => Msg::ZoomMustBe100400Percent,
        }
    }

    /// The form field the message belongs to.
    pub fn field(self) -> &'static str {
        match self {
            Problem::BadCrop => "zoom",
            _ => "avatar",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_crop_is_the_centred_largest_square() {
        assert_eq!(Crop::default().square(400, 300), (50, 0, 300));
        assert_eq!(Crop::default().square(300, 400), (0, 50, 300));
        assert_eq!(Crop::default().square(1, 1), (0, 0, 1));
    }

    #[test]
    fn zoom_and_position_choose_a_smaller_square_inside_the_picture() {
        let crop = Crop {
            zoom: 200,
            x: 0,
            y: 100,
        };
        assert_eq!(crop.square(400, 300), (0, 150, 150));
        let crop = Crop {
            zoom: 400,
            x: 100,
            y: 0,
        };
        assert_eq!(crop.square(1000, 1000), (750, 0, 250));
        // never empty, never outside
        let crop = Crop {
            zoom: 400,
            x: 100,
            y: 100,
        };
        let (left, top, side) = crop.square(2, 3);
        assert!(side >= 1 && left + side <= 2 && top + side <= 3);
    }

    #[test]
    fn crop_values_outside_their_range_are_refused() {
        assert_eq!(Crop::parse(None, None, None), Ok(Crop::default()));
        assert_eq!(
            Crop::parse(Some("250"), Some("0"), Some("100")),
            Ok(Crop {
                zoom: 250,
                x: 0,
                y: 100
            })
        );
        for (z, x, y) in [
            ("99", "50", "50"),
            ("401", "50", "50"),
            ("100", "101", "50"),
            ("100", "50", "-1"),
            ("abc", "1", "1"),
        ] {
            assert_eq!(
                Crop::parse(Some(z), Some(x), Some(y)),
                Err(Problem::BadCrop),
                "{z} {x} {y}"
            );
        }
    }

    #[test]
    fn every_problem_round_trips_through_its_url_code() {
        for p in Problem::ALL {
            assert_eq!(Problem::from_code(p.code()), Some(p));
            assert!(!p.message().en().is_empty());
        }
        assert_eq!(Problem::from_code("<script>"), None);
    }
}
