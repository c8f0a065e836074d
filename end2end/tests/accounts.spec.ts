import { generateSync } from 'otplib';
import type { Page } from '@playwright/test';
import { test, expect, uniqueEmail, expectAccessible, ready, PASSWORD } from './fixtures';
import { AccountsTab, ApiKeysTab, AuthPages, ProfileTab, SecurityTab, mailedLink, pressConfirming } from './pages';

test('invite → badge → accept from the mail → switch → permissions; leave; the last Owner stays', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const admin = uniqueEmail(testInfo);
  const invited = admin.replace('@', '.invited@');
  const acme = `Acme ${testInfo.project.name}`;
  const own = `Zeta ${testInfo.project.name}`;
  const auth = new AuthPages(page);
  const accounts = new AccountsTab(page);

  // An admin creates an account and invites someone as a Member.
  await auth.createAccount(admin);
  await accounts.open();
  await expect(page.getByText('You do not belong to any account yet.')).toBeVisible();
  await expectAccessible(page);
  await accounts.create(acme);
  await expect(accounts.account(acme)).toContainText('Current');
  await expect(accounts.account(acme)).toContainText('Owner');
  await expect(page.locator('.current-account')).toHaveText(`Current account: ${acme}`);
  await expectAccessible(page);
  await accounts.manage(acme);
  await expectAccessible(page);
  await accounts.invite(invited, 'Member');
  const pending = page.getByRole('region', { name: 'Pending invitations' });
  await expect(pending.getByRole('listitem').filter({ hasText: invited })).toContainText('Member');
  await expect(page.getByRole('region', { name: 'Audit log', exact: true })).toContainText('Member invited');
  await expectAccessible(page);
  await auth.signOut();

  // The invited person signs up with that address: the badge shows on the tab and in the menu.
  await auth.createAccount(invited);
  const nav = page.getByRole('navigation', { name: 'Settings' });
  await expect(nav.getByRole('link', { name: 'Accounts (1 invitations waiting)' })).toBeVisible();
  await accounts.open();
  await accounts.create(own);
  await expect(page.getByRole('region', { name: 'Account invites' })).toContainText(acme);
  await expectAccessible(page);

  // Accepting from the mail's link.
  await page.goto(await mailedLink(invited, '/invitation'));
  await ready(page);
  await expect(page.getByRole('heading', { name: acme })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Welcome: you are now a member' })).toBeVisible();
  await ready(page);
  await expect(accounts.account(acme)).toContainText('Member');
  await expect(nav.getByRole('link', { name: 'Accounts', exact: true })).toBeVisible();
  // The session still works in the account it chose; switching moves it.
  await expect(accounts.account(own)).toContainText('Current');
  await page.getByRole('button', { name: `Switch to ${acme}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Switched' })).toBeVisible();
  await ready(page);
  await expect(accounts.account(acme)).toContainText('Current');
  await expect(page.locator('.current-account')).toHaveText(`Current account: ${acme}`);
  const permissions = page.getByRole('table', { name: 'What the role Member may do' });
  await expect(permissions.getByRole('row', { name: /Invite, change and remove members/ })).toContainText('No');
  await expect(permissions.getByRole('row', { name: /Create API keys for this account/ })).toContainText('Yes');
  await expect(page.getByRole('link', { name: `Manage ${acme}` })).toHaveCount(0);
  await expectAccessible(page);

  // Leaving asks first; the last Owner of their own account is told to hand it over.
  await accounts.leave(acme);
  await expect(page.getByRole('status').filter({ hasText: 'You left the account.' })).toBeVisible();
  await expect(accounts.account(acme)).toHaveCount(0);
  await ready(page);
  await accounts.leave(own);
  await expect(page.getByRole('alert').filter({ hasText: 'You are the last Owner of this account' })).toBeVisible();
  await expect(accounts.account(own)).toHaveCount(1);
  await expectAccessible(page);
});

test('an Admin changes a member\'s role and group at that member, and removing asks first', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const owner = uniqueEmail(testInfo);
  const second = owner.replace('@', '.second@');
  const name = `Team ${testInfo.project.name}`;
  const auth = new AuthPages(page);
  const accounts = new AccountsTab(page);
  await auth.createAccount(second);
  await auth.signOut();
  await auth.createAccount(owner);
  await accounts.open();
  await accounts.create(name);
  await accounts.manage(name);
  await accounts.invite(second, 'Viewer');
  await auth.signOut();

  // The second person accepts from the tab's list.
  await page.goto('/signin');
  await auth.signIn(second, PASSWORD);
  await new ProfileTab(page).expectLoaded();
  await accounts.open();
  await page.getByRole('button', { name: `Accept the invitation to ${name}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Welcome' })).toBeVisible();
  await auth.signOut();

  await page.goto('/signin');
  await auth.signIn(owner, PASSWORD);
  await new ProfileTab(page).expectLoaded();
  await accounts.open();
  await accounts.manage(name);
  const members = page.getByRole('region', { name: 'Members' });
  const card = members.getByRole('listitem').filter({ hasText: second });
  await card.getByRole('link', { name: /^Edit / }).click();
  await ready(page);
  await card.getByLabel('Role').selectOption({ label: 'Billing manager' });
  await card.getByLabel('Group').fill('Finance');
  await expectAccessible(page);
  await card.getByRole('button', { name: 'Save member' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Member saved.' })).toBeVisible();
  await ready(page);
  await expect(card).toContainText('Billing manager');
  await expect(card).toContainText('Finance');
  await expect(page.getByRole('region', { name: 'Audit log', exact: true })).toContainText('Role changed');

  await card.getByRole('link', { name: /^Remove / }).click();
  const question = page.getByRole('group', { name: /^Remove .* from this account\?/ });
  await expect(question).toContainText('They lose access at once');
  await ready(page);
  await expectAccessible(page);
  await question.getByRole('button', { name: /^Yes, remove / }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Member removed' })).toBeVisible();
  await expect(members.getByRole('listitem').filter({ hasText: second })).toHaveCount(0);
  await expectAccessible(page);
});

/** Codes from an independent TOTP implementation (otplib), `steps` 30-second steps after `t0`. */
function codeAt(secret: string, t0: number, steps: number): string {
  return generateSync({ secret, epoch: t0 + steps * 30 });
}

/** Turns on two-factor sign-in from the Security tab; returns the key and when it was read. */
async function enrol(page: Page): Promise<{ key: string; t0: number }> {
  const section = page.getByRole('region', { name: 'Two-factor sign-in' });
  await pressConfirming(page, () => section.getByRole('button', { name: 'Set up an authenticator app' }).click());
  const key = (await section.locator('code.manual-key').innerText()).replace(/\s+/g, '');
  const t0 = Math.floor(Date.now() / 1000);
  await section.getByLabel('Authentication code').fill(codeAt(key, t0, 0));
  await section.getByRole('button', { name: 'Turn on' }).click();
  await expect(section).toContainText('Recovery codes left: 10.');
  await ready(page);
  return { key, t0 };
}

/** Signs in with the password and the authenticator's next code. */
async function signInWithCode(page: Page, email: string, mfa: { key: string; t0: number }) {
  await page.goto('/signin');
  await new AuthPages(page).signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/signin\/mfa/);
  await page.getByLabel('Authentication code').fill(codeAt(mfa.key, mfa.t0, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
}

test('an account that requires two-factor sign-in sends a member to turn it on, then lets them in; API access is asked for and approved', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const owner = uniqueEmail(testInfo);
  const dev = owner.replace('@', '.dev@');
  const acme = `Strict ${testInfo.project.name}`;
  const auth = new AuthPages(page);
  const accounts = new AccountsTab(page);

  // The owner turns on two-factor sign-in for themselves, then both policies, and invites.
  await auth.createAccount(owner);
  await new SecurityTab(page).open();
  const ownerMfa = await enrol(page);
  await accounts.open();
  await accounts.create(acme);
  await accounts.manage(acme);
  await accounts.invite(dev, 'Member');
  const policies = page.getByRole('region', { name: 'Policies' });
  await policies.getByLabel('Require two-factor sign-in').check();
  await policies.getByLabel('Grace period (days)').fill('0');
  await policies.getByLabel('API access needs approval').check();
  await expectAccessible(page);
  await policies.getByRole('button', { name: 'Save policies' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Policies saved.' })).toBeVisible();
  await ready(page);
  await expect(page.getByRole('region', { name: 'Policies' }).getByLabel('Require two-factor sign-in')).toBeChecked();
  await auth.signOut();

  // The member joins and is held out until they turn it on.
  await auth.createAccount(dev);
  await accounts.open();
  await page.getByRole('button', { name: `Accept the invitation to ${acme}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Welcome' })).toBeVisible();
  await ready(page);
  const card = accounts.account(acme);
  await expect(card).toContainText(`${acme} requires two-factor sign-in`);
  await expect(card.getByRole('button', { name: `Switch to ${acme}` })).toHaveCount(0);
  await expectAccessible(page);
  await card.getByRole('link', { name: 'Turn on two-factor sign-in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Security' })).toBeVisible();
  await expect(page.getByRole('note').filter({ hasText: 'An account you belong to requires two-factor sign-in' })).toBeVisible();
  await ready(page);
  await expectAccessible(page);
  const devMfa = await enrol(page);
  await accounts.open();
  await expect(card).not.toContainText('requires two-factor sign-in');
  // Its only account, open to it now: the current one.
  await expect(card).toContainText('Current');
  await expect(page.locator('.current-account')).toHaveText(`Current account: ${acme}`);

  // Keys for the account wait for approval: the member asks, with a reason.
  await new ApiKeysTab(page).open();
  const access = page.getByRole('region', { name: 'API access' });
  await expect(access).toContainText('Not requested yet');
  await access.getByLabel('Reason').fill('Deploys from CI');
  await access.getByRole('button', { name: `Request API access to ${acme}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Request sent' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'API access' })).toContainText('Awaiting approval');
  await expectAccessible(page);
  await auth.signOut();

  // The owner approves it on the Manage page.
  await signInWithCode(page, owner, ownerMfa);
  await accounts.open();
  await accounts.manage(acme);
  const requests = page.getByRole('region', { name: 'API access requests' });
  await expect(requests).toContainText('Deploys from CI');
  await expectAccessible(page);
  await requests.getByRole('button', { name: /^Approve API access for / }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Decision saved' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'API access requests' })).toContainText('No requests are waiting.');
  await auth.signOut();

  // Now the member's new key can be for the account.
  await signInWithCode(page, dev, devMfa);
  const keys = new ApiKeysTab(page);
  await keys.open();
  await expect(page.getByRole('region', { name: 'API access' })).toHaveCount(0);
  await keys.startNew();
  await page.getByLabel('Name').fill('ci');
  await keys.scope('accounts:read').check();
  await page.getByLabel('Account', { exact: true }).selectOption({ label: acme });
  await expectAccessible(page);
  await pressConfirming(page, () => page.getByRole('button', { name: 'Generate key' }).click());
  await expect(keys.newKey()).toBeVisible();
  await expect(keys.key('ci')).toContainText(acme);
});
