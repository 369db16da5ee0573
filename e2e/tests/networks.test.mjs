// The networks page as the programme team uses it: maps over district boundaries with each
// network's label and a legend, advisers placed by postcode district with every problem beside
// its field, and a network renamed on its own page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

/** A postcode district with schools of the demo's register. */
const DISTRICT = 'FY1';

test('the team reads the networks on maps, gives them an adviser by postcode district and renames one', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'programme.admin');
  await page.goto(demo.url + '/programmes');
  await page.getByRole('link', { name: 'Demo programme (illustration)' }).click();
  await page.waitForURL(/\/programmes\/\d+$/);
  const programmeUrl = page.url();

  // Form the networks (confirming if that changes networks with roles in them).
  await page.goto(programmeUrl + '/networks');
  await page.getByRole('button', { name: 'Form networks' }).click();
  if (/Form the networks again/.test(await page.locator('h1').innerText())) {
    await page.getByRole('button', { name: 'Form the networks again' }).click();
  }
  await page.waitForURL(/\/networks(\?.*)?$/);

  // Maps: district boundaries behind the schools, a label per network, a legend, the source.
  const maps = page.locator('[data-testid=networks-map]');
  assert.ok((await maps.count()) >= 1);
  assert.ok((await page.locator('[data-testid=networks-map] .districts path').count()) > 0, 'boundaries drawn');
  const networks = await page.locator('[data-testid=network-members]').count();
  assert.equal(await page.locator('[data-testid=networks-map] text.map-label').count(), networks);
  const legend = await page.locator('[data-testid=map-legend]').allInnerTexts();
  assert.match(legend.join('\n'), /1: /);
  assert.match(await page.locator('main').innerText(), /Martin Chorley, CC BY 4\.0/);
  assert.deepEqual(await accessibilityProblems(page), []);

  // Advisers: mistakes in two rows are all said at once, beside their fields, kept as typed.
  await page.getByLabel('Email of adviser 1').fill('adviser@demo.aspire.invalid');
  await page.locator('#capacity-1').fill('none');
  await page.locator('#home-1').fill('53.79, -1.75');
  await page.getByLabel('Email of adviser 2').fill('nobody@demo.aspire.invalid');
  await page.locator('#capacity-2').fill('1');
  await page.locator('#home-2').fill('ZZ99');
  await page.getByRole('button', { name: 'Assign advisers' }).click();
  const summary = await page.locator('.error-summary').innerText();
  for (const said of [/Adviser 1: the networks they can take/, /Adviser 1: '53\.79, -1\.75' is not a postcode district/,
    /Adviser 2: no one has the address/, /Adviser 2: no school in the register has a postcode in ZZ99/]) {
    assert.match(summary, said);
  }
  assert.match(await page.locator('#home-2-error').innerText(), /ZZ99/);
  assert.equal(await page.locator('#email-2').inputValue(), 'nobody@demo.aspire.invalid');
  assert.deepEqual(await accessibilityProblems(page), []);

  // One adviser placed by postcode district, for one network: the others are said to have none.
  await page.locator('#email-2').fill('');
  await page.locator('#capacity-2').fill('');
  await page.locator('#home-2').fill('');
  await page.locator('#capacity-1').fill('1');
  await page.locator('#home-1').fill(DISTRICT);
  await page.getByRole('button', { name: 'Assign advisers' }).click();
  // A network that has an adviser and would lose it (or pass to another) is named first.
  await page.waitForLoadState();
  if (/adviser\?$/.test(await page.locator('h1').innerText())) {
    assert.ok((await page.locator('[data-testid=adviser-changes] tbody tr').count()) >= 1);
    assert.deepEqual(await accessibilityProblems(page), []);
    await page.getByRole('button', { name: 'Yes, change the advisers' }).click();
  }
  await page.waitForURL(/\/networks\?advised=1&handed=\d+#advisers$/);
  assert.match(await page.getByTestId('advisers-given').innerText(), /The advisers are given: 1 network now has an Achievement Adviser/);
  assert.equal((await page.locator('main').innerText()).match(/Achievement Adviser: Alex Adviser/g)?.length, 1);
  if (networks > 1) {
    assert.match(await page.locator('[data-testid=unadvised]').innerText(), /no Achievement Adviser/);
  }

  // Rename the first network on its own page, which shows its adviser and dates.
  await page.locator('[data-testid=network-members]').first().locator('xpath=ancestor::section//h2//a').click();
  await page.waitForURL(/\/networks\/\d+$/);
  assert.match(await page.locator('[data-testid=network-dates]').innerText(), /1 September 2017/);
  await page.getByLabel('Name').fill('');
  await page.getByRole('button', { name: 'Rename' }).click();
  assert.match(await page.locator('.error-summary').innerText(), /Enter the network's new name/);
  await page.getByLabel('Name').fill('Seaside network');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.waitForURL(/\/networks\/\d+$/);
  assert.equal(await page.locator('h1').innerText(), 'Seaside network');
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});
