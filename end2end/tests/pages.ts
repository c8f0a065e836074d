import { expect, type Page } from '@playwright/test';
import { expectAccessible, ready, waitForMail, jsEnabled, PASSWORD } from './fixtures';

/**
 * Presses a button whose action needs a fresh confirmation while none is open, and confirms.
 * With JavaScript the server's refusal opens the "Confirm it is you" dialog, and confirming
 * there sends the form again by itself; without, the form comes back with the password step
 * inside it, and pressing the same button again confirms and acts in one post. Checks each
 * state with axe.
 */
export async function pressConfirming(page: Page, press: () => Promise<void>, password = PASSWORD) {
  await press();
  if (jsEnabled()) {
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Current password')).toBeFocused();
    await expectAccessible(page);
    await dialog.getByLabel('Current password').fill(password);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect(dialog).toBeHidden();
  } else {
    const step = page.getByRole('group', { name: 'Confirm it is you' });
    await expect(step).toBeVisible();
    await expectAccessible(page);
    await step.getByLabel('Current password').fill(password);
    await press();
  }
}

/** The path and query of the newest link to `path` (e.g. `/signup/verify`) mailed to `to`. */
export async function mailedLink(to: string, path: string): Promise<string> {
  // Quoted-printable writes "=" as "=3D".
  const mail = (await waitForMail(to, `${path}?token`)).replace(/=3D/g, '=');
  const escaped = path.replace(/[/?]/g, (c) => `\\${c}`);
  const link = mail.match(new RegExp(`https?://[^\\s"<]+${escaped}\\?token=[A-Za-z0-9_-]+`))![0];
  return new URL(link).pathname + new URL(link).search;
}

/** The sign-up and sign-in pages, found by their labels and roles as a person would. */
export class AuthPages {
  constructor(private page: Page) {}

