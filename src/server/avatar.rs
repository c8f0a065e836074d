//! Profile pictures: the upload route, the decoding and re-encoding, and serving them.
//!
//! Uploads come to a plain Axum route (`POST /settings/avatar`, multipart, its own body limit)
//! rather than a server function, so a 20 MB body is refused while it streams in instead of
//! being buffered. Decoding runs off the async executor, a few at a time, with limits on
//! dimensions and memory; the picture is then cut to the chosen square and re-encoded at
//! 256 and 64 px, which leaves EXIF and anything else hidden in the file behind.

use super::{context::Authed, db, state::AppState};
use crate::{
    error::AppError,
    i18n::Lang,
    model::avatar::{Crop, Problem, LARGE, MAX_BYTES, MAX_SIDE, SMALL},
};
use axum::{
    extract::{Multipart, Path, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;
use tokio::sync::Semaphore;

/// Decoding a 6000 × 6000 picture takes up to ~150 MB; two at a time bounds the memory.
static DECODERS: Semaphore = Semaphore::const_new(2);

/// The body limit of the upload route: the file plus room for the form's other fields.
pub const BODY_LIMIT: usize = MAX_BYTES + 64 * 1024;

/// The two encoded squares and their content type.
pub fn process(bytes: &[u8], crop: Crop) -> Result<db::avatars::Stored, Problem> {
    if bytes.is_empty() {
        return Err(Problem::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Problem::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Problem::Damaged)?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) => {}
        _ if looks_like_svg(bytes) => return Err(Problem::Svg),
        _ => return Err(Problem::NotAnImage),
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(192 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(problem)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(problem)?;
    // Phones store pictures sideways and say so in EXIF, which re-encoding drops: turn first.
    picture.apply_orientation(orientation);
    let (left, top, side) = crop.square(picture.width(), picture.height());
    let square = picture.crop_imm(left, top, side, side);
    let alpha = square.color().has_alpha();
    let encode = |size: u32| -> Result<Vec<u8>, Problem> {
        let scaled = square.resize_exact(size, size, image::imageops::FilterType::Lanczos3);
        let mut out = Vec::new();
        let done = if alpha {
            scaled.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        } else {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
                .encode_image(&scaled.to_rgb8())
        };
        done.map_err(|_| Problem::Damaged)?;
        Ok(out)
    };
    Ok(db::avatars::Stored {
        content_type: if alpha { "image/png" } else { "image/jpeg" }.into(),
        large: encode(LARGE)?,
        small: encode(SMALL)?,
    })
}

fn problem(err: image::ImageError) -> Problem {
    match err {
        image::ImageError::Limits(_) => Problem::TooManyPixels,
        _ => Problem::Damaged,
    }
}

/// SVG is XML text: named in its own message, since people often try a logo.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    head.contains("<svg")
}

/// `POST /settings/avatar`: multipart with `avatar` (the file) and the crop's `zoom`, `x`, `y`.
/// A `fetch`/XHR caller (`Accept: application/json`) gets the page to go to, or a field error as
/// JSON; a plain form post is redirected back to the Profile tab either way.
pub async fn upload(State(state): State<AppState>, req: Request) -> Response {
    let json = wants_json(req.headers());
    // A plain route, outside Leptos: the language comes straight from the request.
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let Some(user) = req.extensions().get::<Authed>().cloned() else {
        return if json {
            error_json(AppError::Unauthenticated)
        } else {
            Redirect::to("/signin").into_response()
        };
    };
    let outcome = receive(&state, &user, req).await;
    // An oversize body may be cut off unread: the connection cannot carry another request.
    let close = matches!(outcome, Err(Failure::Refused(Problem::TooLarge)));
    let mut res = match (outcome, json) {
        (Ok(()), true) => axum::Json("/settings/profile?avatar=saved#avatar").into_response(),
        (Ok(()), false) => Redirect::to("/settings/profile?avatar=saved#avatar").into_response(),
        (Err(Failure::Refused(p)), true) => error_json(AppError::field(p.field(), p.message())),
        (Err(Failure::Refused(p)), false) => Redirect::to(&format!(
            "/settings/profile?avatar_error={}#avatar",
            p.code()
        ))
        .into_response(),
        (Err(Failure::App(e)), true) => error_json(e),
        (Err(Failure::App(e)), false) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.message().render(lang),
        )
            .into_response(),
    };
    if close {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

enum Failure {
    Refused(Problem),
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::App(e)
    }
}

async fn receive(state: &AppState, user: &Authed, req: Request) -> Result<(), Failure> {
    // Refuse an announced oversize body before reading any of it.
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > BODY_LIMIT) {
        super::middleware::drain(req.into_body().into_data_stream()).await;
        return Err(Failure::Refused(Problem::TooLarge));
    }
    let mut form = <Multipart as axum::extract::FromRequest<()>>::from_request(req, &())
        .await
        .map_err(|_| AppError::BadRequest)?;
    let mut file = Vec::new();
    let (mut zoom, mut x, mut y) = (None, None, None);
    loop {
        let Some(field) = form.next_field().await.map_err(refused)? else {
            break;
        };
        let name = field.name().unwrap_or_default().to_string();
        let value = field.bytes().await.map_err(refused)?;
        let text = || String::from_utf8_lossy(&value).into_owned();
        match name.as_str() {
            "avatar" => file = value.to_vec(),
            "zoom" => zoom = Some(text()),
            "x" => x = Some(text()),
            "y" => y = Some(text()),
            _ => {}
        }
    }
    let crop =
        Crop::parse(zoom.as_deref(), x.as_deref(), y.as_deref()).map_err(Failure::Refused)?;
    let _permit = tokio::time::timeout(std::time::Duration::from_secs(10), DECODERS.acquire())
        .await
        .map_err(|_| AppError::RateLimited(5))?
        .map_err(super::context::internal)?;
    let picture = tokio::task::spawn_blocking(move || process(&file, crop))
        .await
        .map_err(super::context::internal)?
        .map_err(Failure::Refused)?;
    let name = super::random_id(12);
    db::avatars::save(&state.db, &user.user_id, &name, &picture, super::now()).await?;
    tracing::info!(user = %user.user_id, "profile picture changed");
    Ok(())
}

/// A body that broke off or ran past the limit.
fn refused(e: axum::extract::multipart::MultipartError) -> Failure {
    Failure::Refused(match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::TooLarge,
        _ => Problem::Damaged,
    })
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn error_json(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(err)).into_response()
}

