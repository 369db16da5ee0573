// The form pattern: a form sent with mistakes comes back with every problem in a summary whose
// links go to the fields, the message beside each field, what was typed kept, and "Error: "
// before the page title.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('creating a programme with mistakes shows every problem and keeps what was typed', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'admin');
  await page.goto(demo.url + '/programmes');
  // A template but no start date, and no name: two problems at once.
  await page.getByLabel('Template').selectOption('tlif-2017');
  await page.getByLabel('Ends').fill('2019-07-31');
  await page.getByRole('button', { name: 'Create programme' }).click();
  assert.match(await page.title(), /^Error: Programmes/);
  const summary = page.locator('[data-error-summary]');
  const links = await summary.getByRole('link').allInnerTexts();
  assert.deepEqual(links, ['Enter a name for the programme', 'Enter the start date: a programme made from a template needs one']);
  // Each message is also beside its field, which says it is invalid.
  assert.match(await page.locator('#name-error').innerText(), /Enter a name/);
  assert.equal(await page.locator('#starts_on').getAttribute('aria-invalid'), 'true');
  // What was typed is kept.
  assert.equal(await page.getByLabel('Template').inputValue(), 'tlif-2017');
  assert.equal(await page.getByLabel('Ends').inputValue(), '2019-07-31');
  // The summary's link takes you to the field.
  await summary.getByRole('link', { name: /start date/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'starts_on');
  assert.deepEqual(await accessibilityProblems(page), []);
  // Corrected, it is created.
  await page.getByLabel('Name').fill('Form test programme');
  await page.getByLabel('Starts').fill('2018-09-01');
  await page.getByRole('button', { name: 'Create programme' }).click();
  await page.waitForURL(/\/programmes\/\d+$/);
  assert.match(await page.locator('h1').innerText(), /Form test programme/);
  await context.close();
});

test('signing in with mistakes shows them on the fields and keeps the address, never the password', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(demo.url + '/sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.title(), /^Error: Sign in/);
  const summary = page.locator('[data-error-summary]');
  assert.deepEqual(await summary.getByRole('link').allInnerTexts(), ['Enter your email address', 'Enter your password']);
  await page.getByLabel('Email address').fill('nobody@school.example');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.locator('#email-error').innerText(), /email address or password is not right/);
  assert.equal(await page.getByLabel('Email address').inputValue(), 'nobody@school.example');
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  await summary.getByRole('link').first().click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'email');
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});

test('a stage move with a mistake comes back on its row of the board, with what was chosen', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'admin');
  await page.goto(demo.url + '/programmes');
  await page.getByRole('link', { name: 'Demo programme (illustration)' }).click();
  await page.waitForURL(/\/programmes\/\d+$/);
  await page.goto(page.url() + '/recruitment');
  const select = page.locator('select[id^="stage-"]:has(option[value="withdrawn"])').first();
  const urn = (await select.getAttribute('id')).slice('stage-'.length);
  await select.selectOption('withdrawn');
  await page.getByRole('button', { name: `Move URN ${urn}` }).click();
  assert.match(await page.title(), /^Error: Recruitment/);
  const summary = page.locator('[data-error-summary]');
  assert.deepEqual(await summary.getByRole('link').allInnerTexts(), ['Say why the school is withdrawing']);
  assert.equal(await page.locator(`#stage-${urn}`).inputValue(), 'withdrawn', 'the stage chosen is kept');
  await summary.getByRole('link').click();
  assert.equal(await page.evaluate(() => document.activeElement.id), `reason-${urn}`);
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});

test('report parameters with mistakes show them all on the form, with what was typed', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'evaluator');
  await page.goto(demo.url + '/evaluation');
  await page.getByRole('link', { name: /Eligible for TLIF/ }).click();
  await page.waitForURL(/\/evaluation\/\d+/);
  await page.getByLabel('Baseline years').fill('2015');
  await page.getByLabel('Follow-up years').fill('2014/15');
  await page.getByRole('button', { name: 'Update' }).click();
  assert.match(await page.title(), /^Error: /);
  const links = await page.locator('[data-error-summary]').getByRole('link').allInnerTexts();
  assert.ok(links.length >= 1, 'the problems are listed');
  assert.match(links.join(' '), /academic year/);
  assert.equal(await page.getByLabel('Baseline years').inputValue(), '2015');
  assert.equal(await page.getByLabel('Follow-up years').inputValue(), '2014/15');
  assert.equal(await page.locator('#baseline').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});
