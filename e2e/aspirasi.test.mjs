// Browser test of Aspirasi (issue 15): `sidik serve --demo` shows the seed's Detail
// Aspirasi page with its related complaints; a citizen files an aspiration from a
// phone (360×740), gets a tracking number and access code; the officer logs in,
// publishes, routes and answers it; the citizen tracks it and sees the answer. Every
// public page passes axe-core with no serious or critical violation, on a desktop
// and on a 360×740 viewport, and the filing is done with the keyboard only.
//
// Needs: Debian chromium at /usr/bin/chromium, `npm ci` in this folder (playwright-core,
// axe-core), the sidik binary (SIDIK_BIN, default ../target/debug/sidik).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.SIDIK_BIN ?? join(here, '..', 'target', 'debug', 'sidik');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const data = mkdtempSync(join(tmpdir(), 'sidik-e2e-asp-'));
let server;
let browser;
after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGKILL');
  rmSync(data, { recursive: true, force: true });
});

function startDemo(port) {
  server = spawn(BIN, ['serve', '--demo', '--residents', '500', '--listen', `127.0.0.1:${port}`, '--data', data],
    { env: { ...process.env, SIDIK_LOG: 'warn' } });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no password printed:\n${out}`)), 120_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/one-time password '([^']+)'/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (c) => reject(new Error(`sidik exited ${c}:\n${out}`)));
  });
}

/** axe-core on the current page: no serious or critical violation. */
async function accessible(page, what) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [], `${what}: accessibility`);
}

/** Nothing wider than the viewport (readable on a 360-px phone without side scrolling). */
async function fits(page, what) {
  const [doc, view] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(doc <= view + 1, `${what}: page is ${doc}px wide on a ${view}px screen`);
}

test('aspirasi: the seed page, filing, the officer answering, the citizen seeing the answer', { timeout: 300_000 }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const password = await startDemo(port);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  // bypassCSP: axe-core is injected as a script; the pages' CSP forbids inline scripts.
  const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const phone = await (await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, bypassCSP: true })).newPage();

  // The seed's Detail Aspirasi with its related complaints, on both screens.
  for (const [page, what] of [[desktop, 'desktop'], [phone, '360×740']]) {
    await page.goto(base + '/aspirasi');
    assert.match(await page.textContent('h1'), /Aspirasi warga/);
    await accessible(page, `list (${what})`);
    await fits(page, `list (${what})`);
    await page.click('text=9 Ribu Warga Jakarta Utara Tidak Bisa Buat KTP');
    await page.waitForSelector('#judul-aspirasi');
    assert.match(await page.textContent('#aspirasi'), /9\.539 warga/);
    assert.match(await page.textContent('#aspirasi'), /Rabu, 9 September 2015/);
    const related = await page.textContent('#terkait');
    assert.match(related, /E-ktp Belum Jadi Sejak September 2016/);
    assert.match(related, /Rekam E-ktp Sejak 2 Tahun Belum Selesai/);
    await accessible(page, `Detail Aspirasi (${what})`);
    await fits(page, `Detail Aspirasi (${what})`);
  }

  // A citizen files from the phone, with the keyboard only.
  await phone.goto(base + '/aspirasi/baru');
  await accessible(phone, 'form (360×740)');
  await fits(phone, 'form (360×740)');
  await phone.focus('#judul');
  await phone.keyboard.type('KTP-el belum jadi sejak Agustus');
  await phone.keyboard.press('Tab');
  await phone.keyboard.type('Saya merekam e-KTP pada Agustus, NIK 3172011505850001, sampai sekarang kartu belum jadi. Mohon kejelasan.');
  await phone.keyboard.press('Tab');
  await phone.keyboard.press('Tab');
  await phone.selectOption('#kategori', 'ktp-el');
  await phone.focus('#nama');
  await phone.keyboard.type('Siti Aminah');
  await phone.focus('button[type=submit]');
  await phone.keyboard.press('Enter');
  await phone.waitForSelector('#diajukan');
  const nomor = (await phone.textContent('#nomor-aspirasi')).trim();
  const kode = (await phone.textContent('#kode-akses')).trim();
  assert.match(nomor, /^ASP-\d{8}-\d{6}$/);
  assert.match(kode, /^[0-9a-f]{32}$/);
  await accessible(phone, 'filed (360×740)');

  // The officer publishes, routes and answers it.
  await desktop.goto(base + '/masuk');
  await desktop.fill('#username', 'admin');
  await desktop.fill('#password', password);
  await desktop.click('button[type=submit]');
  await desktop.waitForURL(base + '/permohonan');
  await desktop.click('header >> text=Aspirasi');
  await desktop.waitForURL(base + '/aspirasi/petugas');
  assert.match(await desktop.textContent('#terlambat'), /9 Ribu Warga|Belum/, 'the 2015/2017 seed complaints are overdue');
  await desktop.click(`text=${nomor}`);
  await desktop.waitForURL(`${base}/aspirasi/petugas/${nomor}`);
  assert.match(await desktop.textContent('main'), /3172011505850001/, 'officers see the original text');
  assert.match(await desktop.textContent('main'), /3172\*{12}/, 'and the masked one');
  const act = async (aksi, isi) => {
    await desktop.selectOption('#aksi', aksi);
    await desktop.fill('#isi-tindak', isi);
    await desktop.click('#form-tindak button[type=submit]');
    await desktop.waitForURL(`${base}/aspirasi/petugas/${nomor}`);
  };
  await act('tayang', '');
  assert.equal((await desktop.textContent('#moderasi')).trim(), 'Tayang');
  await act('teruskan', 'Seksi Pendaftaran Penduduk');
  await act('disposisi', 'Petugas loket 3');
  const jawaban = 'Kartu Anda sudah dicetak; silakan ambil di kantor Sudin Dukcapil dengan tanda terima.';
  await act('jawab', jawaban);
  assert.equal((await desktop.textContent('#status-aspirasi')).trim(), 'Proses');

  // The citizen tracks it on the phone and sees the answer.
  await phone.goto(base + '/aspirasi/lacak');
  await accessible(phone, 'tracking form (360×740)');
  await phone.fill('#nomor', nomor);
  await phone.fill('#kode', kode);
  await phone.click('button:has-text("Lacak")');
  await phone.waitForSelector('#hasil-lacak');
  assert.equal((await phone.textContent('#status-aspirasi')).trim(), 'Proses');
  assert.match(await phone.textContent('#tanggapan'), /Kartu Anda sudah dicetak/);
  assert.match(await phone.textContent('#tanggapan'), /WIB/);
  await accessible(phone, 'tracking result (360×740)');
  await fits(phone, 'tracking result (360×740)');

  // The public page shows the answer and the masked NIK.
  await phone.goto(`${base}/aspirasi/${nomor}`);
  assert.match(await phone.textContent('main'), /Kartu Anda sudah dicetak/);
  assert.doesNotMatch(await phone.textContent('main'), /3172011505850001/);
  await phone.click('button:has-text("Ikut melapor")');
  await phone.waitForSelector('#pesan');
  assert.equal((await phone.textContent('#dukungan')).trim(), '1');
  await accessible(phone, 'detail after support (360×740)');
});
