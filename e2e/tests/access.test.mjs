// Signed in as an Achievement Adviser and as a head teacher, each sees only their own schools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

/** The URNs in the programme page's table of schools. */
async function programmeSchools(page) {
  await page.goto(demo.url + '/programmes');
  await page.getByRole('link', { name: 'Demo programme (illustration)' }).click();
  await page.waitForURL(/\/programmes\/\d+$/);
  return page.locator('[data-testid=programme-schools] tbody tr td:first-child').allInnerTexts();
}

test('signed out, the programme pages send you to sign in', async () => {
  const page = await browser.newPage();
  await page.goto(demo.url + '/programmes');
  await page.waitForURL(/\/sign-in\?next=%2Fprogrammes/);
  assert.match(await page.locator('h1').innerText(), /Sign in/);
  await page.close();
});

test('the programme admin sees all nineteen schools (sixteen taking part, three being recruited)', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'programme.admin');
  const urns = await programmeSchools(page);
  assert.equal(urns.length, 19, urns.join(' '));
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});

test('an Achievement Adviser sees only the schools of their network', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'adviser');
  const urns = await programmeSchools(page);
  assert.equal(urns.length, 4, urns.join(' '));
  // And cannot open a school of another network by its address.
  const admin = await browser.newContext();
  const adminPage = await admin.newPage();
  await signIn(adminPage, demo, 'programme.admin');
  const all = await programmeSchools(adminPage);
  const other = all.find((u) => !urns.includes(u));
  const programmeUrl = adminPage.url();
  // Out of reach reads like a page that does not exist.
  const res = await page.goto(`${programmeUrl}/schools/${other}`);
  assert.equal(res.status(), 404);
  assert.match(await page.locator('h1').innerText(), /Page not found/);
  const mine = await page.goto(`${programmeUrl}/schools/${urns[0]}`);
  assert.equal(mine.status(), 200);
  assert.deepEqual(await accessibilityProblems(page), []);
  await admin.close();
  await context.close();
});

test('a head teacher sees only their own school, and no staff pages beyond it', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'head');
  const urns = await programmeSchools(page);
  assert.equal(urns.length, 1, urns.join(' '));
  await page.goto(demo.url + '/account');
  assert.match(await page.locator('main').innerText(), /Head teacher/);
  const eligible = await page.goto(demo.url + '/programme/eligibility');
  assert.equal(eligible.status(), 403);
  // Signing out ends it.
  await page.getByRole('button', { name: 'Sign out' }).click();
  const after = await page.goto(demo.url + '/programmes');
  assert.match(after.url(), /\/sign-in/);
  await context.close();
});

test('the sign-in, people and audit pages are accessible', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(demo.url + '/sign-in');
  assert.deepEqual(await accessibilityProblems(page), [], '/sign-in');
  await signIn(page, demo, 'admin');
  for (const path of ['/people', '/audit', '/outbox', '/account', '/programmes']) {
    await page.goto(demo.url + path);
    assert.deepEqual(await accessibilityProblems(page), [], path);
  }
  await context.close();
});