/// `GET /avatars/{name}-{size}`: a stored picture. The name is random and changes with every
/// upload, so the answer never changes and may be cached for a year.
pub async fn serve(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((name, size)) = file.rsplit_once('-') else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let stored = match db::avatars::by_name(&state.db, name).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reading a profile picture failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let body = match size {
        "256" => stored.large,
        "64" => stored.small,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let content_type = HeaderValue::from_str(&stored.content_type)
        .unwrap_or(HeaderValue::from_static("image/jpeg"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        body,
    )
        .into_response()
}

/// "Remove picture": back to initials.
pub async fn remove(state: &AppState, user: &Authed) -> Result<(), AppError> {
    if db::avatars::remove(&state.db, &user.user_id).await? {
        tracing::info!(user = %user.user_id, "profile picture removed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat, width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let picture = if alpha {
            DynamicImage::ImageRgba8(image::RgbaImage::from_fn(width, height, |x, _| {
                image::Rgba([(x % 256) as u8, 10, 200, 128])
            }))
        } else {
            DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
                image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
            }))
        };
        let mut out = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut out), format)
            .unwrap();
        out
    }

    fn dimensions(bytes: &[u8]) -> (u32, u32) {
        let picture = image::load_from_memory(bytes).unwrap();
        (picture.width(), picture.height())
    }

    #[test]
    fn every_accepted_format_becomes_two_squares() {
        for format in [
            ImageFormat::Jpeg,
            ImageFormat::Png,
            ImageFormat::Gif,
            ImageFormat::WebP,
        ] {
            let stored = process(&encoded(format, 300, 200, false), Crop::default()).unwrap();
            assert_eq!(dimensions(&stored.large), (256, 256), "{format:?}");
            assert_eq!(dimensions(&stored.small), (64, 64), "{format:?}");
        }
    }

    #[test]
    fn transparency_is_kept_as_png_and_photos_become_jpeg() {
        let png = process(&encoded(ImageFormat::Png, 100, 100, true), Crop::default()).unwrap();
        assert_eq!(png.content_type, "image/png");
        let jpeg = process(&encoded(ImageFormat::Png, 100, 100, false), Crop::default()).unwrap();
        assert_eq!(jpeg.content_type, "image/jpeg");
        assert_eq!(&jpeg.large[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn bad_files_are_refused_with_their_reason() {
        let png = encoded(ImageFormat::Png, 64, 64, false);
        assert_eq!(process(b"", Crop::default()).err(), Some(Problem::Empty));
        assert_eq!(
            process(&png[..png.len() / 2], Crop::default()).err(),
            Some(Problem::Damaged)
        );
        assert_eq!(
            process(b"%PDF-1.7 not a picture", Crop::default()).err(),
            Some(Problem::NotAnImage)
        );
        let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(process(svg, Crop::default()).err(), Some(Problem::Svg));
        assert_eq!(
            process(&vec![0u8; MAX_BYTES + 1], Crop::default()).err(),
            Some(Problem::TooLarge)
        );
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_its_pixels_are_allocated() {
        // 20000 × 20000 of one colour compresses to a few hundred kilobytes.
        let bomb = encoded(ImageFormat::Png, 1, 1, false);
        let bomb = with_png_size(&bomb, 20_000, 20_000);
        assert_eq!(
            process(&bomb, Crop::default()).err(),
            Some(Problem::TooManyPixels)
        );
    }

    /// A PNG whose header claims other dimensions (with a fixed-up checksum).
    fn with_png_size(png: &[u8], width: u32, height: u32) -> Vec<u8> {
        let mut out = png.to_vec();
        // signature (8) + length (4) + "IHDR" (4), then width and height.
        out[16..20].copy_from_slice(&width.to_be_bytes());
        out[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&out[12..29]);
        out[29..33].copy_from_slice(&crc.to_be_bytes());
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
