//! `/verify-email?token=…`: where the link in a verification e-mail leads. Opening it changes
//! nothing (mail scanners open links too); the button posts the token, once.

use crate::i18n::t;
use crate::i18n::Msg;
use crate::{
    api::contacts::VerifyEmail,
    ui::components::{
        enhance::Enhanced,
        form::{url_error, FormAlert, SubmitButton},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let done = query.get("done").is_some();
    let token = query.get("token").unwrap_or_default();
    let error = url_error::<VerifyEmail>();
    view! {
        <Title text=t(Msg::VerifyYourEMailAddressProfile)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::VerifyYourEMailAddress)}</h1>
            {if done {
                view! {
                    <p class="status" role="status">{t(Msg::ThankYouTheAddressIsVerified)}</p>
                    <p><a href="/settings/profile#emails">{t(Msg::GoToYourProfile)}</a></p>
                }.into_any()
            } else {
                view! {
                    <Enhanced>
                        <form method="post" action=VerifyEmail::url() class="stack">
                            <FormAlert error=error/>
                            <p>{t(Msg::ConfirmThatThisAddressBelongsTo)}</p>
                            <input type="hidden" name="token" value=token/>
                            <SubmitButton label=Msg::VerifyAddress pending_label=Msg::Verifying/>
                        </form>
                    </Enhanced>
                }.into_any()
            }}
        </main>
    }
}