  /**
   * Signs up from the page shown, then finishes with the link mailed to the address (asking for
   * the password again), as a newcomer would: ends on the Profile tab, signed in.
   */
  async signUp(email: string, password: string, first = 'Ada', last = 'Lovelace') {
    await ready(this.page);
    await expectAccessible(this.page);
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('First name').fill(first);
    await this.page.getByLabel('Last name').fill(last);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    await expect(this.page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
    await expectAccessible(this.page);
    await this.page.goto(await mailedLink(email, '/signup/verify'));
    await ready(this.page);
    await expectAccessible(this.page);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Finish and sign in' }).click();
  }

  /** Creates an account with the suite's password and lands on the Profile tab. */
  async createAccount(email: string) {
    await this.page.goto('/signup');
    await this.signUp(email, PASSWORD);
    await new ProfileTab(this.page).expectLoaded();
  }

  async signIn(email: string, password: string) {
    await ready(this.page);
    await expectAccessible(this.page);
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  async signOut() {
    await this.page.getByLabel(/^Account menu for /).click();
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await expect(this.page).toHaveURL(/\/signin\?signed_out=1$/);
    await expect(this.page.getByRole('status')).toHaveText('You have signed out.');
  }
}

/** The Profile tab. */
export class ProfileTab {
  constructor(private page: Page) {}

  firstName = () => this.page.getByLabel('First name');
  lastName = () => this.page.getByLabel('Last name');
  jobFunction = () => this.page.getByLabel('Job function');
  phone = () => this.page.getByLabel('Phone number');
  dashboard = () => this.page.getByLabel('Default dashboard');
  save = () => this.page.getByRole('button', { name: 'Save' });

  async expectLoaded() {
    await expect(this.page).toHaveURL(/\/settings\/profile/);
    await expect(this.page.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
    await ready(this.page);
  }
}

/** The Sessions tab. */
export class SessionsTab {
  constructor(private page: Page) {}

  async open() {
    await this.page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Sessions' }).click();
    await expect(this.page).toHaveURL(/\/settings\/sessions$/);
    await expect(this.page.getByRole('heading', { level: 1, name: 'Sessions' })).toBeVisible();
    await ready(this.page);
  }

  active = () => this.page.getByRole('region', { name: 'Active sessions' }).getByRole('listitem');
  ended = () => this.page.getByRole('region', { name: 'Ended sessions' }).getByRole('listitem');

}

/** The Security tab. */
export class SecurityTab {
  constructor(private page: Page) {}

  async open() {
    await this.page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click();
    await expect(this.page).toHaveURL(/\/settings\/security/);
    await expect(this.page.getByRole('heading', { level: 1, name: 'Security' })).toBeVisible();
    await ready(this.page);
  }

  passwordForm = () => this.page.locator('form', { has: this.page.getByRole('button', { name: 'Change password' }) });

  async changePassword(current: string, next: string, confirm = next) {
    await this.passwordForm().getByLabel('Current password').fill(current);
    await this.page.getByLabel('New password', { exact: true }).fill(next);
    await this.page.getByLabel('Confirm new password').fill(confirm);
    await this.page.getByRole('button', { name: 'Change password' }).click();
  }

  log = () => this.page.getByRole('table', { name: 'Security events, newest first' });
}

/** The API keys tab. */
export class ApiKeysTab {
  constructor(private page: Page) {}

  async open() {
    await this.page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API keys' }).click();
    await expect(this.page).toHaveURL(/\/settings\/api-keys/);
    await expect(this.page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();
    await ready(this.page);
  }

  /** Opens the new-key form (a link, so it works the same without JavaScript). */
  async startNew() {
    const link = this.page.getByRole('link', { name: 'Generate a key' });
    if ((await link.count()) === 0) return; // open already
    await link.click();
    await expect(this.page.getByRole('heading', { name: 'Generate a key' })).toBeVisible();
    await ready(this.page);
  }

  scope = (name: string) => this.page.getByRole('checkbox', { name: new RegExp(`^${name} `) });
  newKey = () => this.page.getByRole('region', { name: /^Your new key/ });
  keys = () => this.page.getByRole('region', { name: 'Your keys' }).getByRole('listitem');
  key = (name: string) => this.keys().filter({ has: this.page.getByRole('heading', { name: new RegExp(`^${name}`) }) });

  /**
   * Generates a key and returns its full text, read off the one-time display; confirms the
   * password on the way unless a confirmation is open (`confirmed`).
   */
  async generate(name: string, scopes: string[], confirmed = false) {
    await this.startNew();
    await this.page.getByLabel('Name').fill(name);
    for (const scope of scopes) await this.scope(scope).check();
    await expect(this.page.getByLabel('Expires')).toHaveValue('90');
    const press = () => this.page.getByRole('button', { name: 'Generate key' }).click();
    if (confirmed) await press();
    else await pressConfirming(this.page, press);
    await expect(this.newKey()).toBeVisible();
    await expect(this.newKey()).toContainText('It will not be shown again');
    return (await this.newKey().locator('code').textContent())!.trim();
  }
}

/** The Notifications tab. */
export class NotificationsTab {
  constructor(private page: Page) {}

  async open() {
    await this.page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Notifications' }).click();
    await expect(this.page).toHaveURL(/\/settings\/notifications/);
    await expect(this.page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
    await ready(this.page);
  }

  topic = (name: string) => this.page.getByRole('group', { name });
  channel = (topic: string, channel: 'E-mail' | 'In-app') => this.topic(topic).getByRole('checkbox', { name: channel });
  save = () => this.page.getByRole('button', { name: 'Save notification settings' });
  inbox = () => this.page.getByRole('region', { name: /^Inbox/ });
  items = () => this.inbox().getByRole('listitem');
  bell = () => this.page.getByRole('link', { name: /^Notifications: / });
}

/** The Preferences tab. */
export class PreferencesTab {
  constructor(private page: Page) {}

  async open() {
    await this.page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Preferences' }).click();
    await expect(this.page).toHaveURL(/\/settings\/preferences/);
    await expect(this.page.getByRole('heading', { level: 1, name: 'Preferences' })).toBeVisible();
    await ready(this.page);
  }

  timeZone = () => this.page.getByRole('combobox', { name: 'Time zone' });
  save = () => this.page.getByRole('button', { name: 'Save preferences' });
}

/** The Accounts tab and an account's Manage page. */
export class AccountsTab {
  constructor(private page: Page) {}

  async open() {
    await this.page.goto('/settings/accounts');
    await expect(this.page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    await ready(this.page);
  }

  /** The card of one of the person's accounts (or an invitation), by the account's name. */
  account(name: string) {
    return this.page.getByRole('region', { name: 'Your accounts' }).getByRole('listitem').filter({ has: this.page.getByRole('heading', { name }) });
  }

  async create(name: string) {
    await this.page.getByLabel('Account name').fill(name);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    await expect(this.page.getByRole('status').filter({ hasText: 'Account created. You are its Owner.' })).toBeVisible();
    await ready(this.page);
  }

  /** Leaves an account, answering the question; returns the card (for a refusal shown there). */
  async leave(name: string) {
    await this.page.getByRole('link', { name: `Leave ${name}` }).click();
    const question = this.page.getByRole('group', { name: `Leave ${name}?` });
    await expect(question).toContainText('You will need a new invitation to come back.');
    await ready(this.page);
    await expectAccessible(this.page);
    await question.getByRole('button', { name: `Yes, leave ${name}` }).click();
    return question;
  }

  async manage(name: string) {
    await this.page.getByRole('link', { name: `Manage ${name}` }).click();
    await expect(this.page.getByRole('heading', { level: 1, name: `Manage ${name}` })).toBeVisible();
    await ready(this.page);
  }

  async invite(email: string, role: string) {
    const form = this.page.getByRole('region', { name: 'Invite someone' });
    await form.getByLabel('E-mail address').fill(email);
    await form.getByLabel('Role').selectOption({ label: role });
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await expect(this.page.getByRole('status').filter({ hasText: 'Invitation sent.' })).toBeVisible();
    await ready(this.page);
  }
}
