// The public journey, as a school finds the programme: from the home page to the networks near
// it, the programme's page and an enquiry sent with mistakes first (every one shown at once),
// then corrected; the outbox holds the acknowledgement, which repeats nothing typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

const PROGRAMME = 'Aspire partnership, Hampshire and Surrey (demo)';
const EMAIL = 'deputy@woking-school.example';

test('from the home page to an acknowledged enquiry', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(demo.url + '/');
  const home = await page.locator('main').innerText();
  for (const heading of ['What it is', 'Who it is for', 'What it costs', 'When networks start', 'How to join']) {
    assert.match(home, new RegExp(heading), heading);
  }
  assert.match(home, /commitment to release its staff/);
  assert.match(home, new RegExp(PROGRAMME.replace(/[()]/g, '\\$&')));
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.getByRole('link', { name: 'Privacy notice' }).click();
  assert.match(await page.locator('[data-testid=retention]').innerText(), /removed 2 years after/);
  await page.goBack();

  // Networks near a town, found through its schools' local authority.
  await page.getByRole('link', { name: 'Find networks near you' }).click();
  await page.getByLabel('Your school or area').fill('Woking');
  await page.getByRole('button', { name: 'Find networks' }).click();
  const near = await page.locator('main').innerText();
  assert.match(near, /plans networks in .*Woking/);
  assert.doesNotMatch(near, /open schools? match/, 'a town is a place, not a list of schools');
  assert.match(near, /partnership@demo\.aspire\.invalid/, 'the team to write to');
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.getByRole('link', { name: `About ${PROGRAMME}, and how to join` }).click();
  assert.match(await page.locator('main').innerText(), /What it costs/);

  // Mistakes: a school name matching several, no name, an address that is not one.
  await page.getByLabel('Your school', { exact: true }).fill('St');
  await page.getByLabel('Email address').fill('deputy at school');
  await page.getByLabel('Your role').fill('Deputy head');
  await page.getByLabel('Message (optional)').fill('Could someone ring us?');
  await page.getByRole('button', { name: 'Send enquiry' }).click();
  assert.match(await page.title(), /^Error: /);
  const summary = await page.locator('.error-summary').innerText();
  assert.match(summary, /schools match 'St'/);
  assert.match(summary, /Enter your name/);
  assert.match(summary, /is not an address we can write to/);
  assert.equal(await page.getByLabel('Message (optional)').inputValue(), 'Could someone ring us?', 'kept');
  assert.deepEqual(await accessibilityProblems(page), []);

  // Corrected: the school chosen from the matches in Woking.
  await page.getByLabel('Your school', { exact: true }).fill('Woking');
  await page.getByLabel('Your name').fill('Dee Deputy');
  await page.getByLabel('Email address').fill(EMAIL);
  await page.getByRole('button', { name: 'Send enquiry' }).click();
  const choose = page.getByLabel('Choose your school');
  if (await choose.count()) {
    const first = await choose.locator('option').nth(1).getAttribute('value');
    await choose.selectOption(first);
    await page.getByRole('button', { name: 'Send enquiry' }).click();
  }
  await page.waitForURL(/\/thanks\//);
  assert.match(await page.locator('[data-testid=enquiry-sent]').innerText(), /has been sent/);
  assert.ok((await page.locator('[data-testid=honest-answer]').count()) === 1);
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();

  // The outbox holds the acknowledgement, without anything typed, and the team's notice.
  const team = await browser.newContext({ bypassCSP: true });
  const admin = await team.newPage();
  await signIn(admin, demo, 'admin');
  await admin.goto(demo.url + '/outbox');
  const ack = admin.locator('section.message', { hasText: `To ${EMAIL}` });
  assert.equal(await ack.count(), 1);
  const text = await ack.innerText();
  assert.match(text, /We have received your enquiry/);
  assert.doesNotMatch(text, /Dee Deputy|ring us/);
  assert.equal(await admin.locator('section.message', { hasText: 'To partnership@demo.aspire.invalid' }).count(), 1);
  await team.close();
});
