// The programme team's recruitment board on the demo programme: filter by stage, sort by
// eligibility, move a school with the next stage chosen for it, enrol a school that is not
// eligible through its warning, check the schools without a decision, and mark an enquiry
// handled with a reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('the board filters, sorts, moves, warns and answers enquiries', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'admin');
  await page.goto(demo.url + '/programmes');
  await page.getByRole('link', { name: 'Demo programme (illustration)' }).click();
  await page.getByRole('link', { name: 'Recruitment board' }).click();
  await page.waitForURL(/\/recruitment$/);
  const boardUrl = page.url();
  assert.deepEqual(await accessibilityProblems(page), []);

  // Filter to the enquiries, sorted by eligibility: kept in the address and the CSV link.
  await page.getByLabel('Stage', { exact: true }).selectOption('enquiry');
  await page.getByLabel('Sort by').selectOption('eligibility');
  await page.getByRole('button', { name: 'Show schools' }).click();
  await page.waitForURL(/stage=enquiry/);
  assert.match(page.url(), /sort=eligibility/);
  assert.match(await page.locator('[data-testid=board-count]').innerText(), /Showing 2 of \d+ schools/);
  const rows = page.locator('[data-testid=recruitment-schools] tbody tr');
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(0).innerText(), /Eligible/);
  assert.match(await rows.nth(1).innerText(), /Not eligible/);
  assert.match(await page.locator('[data-testid=recruitment-csv]').getAttribute('href'), /\?stage=enquiry&sort=eligibility$/);
  assert.deepEqual(await accessibilityProblems(page), []);

  // The eligible enquiry: "applied" is chosen already; moving it keeps the filters.
  const first = rows.nth(0);
  const firstId = await first.getAttribute('id');
  const select = first.locator('select[name=stage]');
  assert.equal(await select.inputValue(), 'applied');
  await first.getByRole('button', { name: /^Move/ }).click();
  await page.waitForURL(new RegExp(`stage=enquiry.*#${firstId}$`));
  assert.equal(await rows.count(), 1, 'it is no longer an enquiry');

  // The school that is not eligible: enrolling it asks first, with the reasons.
  const other = rows.nth(0);
  const otherId = await other.getAttribute('id');
  await other.locator('select[name=stage]').selectOption('enrolled');
  await other.getByRole('button', { name: /^Move/ }).click();
  await page.waitForSelector('[data-testid=stage-changes]');
  assert.match(await page.locator('h1').innerText(), /^Enrol .*, which is not eligible\?$/);
  assert.match(await page.locator('[data-testid=stage-changes]').innerText(), /not eligible under the programme's rule set/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.getByRole('button', { name: 'Yes, enrol it all the same' }).click();
  await page.waitForURL(new RegExp(`#${otherId}$`));
  await page.goto(boardUrl + '?stage=enrolled');
  const enrolled = page.locator(`#${otherId}`);
  assert.match(await enrolled.innerText(), /enrolled/);
  // An enrolled school is offered no default: completing is never preset.
  assert.equal(await enrolled.locator('select[name=stage]').inputValue(), '');

  // "Check eligibility" decides the schools without a decision.
  await page.goto(boardUrl);
  await page.getByRole('button', { name: 'Check eligibility' }).click();
  await page.waitForURL(boardUrl);
  assert.equal(await page.getByRole('button', { name: 'Check eligibility' }).count(), 0);
  await page.goto(boardUrl + '?eligibility=not_checked');
  assert.match(await page.locator('main').innerText(), /No school matches these filters/);

  // An enquiry marked handled with a reply: the reply is shown as text, and is in the outbox.
  await page.goto(boardUrl);
  const enquiries = page.locator('[data-testid=enquiries] tbody tr');
  const firstEnquiry = enquiries.nth(0);
  await firstEnquiry.getByLabel(/^Reply to /).fill('Thank you <b>very much</b>.\nWe will call you.');
  await firstEnquiry.getByRole('button', { name: /^Mark handled/ }).click();
  await page.waitForURL(/#enquiry-\d+$/);
  const handled = page.locator('[data-testid=enquiries] tbody tr').nth(0);
  assert.match(await handled.innerText(), /handled/);
  await handled.getByText('Reply sent').click();
  assert.match(await handled.innerText(), /Thank you <b>very much<\/b>\./);
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.goto(demo.url + '/outbox');
  assert.match(await page.locator('main').innerText(), /Your enquiry about Demo programme \(illustration\)/);
  await context.close();
});
