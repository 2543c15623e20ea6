// Sharing the register on the office network, as the admin does it on «Доступ по сети», and the comparison a person
// makes at another workplace: the certificate the server presents, read by openssl, against the admin's screen.
import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';
import { expect, type Page } from '@playwright/test';

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The SHA-256 fingerprint of the certificate the server presents on the port, as openssl reads it («AB:CD:…»). */
export async function presentedByOpenssl(port: number): Promise<string> {
  const pem = await new Promise<string>((resolve, reject) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`], (e, out) => (e ? reject(e) : resolve(out)));
    child.stdin!.end();
  });
  return execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: pem }).toString().trim().replace(/^.*Fingerprint=/i, '');
}

/** On «Доступ по сети» (open): shares the register on 127.0.0.1 at a free port; the address and the fingerprint shown. */
export async function shareOnLoopback(page: Page): Promise<{ port: number; url: string; shown: string }> {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}/`;
  const form = page.getByTestId('network-form');
  await form.getByRole('combobox', { name: 'Адрес этого компьютера' }).selectOption('127.0.0.1');
  await form.getByRole('textbox', { name: 'Порт' }).fill(String(port));
  await form.getByRole('button', { name: 'Открыть для сети' }).click();
  await expect(page.getByTestId('network-done')).toHaveText(`Реестр открыт для сети: ${url}`);
  const shown = (await page.getByTestId('network-fingerprint').textContent())!.trim();
  expect(shown).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  return { port, url, shown };
}
