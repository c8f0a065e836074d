import { test, expect, PASSWORD, uniqueEmail, expectAccessible, ready, waitForMail } from './fixtures';
import { AuthPages, NotificationsTab } from './pages';
import { PLATFORM_KEY } from '../constants';

test('subscriptions decide where platform events go: bell, inbox and e-mail', async ({ page, request }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await new AuthPages(page).createAccount(email);
  const tab = new NotificationsTab(page);
  await tab.open();
  await expectAccessible(page);

  // Defaults: builds off; security e-mail locked on.
  await expect(tab.channel('Pipeline builds', 'In-app')).not.toBeChecked();
  await expect(tab.channel('Security notices', 'E-mail')).toBeChecked();
  await expect(tab.channel('Security notices', 'E-mail')).toBeDisabled();
  await tab.channel('Pipeline builds', 'In-app').check();
  await tab.channel('Pipeline builds', 'E-mail').check();
  await tab.topic('Pipeline builds').getByLabel('Which builds').selectOption('both');
  await tab.channel('News and announcements', 'In-app').uncheck();
  await tab.save().click();
  await expect(page.getByRole('status').filter({ hasText: 'Notification settings saved.' })).toBeVisible();
  await page.reload();
  await expect(tab.channel('Pipeline builds', 'E-mail')).toBeChecked();
  await expect(tab.channel('News and announcements', 'In-app')).not.toBeChecked();

  // The platform reports a build and some news.
  const post = (data: object) =>
    request.post('/api/v1/events', { headers: { Authorization: `Bearer ${PLATFORM_KEY}` }, data });
  const id = `${testInfo.project.name}-${Date.now()}`;
  const build = await post({
    id: `build-${id}`, type: 'build.finished', users: [email],
    data: { pipeline: 'web', build_id: `b-${id}`, status: 'success', trigger: 'push', link: '/settings/profile' },
  });
  expect(build.status()).toBe(202);
  const news = await post({ id: `news-${id}`, type: 'news.published', users: [email], data: { title: 'Muted news', body: '…' } });
  expect(news.status()).toBe(202);

  await page.goto('/settings/profile');
  await expect(tab.bell()).toHaveAccessibleName('Notifications: 1 unread');
  await tab.bell().click();
  await expect(page).toHaveURL(/\/settings\/notifications\/inbox$/);
  await ready(page);
  await expect(tab.items()).toHaveCount(1);
  await expect(tab.items().first()).toContainText(`Build b-${id} of web succeeded`);
  await expectAccessible(page);
  await waitForMail(email, `Build b-${id} of web succeeded`);

  await tab.items().first().getByRole('button', { name: /^Mark as read/ }).click();
  await expect(page.getByRole('heading', { name: 'Inbox', exact: true })).toBeVisible();
  await expect(tab.bell()).toHaveAccessibleName('Notifications: none unread');
});

test('test notifications arrive in the inbox and by e-mail', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await new AuthPages(page).createAccount(email);
  const tab = new NotificationsTab(page);
  await tab.open();
  await page.getByRole('button', { name: 'Send me a test in-app notification' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Test notification added' })).toBeVisible();
  await expect(tab.items().first()).toContainText('Test notification');
  await ready(page);
  await page.getByRole('button', { name: 'Send me a test e-mail' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Test e-mail sent' })).toBeVisible();
  await waitForMail(email, 'This is the test you asked for');
  await page.getByRole('button', { name: 'Mark all as read' }).click();
  await expect(page.getByRole('heading', { name: 'Inbox', exact: true })).toBeVisible();
  await expectAccessible(page);
});
