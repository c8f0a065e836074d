//! Health checks and what every response carries.

use crate::on_both_databases;

on_both_databases! {
    async fn health_and_readiness_answer_when_the_database_does(app: TestApp) {
        let client = app.browser();
        assert_eq!(client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
        let ready = client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
    }

    async fn pages_carry_security_headers_and_unknown_pages_are_404(app: TestApp) {
        let res = app.browser().get(app.url("/signin")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"<label for="field-email">Email</label>"#));
        assert!(html.contains(r#"<label for="field-password">Password</label>"#));
        let missing = app.browser().get(app.url("/no/such/page")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
    }
}
