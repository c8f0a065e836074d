//! Secondary e-mail addresses: verification links are single use, expire, and are stored
//! hashed; an unverified address is never used; the old primary is told when it changes.

use crate::common::*;
use serde_json::Value;

async fn emails(app: &TestApp, client: &reqwest::Client) -> Value {
    app.call(client, "list_emails", &[])
        .await
        .json()
        .await
        .unwrap()
}

/// The token from the verification e-mail to `to`.
async fn link_token(app: &TestApp, to: &str) -> String {
    // Quoted-printable writes "=" as "=3D".
    let mail = app
        .wait_for_mail(to, "Confirm your e-mail address")
        .await
        .replace("=3D", "=");
    let start = mail.find("verify-email?token=").unwrap() + "verify-email?token=".len();
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with_mail(backend).await
}

macro_rules! both {
    ($($name:ident),*) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() { super::$name(super::spawn(crate::common::Backend::Sqlite).await).await }
            #[tokio::test]
            async fn postgres() { super::$name(super::spawn(crate::common::Backend::Postgres).await).await }
        }
    )*};
}
both!(
    a_link_verifies_once_and_is_stored_only_hashed,
    an_expired_link_does_not_verify,
    only_a_verified_address_can_become_primary_and_the_old_one_is_told,
    mail_and_notifications_are_written_in_the_recipients_language
);

async fn mail_and_notifications_are_written_in_the_recipients_language(app: TestApp) {
    let bob = app.signed_in("bob@example.com").await;
    let german = [
        ("time_zone", "Europe/Berlin"),
        ("date_format", "intl"),
        ("time_format", "24h"),
        ("week_start", "monday"),
        ("rows_per_page", "25"),
        ("theme", "system"),
        ("language", "de"),
    ];
    assert_eq!(
        app.call(&bob, "save_preferences", &german).await.status(),
        200
    );

    // Verification links, test e-mails and the inbox speak German; an English reader's don't.
    let res = app
        .call(&bob, "add_email", &[("email", "bob.work@example.com")])
        .await;
    assert_eq!(res.status(), 200);
    let mail = app.wait_for_mail("bob.work@example.com", "Hallo").await;
    assert!(mail.contains("innerhalb von 24 Stunden"), "{mail}");
    let res = app
        .call(&bob, "send_test_notification", &[("channel", "email")])
        .await;
    assert_eq!(res.status(), 200);
    app.wait_for_mail(
        "bob@example.com",
        "Das ist der Test, um den Sie gebeten haben",
    )
    .await;
    let res = app
        .call(&bob, "send_test_notification", &[("channel", "in_app")])
        .await;
    assert_eq!(res.status(), 200);
    let inbox = app
        .call(&bob, "get_notifications_page", &[("page", "1")])
        .await
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("Test-Benachrichtigung"), "{inbox}");

    let ada = app.signed_in("ada@example.com").await;
    app.call(&ada, "send_test_notification", &[("channel", "email")])
        .await;
    app.wait_for_mail("ada@example.com", "This is the test you asked for")
        .await;
}

async fn a_link_verifies_once_and_is_stored_only_hashed(app: TestApp) {
    let browser = app.signed_in("ada@example.com").await;
    let res = app
        .call(&browser, "add_email", &[("email", "Ada.Work@Example.com")])
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let list = emails(&app, &browser).await;
    assert_eq!(list["others"][0]["email"], "ada.work@example.com");
    assert_eq!(list["others"][0]["verified"], false);
    let token = link_token(&app, "ada.work@example.com").await;
    assert!(
        !app.database_contents().contains(&token),
        "only the hash is stored"
    );

    // Opening the link changes nothing; the button does, once. No sign-in needed.
    let stranger = app.browser();
    let page = app
        .page(&stranger, &format!("/verify-email?token={token}"))
        .await;
    assert!(page.contains("Verify address"));
    assert_eq!(emails(&app, &browser).await["others"][0]["verified"], false);
    let res = app
        .call(&stranger, "verify_email", &[("token", &token)])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(emails(&app, &browser).await["others"][0]["verified"], true);
    let again = app
        .call(&stranger, "verify_email", &[("token", &token)])
        .await;
    assert_eq!(again.status(), 409, "single use");
    assert!(!app.logs().contains(&token), "the token is not logged");
}

async fn an_expired_link_does_not_verify(app: TestApp) {
    let browser = app.signed_in("ada@example.com").await;
    app.call(&browser, "add_email", &[("email", "old@example.com")])
        .await;
    let token = link_token(&app, "old@example.com").await;
    app.execute("update email_verifications set expires_at = 1", &[])
        .await;
    let res = app
        .call(&browser, "verify_email", &[("token", &token)])
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(emails(&app, &browser).await["others"][0]["verified"], false);
}

async fn only_a_verified_address_can_become_primary_and_the_old_one_is_told(app: TestApp) {
    let browser = app.signed_in("ada@example.com").await;
    app.call(&browser, "confirm_password", &[("password", PASSWORD)])
        .await;
    app.call(&browser, "add_email", &[("email", "new@example.com")])
        .await;
    let id = emails(&app, &browser).await["others"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .call(&browser, "make_email_primary", &[("id", &id)])
        .await;
    assert_eq!(res.status(), 409, "unverified");
    // Notifications keep going to the primary, never to the unverified address.
    app.call(&browser, "send_test_notification", &[("channel", "email")])
        .await;
    app.wait_for_mail("ada@example.com", "This is the test you asked for")
        .await;

    let token = link_token(&app, "new@example.com").await;
    app.call(&browser, "verify_email", &[("token", &token)])
        .await;
    let res = app
        .call(&browser, "make_email_primary", &[("id", &id)])
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    app.wait_for_mail(
        "ada@example.com",
        "primary e-mail address of your Profile Center account is now new@example.com",
    )
    .await;
    let list = emails(&app, &browser).await;
    assert_eq!(list["primary"], "new@example.com");
    assert_eq!(list["others"][0]["email"], "ada@example.com");
    let (_, res) = app.sign_in("new@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200, "signs in with the new primary");
    // Someone else's sign-in address cannot be added: the same answer as for any address (so
    // nobody learns whose it is), but its owner is told and no link goes out.
    let eve = app.signed_in("eve@example.com").await;
    let links_before = app.mail_count("new@example.com", "verify-email?token=");
    let res = app
        .call(&eve, "add_email", &[("email", "new@example.com")])
        .await;
    assert_eq!(res.status(), 200);
    app.wait_for_mail(
        "new@example.com",
        "Someone tried to use your e-mail address",
    )
    .await;
    assert_eq!(
        app.mail_count("new@example.com", "verify-email?token="),
        links_before,
        "no link to verify it with"
    );
    assert_eq!(emails(&app, &eve).await["others"][0]["verified"], false);
}
