// The public eligibility checker and the programme team's list, as a head teacher and a
// programme officer use them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('a head teacher checks a school without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(demo.url + '/eligibility');
  await page.getByLabel('Your school').fill('Blackpool Gateway');
  await page.getByLabel('On this date').fill('2018-09-01');
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByRole('link', { name: 'Blackpool Gateway Academy' }).click();
  await page.waitForURL(/\/eligibility\/142175\?/);
  const text = await page.locator('main').innerText();
  assert.match(text, /Yes: Blackpool Gateway Academy is eligible/);
  assert.match(text, /Requires improvement \(grade 3\)/);
  await context.close();
});

test('the checker and the programme list are accessible', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'programme.admin');
  for (const path of ['/eligibility?q=blackpool', '/eligibility/142175?as_of=2017-09-01', '/programme/eligibility?as_of=2017-09-01']) {
    await page.goto(demo.url + path);
    assert.deepEqual(await accessibilityProblems(page), [], path);
  }
  await context.close();
});

test('the programme list filters by area and exports what it shows', async () => {
  const page = await browser.newPage();
  await signIn(page, demo, 'adviser');
  await page.goto(demo.url + '/programme/eligibility?as_of=2017-09-01');
  await page.getByRole('link', { name: 'Bradford', exact: true }).click();
  await page.waitForURL(/area=Bradford/);
  const count = Number((await page.locator('.result-count').innerText()).match(/^([\d,]+) schools/)[1].replace(/,/g, ''));
  assert.ok(count > 0);
  assert.ok(await page.locator('svg circle.dot--yes').count() > 0, 'the map shows them');
  const href = await page.getByRole('link', { name: 'Download as CSV' }).getAttribute('href');
  const res = await page.request.get(demo.url + href);
  const lines = (await res.text()).trim().split('\n');
  assert.equal(lines.length - 1, count);
  await page.close();
});
