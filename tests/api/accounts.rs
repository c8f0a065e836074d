//! Accounts over HTTP: creating, switching and leaving; invitations (hashed, single-use,
//! expiring, only for a verified address); and every Manage action × every role, through the
//! server functions the tab calls and through the REST API, so that no role can do more than
//! the matrix in `model::accounts` says and nobody reaches an account they are not in.

use crate::common::*;
use crate::on_both_databases;
use reqwest::{Client, Method};
use serde_json::{json, Value};

/// Creates an account as `client`; returns its id (from where the server sends the page).
pub(crate) async fn create(app: &TestApp, client: &Client, name: &str) -> String {
    let res = app.call(client, "create_account", &[("name", name)]).await;
    assert_eq!(res.status(), 200);
    let path: String = res.json().await.unwrap();
    path.rsplit_once("#account-").unwrap().1.to_string()
}

async fn accounts_page(app: &TestApp, client: &Client) -> Value {
    let res = app.call(client, "get_accounts_page", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn invite(app: &TestApp, client: &Client, account: &str, email: &str, role: &str) -> u16 {
    let fields = [("account", account), ("email", email), ("role", role)];
    app.call(client, "invite_member", &fields)
        .await
        .status()
        .as_u16()
}

/// A new person at `email`, invited by `admin` with `role` and joined by accepting from the list.
pub(crate) async fn member(
    app: &TestApp,
    admin: &Client,
    account: &str,
    email: &str,
    role: &str,
) -> Client {
    let person = app.signed_in(email).await;
    assert_eq!(invite(app, admin, account, email, role).await, 200);
    let page = accounts_page(app, &person).await;
    let id = page["invitations"][0]["id"].as_str().unwrap().to_string();
    let res = app.call(&person, "accept_invitation", &[("id", &id)]).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    person
}

/// The id of the newest open invitation of an account, as its admin sees it.
async fn first_pending(app: &TestApp, admin: &Client, account: &str) -> Option<String> {
    let res = app
        .call(
            admin,
            "get_manage_page",
            &[("account", account), ("page", "1")],
        )
        .await;
    let page: Value = res.json().await.unwrap();
    page["invitations"][0]["id"].as_str().map(str::to_string)
}

/// The user id of a member, read from the Manage page's data as `admin` sees it.
pub(crate) async fn member_id(app: &TestApp, admin: &Client, account: &str, email: &str) -> String {
    let res = app
        .call(
            admin,
            "get_manage_page",
            &[("account", account), ("page", "1")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    page["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

on_both_databases! {
    async fn the_creator_of_an_account_is_its_owner_and_it_is_the_current_account(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        assert!(accounts_page(&app, &ada).await["memberships"].as_array().unwrap().is_empty());
        let id = create(&app, &ada, "  Acme Cloud ").await;
        let page = accounts_page(&app, &ada).await;
        let m = &page["memberships"][0];
        assert_eq!((m["account_id"].as_str(), m["account_name"].as_str()), (Some(id.as_str()), Some("Acme Cloud")));
        assert_eq!((m["role"].as_str(), m["current"].as_bool()), (Some("owner"), Some(true)));

        let html = app.page(&ada, "/settings/accounts").await;
        assert!(html.contains(r#"class="current-account""#) && html.contains("Acme Cloud"));
        assert!(html.contains("Your permissions in Acme Cloud"));
        assert!(html.contains(&format!("/settings/accounts/{id}/manage")), "the Owner gets a Manage link");

        let bad = app.call(&ada, "create_account", &[("name", "   ")]).await;
        assert_eq!(bad.status(), 422);
        assert_eq!(accounts_page(&app, &ada).await["memberships"].as_array().unwrap().len(), 1);
        assert!(app.database_contents().contains("org_account_created"));
    }

    async fn switching_is_remembered_per_session_and_only_to_an_account_of_ones_own(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let first = create(&app, &ada, "Alpha").await;
        let second = create(&app, &ada, "Beta").await;
        let current = |page: &Value| page["memberships"].as_array().unwrap().iter().find(|m| m["current"] == true).unwrap()["account_id"].as_str().unwrap().to_string();
        assert_eq!(current(&accounts_page(&app, &ada).await), second, "a new account is the current one");
        let res = app.call(&ada, "switch_account", &[("id", &first)]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(current(&accounts_page(&app, &ada).await), first);
        let laptop = sign_in(&app, "ada@example.com").await;
        assert_eq!(current(&accounts_page(&app, &laptop).await), first, "without a choice, the first by name");
        assert_eq!(app.call(&laptop, "switch_account", &[("id", &second)]).await.status(), 200);
        assert_eq!(current(&accounts_page(&app, &laptop).await), second);
        assert_eq!(current(&accounts_page(&app, &ada).await), first, "each session keeps its own choice");

        let grace = app.signed_in("grace@example.com").await;
        let graces = create(&app, &grace, "Grace's").await;
        assert_eq!(app.call(&ada, "switch_account", &[("id", &graces)]).await.status(), 404);
    }

    async fn an_invitation_is_mailed_with_a_link_that_works_once_and_is_stored_only_as_a_hash(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let account = create(&app, &ada, "Acme").await;
        let bob = app.signed_in("bob@example.com").await;
        assert_eq!(invite(&app, &ada, &account, " Bob@Example.com ", "admin").await, 200);
        let token = app.link_token("bob@example.com", "/invitation").await;
        assert!(!app.database_contents().contains(&token), "only the token's hash is stored");

        // The badge, on the tab and in the menu.
        let html = app.page(&bob, "/settings/profile").await;
        assert!(html.contains("(1 invitations waiting)"));
        // The link's page shows the invitation before anything happens.
        let html = app.page(&bob, &format!("/invitation?token={token}")).await;
        assert!(html.contains("Acme") && html.contains(r#"name="token""#));

        let res = app.call(&bob, "accept_invitation", &[("token", &token)]).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let page = accounts_page(&app, &bob).await;
        assert_eq!(page["memberships"][0]["role"], "admin");
        assert!(page["invitations"].as_array().unwrap().is_empty());
        assert!(!app.page(&bob, "/settings/profile").await.contains("invitations waiting"));

        let again = app.call(&bob, "accept_invitation", &[("token", &token)]).await;
        assert_eq!(again.status(), 404, "a link works once");
        let html = app.page(&bob, &format!("/invitation?token={token}")).await;
        assert!(html.contains("This invitation link no longer works"));
        assert!(app.database_contents().contains("account_joined"));
        let res = app.call(&ada, "get_manage_page", &[("account", &account), ("page", "1")]).await;
        let manage: Value = res.json().await.unwrap();
        let actions: Vec<&str> = manage["audit"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["member_joined", "member_invited", "account_created"]);
    }

    async fn only_a_verified_address_of_the_person_accepts_an_invitation(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let account = create(&app, &ada, "Acme").await;
        assert_eq!(invite(&app, &ada, &account, "carol@example.com", "member").await, 200);
        let token = app.link_token("carol@example.com", "/invitation").await;
        let id: String = {
            let page: Value = app.call(&ada, "get_manage_page", &[("account", &account), ("page", "1")]).await.json().await.unwrap();
            page["invitations"][0]["id"].as_str().unwrap().to_string()
        };
        let dave = app.signed_in("dave@example.com").await;
        assert!(accounts_page(&app, &dave).await["invitations"].as_array().unwrap().is_empty());
        let res = app.call(&dave, "accept_invitation", &[("token", &token)]).await;
        assert_eq!(res.status(), 409);
        assert!(error_of(res).await.to_string().contains("carol@example.com"));
        assert_eq!(app.call(&dave, "accept_invitation", &[("id", &id)]).await.status(), 404);
        assert_eq!(app.call(&dave, "ignore_invitation", &[("id", &id)]).await.status(), 404);
        assert!(accounts_page(&app, &dave).await["memberships"].as_array().unwrap().is_empty());

        // Carol signs up from the link with that address: once verified, the invitation waits.
        let carol = app.signed_in("carol@example.com").await;
        assert_eq!(accounts_page(&app, &carol).await["invitations"][0]["id"], id);
        assert_eq!(app.call(&carol, "accept_invitation", &[("token", &token)]).await.status(), 200);
    }

    async fn revoked_expired_and_replaced_invitations_fail(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let account = create(&app, &ada, "Acme").await;
        let bob = app.signed_in("bob@example.com").await;
        assert_eq!(invite(&app, &ada, &account, "bob@example.com", "member").await, 200);
        let first = app.link_token("bob@example.com", "/invitation").await;
        let id = first_pending(&app, &ada, &account).await.unwrap();
        assert_eq!(invite(&app, &ada, &account, "bob@example.com", "member").await, 422, "invited already");

        // Sent again: a new link, and the first stops working.
        let res = app.call(&ada, "resend_invitation", &[("account", &account), ("id", &id)]).await;
        assert_eq!(res.status(), 200);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let second = loop {
            let token = app.link_token("bob@example.com", "/invitation").await;
            if token != first { break token; }
            assert!(std::time::Instant::now() < deadline, "no second mail");
            app.work().await;
        };
        assert_eq!(app.call(&bob, "accept_invitation", &[("token", &first)]).await.status(), 404);

        // Expired.
        app.execute("update invitations set expires_at = 1 where id = $1", &[&id]).await;
        assert_eq!(app.call(&bob, "accept_invitation", &[("token", &second)]).await.status(), 404);
        assert!(accounts_page(&app, &bob).await["invitations"].as_array().unwrap().is_empty());
        app.execute("update invitations set expires_at = 99999999999 where id = $1", &[&id]).await;

        // Revoked.
        let res = app.call(&ada, "revoke_invitation", &[("account", &account), ("id", &id)]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(app.call(&bob, "accept_invitation", &[("token", &second)]).await.status(), 404);
        assert_eq!(first_pending(&app, &ada, &account).await, None);
        assert!(accounts_page(&app, &bob).await["memberships"].as_array().unwrap().is_empty());
    }

    async fn the_last_owner_cannot_leave_or_be_demoted_until_there_is_another(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let account = create(&app, &ada, "Acme").await;
        let res = app.call(&ada, "leave_account", &[("id", &account)]).await;
        assert_eq!(res.status(), 409);
        assert!(error_of(res).await.to_string().contains("last Owner"));
        let me = member_id(&app, &ada, &account, "ada@example.com").await;
        let demote = [("account", account.as_str()), ("id", me.as_str()), ("role", "admin"), ("group", "")];
        assert_eq!(app.call(&ada, "change_member", &demote).await.status(), 422);

        let bob = member(&app, &ada, &account, "bob@example.com", "owner").await;
        assert_eq!(app.call(&ada, "leave_account", &[("id", &account)]).await.status(), 200);
        assert!(accounts_page(&app, &ada).await["memberships"].as_array().unwrap().is_empty());
        // Bob is the last Owner now.
        assert_eq!(app.call(&bob, "leave_account", &[("id", &account)]).await.status(), 409);
        assert!(app.database_contents().contains("account_left"));
    }

    async fn a_removed_member_is_refused_on_their_very_next_request(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let account = create(&app, &ada, "Acme").await;
        let bob = member(&app, &ada, &account, "bob@example.com", "admin").await;
        let key = app.create_api_key(&bob, "script", &["accounts:read"], "30").await;
        let members = format!("/api/v1/accounts/{account}/members");
        assert_eq!(app.api(Method::GET, &members, &key).send().await.unwrap().status(), 200);
        assert_eq!(app.call(&bob, "switch_account", &[("id", &account)]).await.status(), 200);

        let bobs = member_id(&app, &ada, &account, "bob@example.com").await;
        let res = app.call(&ada, "remove_member", &[("account", &account), ("id", &bobs)]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(app.call(&bob, "get_manage_page", &[("account", &account), ("page", "1")]).await.status(), 404);
        assert_eq!(app.api(Method::GET, &members, &key).send().await.unwrap().status(), 404);
        assert!(!app.page(&bob, "/settings/profile").await.contains(r#"class="current-account""#));
        assert!(app.database_contents().contains("account_removed"));
    }

    // The table: every Manage action × every role, and someone from outside. A role the matrix
    // does not give `manage_members` is refused (403); an outsider learns nothing (404).
    async fn every_manage_action_is_allowed_exactly_to_the_roles_the_matrix_gives_it(app: TestApp) {
        let owner = app.signed_in("owner@example.com").await;
        let account = create(&app, &owner, "Acme").await;
        let admin = member(&app, &owner, &account, "admin@example.com", "admin").await;
        let billing = member(&app, &owner, &account, "billing@example.com", "billing_manager").await;
        let plain = member(&app, &owner, &account, "member@example.com", "member").await;
        let viewer = member(&app, &owner, &account, "viewer@example.com", "viewer").await;
        let outsider = app.signed_in("outsider@example.com").await;
        let outsiders = create(&app, &outsider, "Elsewhere").await;
        let owner_id = member_id(&app, &owner, &account, "owner@example.com").await;
        let member_uid = member_id(&app, &owner, &account, "member@example.com").await;
        assert_eq!(invite(&app, &owner, &account, "pending@example.com", "viewer").await, 200);
        let page: Value = app.call(&owner, "get_manage_page", &[("account", &account), ("page", "1")]).await.json().await.unwrap();
        let pending = page["invitations"][0]["id"].as_str().unwrap().to_string();

        let people: [(&str, &Client); 6] = [("owner", &owner), ("admin", &admin), ("billing_manager", &billing), ("member", &plain), ("viewer", &viewer), ("outsider", &outsider)];
        // (server function, fields, expected status for owner, admin, billing, member, viewer, outsider)
        let a = account.as_str();
        let table: Vec<(&str, Vec<(&str, &str)>, [u16; 6])> = vec![
            ("get_manage_page", vec![("account", a), ("page", "1")], [200, 200, 403, 403, 403, 404]),
            ("change_member", vec![("account", a), ("id", &member_uid), ("role", "member"), ("group", "Reseller")], [200, 200, 403, 403, 403, 404]),
            ("change_member", vec![("account", a), ("id", &member_uid), ("role", "owner"), ("group", "")], [200, 422, 403, 403, 403, 404]),
            ("change_member", vec![("account", a), ("id", &owner_id), ("role", "admin"), ("group", "")], [422, 403, 403, 403, 403, 404]),
            ("resend_invitation", vec![("account", a), ("id", &pending)], [200, 200, 403, 403, 403, 404]),
            ("remove_member", vec![("account", a), ("id", &owner_id)], [409, 403, 403, 403, 403, 404]),
        ];
        for (function, fields, expected) in &table {
            for (i, (role, client)) in people.iter().enumerate() {
                let res = app.call(client, function, fields).await;
                assert_eq!(res.status().as_u16(), expected[i], "{function} {fields:?} as {role}");
                if *function == "change_member" && fields[2].1 == "owner" && res.status() == 200 {
                    // Put it back for the next row.
                    let back = [("account", a), ("id", member_uid.as_str()), ("role", "member"), ("group", "")];
                    assert_eq!(app.call(&owner, "change_member", &back).await.status(), 200);
                }
            }
        }
        // Inviting: nobody above their own role, only Owners make Owners.
        for (role, expected) in [("viewer", [200, 200, 403, 403, 403, 404]), ("owner", [200, 422, 403, 403, 403, 404])] {
            for (i, (who, client)) in people.iter().enumerate() {
                let email = format!("{who}-invites-{role}@example.com");
                assert_eq!(invite(&app, client, a, &email, role).await, expected[i], "invite {role} as {who}");
            }
        }
        // The audit log as CSV: Owners and Admins only.
        for (i, (who, client)) in people.iter().enumerate() {
            let res = client.get(app.url(&format!("/settings/accounts/{account}/audit.csv"))).send().await.unwrap();
            assert_eq!(res.status().as_u16(), [200, 200, 403, 403, 403, 404][i], "audit.csv as {who}");
            if i == 0 {
                let csv = res.text().await.unwrap();
                assert!(csv.starts_with("time,actor,action,target,detail,ip\r\n") && csv.contains("member_invited"));
            }
        }
        // Ids of another account's things, sent with one's own account: not found.
        let their_invite = {
            assert_eq!(invite(&app, &outsider, &outsiders, "x@example.com", "viewer").await, 200);
            let page: Value = app.call(&outsider, "get_manage_page", &[("account", &outsiders), ("page", "1")]).await.json().await.unwrap();
            page["invitations"][0]["id"].as_str().unwrap().to_string()
        };
        let outsider_id = member_id(&app, &outsider, &outsiders, "outsider@example.com").await;
        for (function, fields) in [
            ("revoke_invitation", vec![("account", a), ("id", their_invite.as_str())]),
            ("resend_invitation", vec![("account", a), ("id", their_invite.as_str())]),
            ("remove_member", vec![("account", a), ("id", outsider_id.as_str())]),
            ("change_member", vec![("account", a), ("id", outsider_id.as_str()), ("role", "viewer"), ("group", "")]),
            ("accept_invitation", vec![("id", their_invite.as_str())]),
        ] {
            assert_eq!(app.call(&owner, function, &fields).await.status(), 404, "{function} with another account's id");
        }
        assert_eq!(app.count("select count(*) from memberships where account_id = $1", &[&outsiders]).await, 1);
    }

    async fn the_rest_api_lists_accounts_and_invitations_and_manages_members_with_the_same_rules(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let account = create(&app, &ada, "Acme").await;
        let bob = app.signed_in("bob@example.com").await;
        let ada_key = app.create_api_key(&ada, "admin script", &["accounts:write"], "30").await;
        let bob_key = app.create_api_key(&bob, "bob script", &["accounts:write"], "30").await;
        let no_scope = app.create_api_key(&bob, "profile only", &["profile:read"], "30").await;

        assert_eq!(app.api(Method::GET, "/api/v1/me/accounts", &no_scope).send().await.unwrap().status(), 403);
        let res = app.api(Method::POST, &format!("/api/v1/accounts/{account}/invitations"), &ada_key)
            .json(&json!({"email": "bob@example.com", "role": "member"})).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let res = app.api(Method::POST, &format!("/api/v1/accounts/{account}/invitations"), &ada_key)
            .json(&json!({"email": "not an address", "role": "member"})).send().await.unwrap();
        assert_eq!(res.status(), 422);

        let list: Value = app.api(Method::GET, "/api/v1/me/invitations", &bob_key).send().await.unwrap().json().await.unwrap();
        let id = list["invitations"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(list["invitations"][0]["account_name"], "Acme");
        // Bob cannot manage before he is in, nor after (a Member).
        assert_eq!(app.api(Method::GET, &format!("/api/v1/accounts/{account}/members"), &bob_key).send().await.unwrap().status(), 404);
        let res = app.api(Method::POST, &format!("/api/v1/me/invitations/{id}/accept"), &bob_key).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let mine: Value = app.api(Method::GET, "/api/v1/me/accounts", &bob_key).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["accounts"][0]["role"], "member");
        assert_eq!(app.api(Method::GET, &format!("/api/v1/accounts/{account}/members"), &bob_key).send().await.unwrap().status(), 403);

        let members: Value = app.api(Method::GET, &format!("/api/v1/accounts/{account}/members"), &ada_key).send().await.unwrap().json().await.unwrap();
        let bobs = members["members"].as_array().unwrap().iter().find(|m| m["email"] == "bob@example.com").unwrap()["user_id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/accounts/{account}/members/{bobs}");
        let res = app.api(Method::PATCH, &path, &ada_key).json(&json!({"group": "Finance"})).send().await.unwrap();
        assert_eq!(res.status(), 204);
        let res = app.api(Method::PATCH, &path, &bob_key).json(&json!({"role": "owner"})).send().await.unwrap();
        assert_eq!(res.status(), 403, "a Member cannot promote themselves");
        let audit: Value = app.api(Method::GET, &format!("/api/v1/accounts/{account}/audit"), &ada_key).send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["entries"][0]["action"], "group_changed");
        assert_eq!(app.api(Method::DELETE, &path, &ada_key).send().await.unwrap().status(), 204);
        assert_eq!(app.api(Method::GET, "/api/v1/me/accounts", &bob_key).send().await.unwrap().json::<Value>().await.unwrap()["accounts"], json!([]));

        let doc: Value = app.api(Method::GET, "/api/v1/openapi.json", &ada_key).send().await.unwrap().json().await.unwrap();
        for path in ["/api/v1/me/accounts", "/api/v1/me/invitations", "/api/v1/accounts/{id}/members/{user}"] {
            assert!(doc["paths"][path].is_object(), "{path} is documented");
        }
    }

    async fn without_javascript_leaving_asks_at_the_account_and_the_last_owner_is_told_there(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let account = create(&app, &ada, "Acme").await;
        let html = app.page(&ada, &format!("/settings/accounts?leave={account}")).await;
        assert!(html.contains("Leave Acme?") && html.contains("You will need a new invitation to come back."));
        let back = app.post_form(&ada, "leave_account", "/settings/accounts", &[("id", &account)]).await;
        let html = app.page(&ada, &back).await;
        assert!(html.contains("You are the last Owner of this account"), "the refusal shows at the account");
        assert!(html.contains(&format!(r#"id="leave-{account}""#)));

        let back = app.post_form(&ada, "create_account", "/settings/accounts", &[("name", "Second")]).await;
        assert!(back.starts_with("/settings/accounts?done=created"));
        assert!(app.page(&ada, &back).await.contains("Account created. You are its Owner."));
    }
}

async fn sign_in(app: &TestApp, email: &str) -> Client {
    let (client, res) = app.sign_in(email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    client
}

/// Confirms the password, then asks for a key (for `account`, "" for a personal one).
async fn key_for(
    app: &TestApp,
    client: &Client,
    account: &str,
    scopes: &[&str],
) -> reqwest::Response {
    assert_eq!(
        app.call(client, "confirm_password", &[("password", PASSWORD)])
            .await
            .status(),
        200
    );
    let mut fields = vec![
        ("name", "script"),
        ("expires_in", "30"),
        ("account", account),
    ];
    fields.extend(scopes.iter().map(|s| ("scopes[]", *s)));
    app.call(client, "create_api_key", &fields).await
}

async fn keys_page(app: &TestApp, client: &Client) -> Value {
    app.call(client, "list_api_keys", &[])
        .await
        .json()
        .await
        .unwrap()
}

async fn set_policies(
    app: &TestApp,
    client: &Client,
    account: &str,
    fields: &[(&str, &str)],
) -> u16 {
    let mut all = vec![("account", account)];
    all.extend_from_slice(fields);
    app.call(client, "set_account_policies", &all)
        .await
        .status()
        .as_u16()
}

on_both_databases! {
    async fn the_two_factor_policy_holds_out_members_without_it_everywhere_until_they_turn_it_on(app: TestApp) {
        let (owner, _, _) = crate::mfa::enrolled(&app, "owner@example.com").await;
        let account = create(&app, &owner, "Acme").await;
        let admin = member(&app, &owner, &account, "admin@example.com", "admin").await;
        let key = app.create_api_key(&admin, "script", &["accounts:read"], "30").await;
        assert_eq!(set_policies(&app, &owner, &account, &[("require_mfa", "on"), ("grace_days", "0")]).await, 200);
        app.wait_for_mail("admin@example.com", "now requires two-factor sign-in").await;
        assert_eq!(app.mail_count("owner@example.com", "now requires two-factor sign-in"), 0, "only those without it are told");

        let res = app.call(&admin, "get_manage_page", &[("account", &account), ("page", "1")]).await;
        assert_eq!(res.status(), 403);
        assert_eq!(error_of(res).await, profile_center::error::AppError::TwoFactorRequired("Acme".into()));
        assert_eq!(app.call(&admin, "switch_account", &[("id", &account)]).await.status(), 403);
        let members = format!("/api/v1/accounts/{account}/members");
        assert_eq!(app.api(Method::GET, &members, &key).send().await.unwrap().status(), 403);
        let page = accounts_page(&app, &admin).await;
        assert_eq!((page["memberships"][0]["blocked"].as_bool(), page["memberships"][0]["current"].as_bool()), (Some(true), Some(false)));
        let html = app.page(&admin, "/settings/accounts").await;
        assert!(html.contains("Acme requires two-factor sign-in") && html.contains("/settings/security?required=1#mfa"));
        assert!(!html.contains(r#"class="current-account""#), "the console does not work in it");
        // Someone held out can still leave, and still answers for nothing else: their other accounts work.
        let own = create(&app, &admin, "Admin's own").await;
        assert_eq!(app.call(&admin, "get_manage_page", &[("account", &own), ("page", "1")]).await.status(), 200);

        crate::mfa::enrol(&app, &admin).await;
        assert_eq!(app.call(&admin, "get_manage_page", &[("account", &account), ("page", "1")]).await.status(), 200);
        assert_eq!(app.api(Method::GET, &members, &key).send().await.unwrap().status(), 200);

        // A member who joins by invitation is held to it too; a grace period lets them in until it ends.
        let newcomer = member(&app, &owner, &account, "new@example.com", "member").await;
        assert_eq!(accounts_page(&app, &newcomer).await["memberships"][0]["blocked"], true);
        assert_eq!(set_policies(&app, &owner, &account, &[("require_mfa", "on"), ("grace_days", "7")]).await, 200);
        let page = accounts_page(&app, &newcomer).await;
        assert_eq!(page["memberships"][0]["blocked"], false);
        assert!(page["memberships"][0]["mfa_due"].as_i64().unwrap() > 0);
        assert_eq!(set_policies(&app, &owner, &account, &[("require_mfa", "on"), ("grace_days", "91")]).await, 422);
        assert_eq!(set_policies(&app, &admin, &account, &[("grace_days", "0")]).await, 200, "an Admin turns it off");
        assert_eq!(accounts_page(&app, &newcomer).await["memberships"][0]["mfa_due"], Value::Null);
        assert_eq!(set_policies(&app, &newcomer, &account, &[("require_mfa", "on")]).await, 403, "a Member does not set policies");

        // Nobody locks themselves out: turning it on needs it on oneself first.
        let plain = app.signed_in("plain@example.com").await;
        let theirs = create(&app, &plain, "Plain").await;
        assert_eq!(set_policies(&app, &plain, &theirs, &[("require_mfa", "on")]).await, 422);
        assert!(app.database_contents().contains("policy_changed"));
    }

    async fn keys_for_an_account_that_needs_approval_wait_for_an_admins_yes_and_act_only_there(app: TestApp) {
        let owner = app.signed_in("owner@example.com").await;
        let account = create(&app, &owner, "Acme").await;
        let other = create(&app, &owner, "Other").await;
        let dev = member(&app, &owner, &account, "dev@example.com", "member").await;
        let viewer = member(&app, &owner, &account, "viewer@example.com", "viewer").await;
        assert_eq!(set_policies(&app, &owner, &account, &[("api_approval", "on")]).await, 200);

        let res = key_for(&app, &dev, &account, &["accounts:read"]).await;
        assert_eq!(res.status(), 422);
        assert!(error_of(res).await.field_errors().unwrap().get("account").is_some());
        assert_eq!(keys_page(&app, &dev).await["accounts"][0]["access"], "not_requested");
        assert_eq!(key_for(&app, &viewer, &account, &["accounts:read"]).await.status(), 422, "a Viewer's role has no keys");
        assert_eq!(keys_page(&app, &viewer).await["accounts"], json!([]));

        let ask = |reason: &'static str| {
            let (app, dev, account) = (&app, dev.clone(), account.clone());
            async move { app.call(&dev, "request_api_access", &[("account", &account), ("reason", reason)]).await.status() }
        };
        assert_eq!(ask("  ").await, 422);
        assert_eq!(ask("CI deploys").await, 200);
        assert_eq!(keys_page(&app, &dev).await["accounts"][0]["access"], "pending");
        let manage: Value = app.call(&owner, "get_manage_page", &[("account", &account), ("page", "1")]).await.json().await.unwrap();
        assert_eq!(manage["access_requests"][0]["reason"], "CI deploys");
        let dev_id = manage["access_requests"][0]["user_id"].as_str().unwrap().to_string();
        assert_eq!(app.call(&dev, "decide_api_access", &[("account", &account), ("id", &dev_id), ("approve", "1")]).await.status(), 403, "nobody approves themselves");

        assert_eq!(app.call(&owner, "decide_api_access", &[("account", &account), ("id", &dev_id)]).await.status(), 200);
        assert_eq!(keys_page(&app, &dev).await["accounts"][0]["access"], "declined");
        assert_eq!(key_for(&app, &dev, &account, &["accounts:read"]).await.status(), 422);
        assert_eq!(app.call(&owner, "decide_api_access", &[("account", &account), ("id", &dev_id)]).await.status(), 404, "decided once");
        assert_eq!(ask("CI deploys, please").await, 200);
        assert_eq!(app.call(&owner, "decide_api_access", &[("account", &account), ("id", &dev_id), ("approve", "1")]).await.status(), 200);
        assert_eq!(key_for(&app, &dev, &account, &["accounts:read"]).await.status(), 200);
        let keys = keys_page(&app, &dev).await;
        assert_eq!(keys["keys"][0]["account"][1], "Acme");
        assert!(app.database_contents().contains("api_access_decided"));

        // A key for an account acts only there.
        let key = app.create_api_key(&owner, "personal", &["accounts:read"], "30").await;
        assert_eq!(key_for(&app, &owner, &account, &["accounts:read"]).await.status(), 200);
        let bound = find_key(&app.page(&owner, "/settings/api-keys").await).unwrap();
        let path = |id: &str| format!("/api/v1/accounts/{id}/members");
        assert_eq!(app.api(Method::GET, &path(&account), &bound).send().await.unwrap().status(), 200);
        assert_eq!(app.api(Method::GET, &path(&other), &bound).send().await.unwrap().status(), 404);
        assert_eq!(app.api(Method::GET, &path(&other), &key).send().await.unwrap().status(), 200);
        let mine: Value = app.api(Method::GET, "/api/v1/me/accounts", &bound).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["accounts"].as_array().unwrap().len(), 1);
        // Someone else's account id in the form: not one of theirs.
        assert_eq!(key_for(&app, &viewer, &other, &["accounts:read"]).await.status(), 422);
    }

    async fn billing_profiles_are_made_and_assigned_by_those_who_manage_billing(app: TestApp) {
        let owner = app.signed_in("owner@example.com").await;
        let account = create(&app, &owner, "Acme").await;
        let plain = member(&app, &owner, &account, "member@example.com", "member").await;
        let make = |client: &Client, name: &'static str, email: &'static str| {
            let (app, client, account) = (&app, client.clone(), account.clone());
            async move { app.call(&client, "create_billing_profile", &[("account", &account), ("name", name), ("email", email)]).await.status() }
        };
        assert_eq!(make(&owner, "Finance EU", "not an address").await, 422);
        assert_eq!(make(&plain, "Mine", "me@example.com").await, 403);
        assert_eq!(make(&owner, "Finance EU", "billing@acme.example").await, 200);
        let manage: Value = app.call(&owner, "get_manage_page", &[("account", &account), ("page", "1")]).await.json().await.unwrap();
        let profile = manage["billing"][0]["id"].as_str().unwrap().to_string();
        let plain_id = member_id(&app, &owner, &account, "member@example.com").await;
        let assign = [("account", account.as_str()), ("profile", profile.as_str()), ("id", plain_id.as_str()), ("on", "1")];
        assert_eq!(app.call(&plain, "assign_billing", &assign).await.status(), 403);
        assert_eq!(app.call(&owner, "assign_billing", &assign).await.status(), 200);
        let page = accounts_page(&app, &plain).await;
        assert_eq!(page["billing"], json!([["Finance EU", "billing@acme.example"]]));
        assert!(app.page(&plain, "/settings/accounts").await.contains("Finance EU (billing@acme.example)"));
        assert!(app.database_contents().contains("account_billing_changed"));

        // Ids of another account's profile, or of someone who is not a member: not found.
        let stranger = app.signed_in("stranger@example.com").await;
        let theirs = create(&app, &stranger, "Theirs").await;
        assert_eq!(app.call(&stranger, "create_billing_profile", &[("account", &theirs), ("name", "T"), ("email", "t@example.com")]).await.status(), 200);
        let their_profile: Value = app.call(&stranger, "get_manage_page", &[("account", &theirs), ("page", "1")]).await.json().await.unwrap();
        let their_profile = their_profile["billing"][0]["id"].as_str().unwrap().to_string();
        let cross = [("account", account.as_str()), ("profile", their_profile.as_str()), ("id", plain_id.as_str()), ("on", "1")];
        assert_eq!(app.call(&owner, "assign_billing", &cross).await.status(), 404);
        let stranger_id = member_id(&app, &stranger, &theirs, "stranger@example.com").await;
        let outsider = [("account", account.as_str()), ("profile", profile.as_str()), ("id", stranger_id.as_str()), ("on", "1")];
        assert_eq!(app.call(&owner, "assign_billing", &outsider).await.status(), 404);

        // Taken off again.
        let off = [("account", account.as_str()), ("profile", profile.as_str()), ("id", plain_id.as_str())];
        assert_eq!(app.call(&owner, "assign_billing", &off).await.status(), 200);
        assert_eq!(accounts_page(&app, &plain).await["billing"], json!([]));
    }
}
