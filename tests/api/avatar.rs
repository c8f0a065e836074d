//! Profile pictures: every accepted format becomes two re-encoded squares served with safe
//! headers; every bad file is refused with its message and changes nothing.

use crate::common::*;
use crate::on_both_databases;
use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::{header, multipart, Client, Response};
use std::io::Cursor;

fn picture(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(pixels)
        .write_to(&mut Cursor::new(&mut out), format)
        .unwrap();
    out
}

/// A JPEG carrying an EXIF block with a GPS tag and a marker string.
fn jpeg_with_exif() -> Vec<u8> {
    let jpeg = picture(ImageFormat::Jpeg, 320, 240);
    let secret = b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\0SECRET-GPS-52.5N";
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((secret.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(secret);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn upload(
    app: &TestApp,
    client: &Client,
    file: Vec<u8>,
    fields: &[(&str, &str)],
    json: bool,
) -> Response {
    let mut form = multipart::Form::new().part(
        "avatar",
        multipart::Part::bytes(file)
            .file_name("me.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let accept = if json {
        "application/json"
    } else {
        "text/html"
    };
    client
        .post(app.url("/settings/avatar"))
        .header(header::ACCEPT, accept)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The current picture's name, from the Profile tab's data.
async fn picture_name(app: &TestApp, client: &Client) -> Option<String> {
    let page: serde_json::Value = app
        .call(client, "get_profile_page", &[])
        .await
        .json()
        .await
        .unwrap();
    page["avatar"].as_str().map(str::to_string)
}

on_both_databases! {
    async fn an_upload_is_reencoded_to_two_squares_served_safely(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        assert_eq!(picture_name(&app, &ada).await, None);
        let res = upload(&app, &ada, jpeg_with_exif(), &[("zoom", "150"), ("x", "0"), ("y", "100")], true).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let name = picture_name(&app, &ada).await.expect("a picture");

        for (size, px) in [("256", 256), ("64", 64)] {
            let res = app.browser().get(app.url(&format!("/avatars/{name}-{size}"))).send().await.unwrap();
            assert_eq!(res.status(), 200);
            let h = res.headers().clone();
            assert_eq!(h[header::CONTENT_TYPE], "image/jpeg");
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert!(h[header::CACHE_CONTROL].to_str().unwrap().contains("max-age=31536000"));
            let body = res.bytes().await.unwrap();
            assert!(!body.windows(10).any(|w| w == b"SECRET-GPS"), "EXIF is gone");
            let decoded = image::load_from_memory(&body).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (px, px));
        }
        // The header shows it on every page.
        let page = app.page(&ada, "/settings/sessions").await;
        assert!(page.contains(&format!("/avatars/{name}-64")));

        // A new upload gets a new name; the old one is gone.
        let res = upload(&app, &ada, picture(ImageFormat::Png, 50, 80), &[], false).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()[header::LOCATION], "/settings/profile?avatar=saved#avatar");
        let newer = picture_name(&app, &ada).await.unwrap();
        assert_ne!(newer, name);
        let old = app.browser().get(app.url(&format!("/avatars/{name}-256"))).send().await.unwrap();
        assert_eq!(old.status(), 404);

        // Remove: back to initials, and the picture is no longer served.
        let res = app.call(&ada, "remove_avatar", &[]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(picture_name(&app, &ada).await, None);
        let gone = app.browser().get(app.url(&format!("/avatars/{newer}-64"))).send().await.unwrap();
        assert_eq!(gone.status(), 404);
    }

    async fn bad_files_get_their_message_and_change_nothing(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let res = upload(&app, &ada, picture(ImageFormat::Png, 40, 40), &[], true).await;
        assert_eq!(res.status(), 200);
        let before = picture_name(&app, &ada).await.unwrap();

        let png = picture(ImageFormat::Png, 200, 200);
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>"#.to_vec();
        let cases: Vec<(&str, Vec<u8>, Vec<(&str, &str)>, &str, &str)> = vec![
            ("empty", vec![], vec![], "avatar", "Choose a picture to upload."),
            ("truncated", png[..png.len() / 3].to_vec(), vec![], "avatar", "could not be read"),
            ("not an image", b"MZ\x90\0 an executable, not a picture".to_vec(), vec![], "avatar", "not a picture"),
            ("svg", svg, vec![], "avatar", "SVG drawings are not accepted"),
            ("bomb", png_claiming(&png, 30_000, 30_000), vec![], "avatar", "at most 6000 × 6000 pixels"),
            ("5 MB + 1", vec![0xFF; 5 * 1024 * 1024 + 1], vec![], "avatar", "larger than 5 MB"),
            ("bad crop", png.clone(), vec![("zoom", "9000")], "zoom", "Zoom must be"),
        ];
        for (case, file, fields, field, message) in cases {
            let res = upload(&app, &ada, file, &fields, true).await;
            assert_eq!(res.status(), 422, "{case}");
            let err = error_of(res).await;
            let text = err.field_errors().and_then(|f| f.get(field)).map(|t| t.to_string()).unwrap_or_default();
            assert!(text.contains(message), "{case}: {text}");
            assert_eq!(picture_name(&app, &ada).await.as_deref(), Some(before.as_str()), "{case} changed nothing");
        }

        // Without JavaScript: back to the form with the reason's code.
        let res = upload(&app, &ada, b"GIF89a broken".to_vec(), &[], false).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()[header::LOCATION], "/settings/profile?avatar_error=damaged#avatar");
        let page = app.page(&ada, "/settings/profile?avatar_error=damaged").await;
        assert!(page.contains("could not be read"));

        // The server is still well.
        assert_eq!(app.browser().get(app.url("/healthz")).send().await.unwrap().status(), 200);
    }

    async fn a_20_mb_body_is_refused_and_never_kept(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let res = upload(&app, &ada, vec![0u8; 20 * 1024 * 1024], &[], true).await;
        assert_eq!(res.status(), 422);
        let err = error_of(res).await;
        assert!(err.field_errors().unwrap().get("avatar").unwrap().to_string().contains("larger than 5 MB"));
        assert_eq!(picture_name(&app, &ada).await, None);
        // Streamed without a length: the body limit stops it.
        let stream = chunked_body(20 * 1024 * 1024);
        let form = multipart::Form::new().part("avatar", multipart::Part::stream(stream).file_name("big.png"));
        let res = ada
            .post(app.url("/settings/avatar"))
            .header(header::ACCEPT, "application/json")
            .multipart(form)
            .send()
            .await;
        if let Ok(res) = res {
            // Either refused with the message, or the connection was cut mid-body.
            assert!(matches!(res.status().as_u16(), 413 | 422), "{}", res.status());
        }
        assert_eq!(picture_name(&app, &ada).await, None);
        assert_eq!(app.browser().get(app.url("/healthz")).send().await.unwrap().status(), 200);
    }

    async fn uploading_needs_a_session_and_a_same_origin_request(app: TestApp) {
        let stranger = app.browser();
        let res = upload(&app, &stranger, picture(ImageFormat::Png, 10, 10), &[], true).await;
        assert_eq!(res.status(), 401);
        let ada = app.signed_in("ada@example.com").await;
        let form = multipart::Form::new().part("avatar", multipart::Part::bytes(picture(ImageFormat::Png, 10, 10)));
        let res = ada
            .post(app.url("/settings/avatar"))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(picture_name(&app, &ada).await, None);
    }
}

/// A PNG whose header claims other dimensions (checksum fixed up): tiny file, huge picture.
fn png_claiming(png: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = png.to_vec();
    out[16..20].copy_from_slice(&width.to_be_bytes());
    out[20..24].copy_from_slice(&height.to_be_bytes());
    let mut crc = 0xFFFF_FFFFu32;
    for &b in &out[12..29] {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    out[29..33].copy_from_slice(&(!crc).to_be_bytes());
    out
}

/// A body of `len` bytes sent in chunks, with no Content-Length.
fn chunked_body(len: usize) -> reqwest::Body {
    let chunk = vec![0u8; 64 * 1024];
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..len / chunk.len()).map(|_| Ok(chunk.clone())).collect();
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}
