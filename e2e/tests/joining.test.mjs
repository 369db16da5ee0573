// Joining a programme: the head teacher ticks a step of their school's checklist from their
// account page, and the programme team's summary shows it. And a local authority officer's page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('a head ticks a step of joining and the team summary shows it', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'head');
  await page.goto(demo.url + '/account');
  await page.getByRole('link', { name: /Joining checklist/ }).click();
  const main = page.locator('main');
  assert.match(await main.innerText(), /3 of 6 steps done/, "the demo shows a checklist part done (the agreement ticked; its staff accounts and staff list seen)");
  assert.match(await main.innerText(), /Partnership agreement signed/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.getByRole('button', { name: /Mark as done.*Data-sharing agreement accepted/ }).click();
  await page.waitForLoadState();
  assert.match(await main.innerText(), /4 of 6 steps done/);
  assert.match(await page.locator('#data-sharing').innerText(), /Ticked by head@demo\.aspire\.invalid/);
  const school = new URL(page.url()).pathname.match(/schools\/(\d{6})\/joining/)[1];
  await context.close();

  const team = await browser.newContext({ bypassCSP: true });
  const summary = await team.newPage();
  await signIn(summary, demo, 'programme.admin');
  await summary.goto(demo.url + '/programmes');
  await summary.locator('main a[href^="/programmes/"]').first().click();
  await summary.getByRole('link', { name: /Joining: which schools are missing what/ }).click();
  const row = summary.locator('tr', { has: summary.locator(`a[href$="/schools/${school}/joining"]`) });
  const cells = await row.locator('td').allInnerTexts();
  assert.equal(cells.filter((c) => c.trim() === '✓' || /done/.test(c)).length, 4, cells.join(' | '));
  assert.match(await summary.locator('main').innerText(), /Data-sharing agreement accepted\s+\d+ of \d+/);
  assert.deepEqual(await accessibilityProblems(summary), []);
  await team.close();
});

test("a local authority officer reads their authority's schools without being asked anything", async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'la.officer');
  await page.goto(demo.url + '/account');
  await page.getByRole('link', { name: /^[A-Z][A-Za-z ,'-]+ \(\d{3}\) in / }).click();
  const text = await page.locator('main').innerText();
  assert.match(text, /nothing is needed from you/);
  assert.match(text, /At a glance/);
  assert.doesNotMatch(text, /@/, 'no one\'s contact details');
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});
