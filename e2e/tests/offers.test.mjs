// A head teacher invites someone who already has an account: the role is offered, and counts
// only once its owner accepts it on their account page. And what a too-large upload sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('a role for an existing account waits for its owner to accept it', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'head');
  await page.goto(demo.url + '/account');
  const school = (await page.locator('main').innerText()).match(/School: (\d{6})/)[1];

  await page.goto(demo.url + '/people');
  assert.match(await page.locator('main').innerText(), /at most 5 MB/, 'the upload form states its limit');
  await page.getByLabel('Email address').fill(demo.accounts.evaluator.email);
  await page.getByLabel('Name', { exact: true }).fill('Evan Evaluator');
  await page.getByLabel('Role').selectOption({ label: 'Governor' });
  // A head teacher is offered their own school by name, not any school by URN.
  await page.getByLabel('Where').selectOption(`school:${school}`);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.waitForURL(/\/people\?offered=/);
  assert.match(await page.getByRole('status').innerText(), /already has an account.*accept/s);
  // Not theirs yet: the head teacher's list of people does not hold the account.
  assert.doesNotMatch(await page.locator('[data-testid=people]').innerText(), /evaluator@demo/);
  await context.close();

  const owner = await browser.newContext({ bypassCSP: true });
  const mine = await owner.newPage();
  await signIn(mine, demo, 'evaluator');
  await mine.goto(demo.url + '/account');
  assert.match(await mine.locator('main').innerText(), /Roles offered to you/);
  assert.deepEqual(await accessibilityProblems(mine), []);
  await mine.getByRole('button', { name: /^Accept/ }).click();
  await mine.waitForURL(/\/account\?answered=accepted$/);
  assert.match(await mine.getByTestId('offer-answered').innerText(), /The role is yours/);
  const text = await mine.locator('main').innerText();
  assert.doesNotMatch(text, /Roles offered to you/);
  assert.match(text, /Governor/);
  await owner.close();
});

test('an upload over the limit gets a page that says so', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'head');
  await page.goto(demo.url + '/people');
  const big = Buffer.alloc(6 * 1024 * 1024, 'a');
  await page.getByLabel('Staff list').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: big });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/people/import')),
    page.getByRole('button', { name: 'Check and add' }).click(),
  ]);
  assert.equal(response.status(), 413);
  await page.waitForLoadState();
  assert.match(await page.locator('h1').innerText(), /Too large/);
  assert.match(await page.locator('main').innerText(), /5 MB/);
  await context.close();
});

test('the demo has a role waiting on the adviser\'s account page', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'adviser');
  await page.goto(demo.url + '/account');
  const offered = page.locator('main table').first();
  assert.match(await offered.innerText(), /Evaluator.*programme\.admin@demo\.aspire\.invalid/s);
  await page.getByRole('button', { name: /^Decline/ }).click();
  await page.waitForURL(/\/account\?answered=declined$/);
  assert.doesNotMatch(await page.locator('main').innerText(), /Roles offered to you/);
  await context.close();
});
