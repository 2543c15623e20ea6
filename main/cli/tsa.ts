// Trusted time on the command line: `--tsa URL` (or SCHOOL_REGISTER_TSA_URL), `--tsa-ca FILE` with the TSA's CA
// certificate(s) (or SCHOOL_REGISTER_TSA_CA), `--tsa-failure refuse|without-time` (or SCHOOL_REGISTER_TSA_FAILURE;
// refuse unless told). Not stored in the register: these are the run's own settings; without them, the register's
// stored TSA (`tsa set`, «Организация») is asked by every signature.
import fs from 'node:fs';
import type { Input, LedgerVerify } from '../../preload/contract.ts';
import { formatDate } from '../../preload/core/dates.ts';
import { UsageError } from './usage.ts';

type Flags = Record<string, string | boolean | string[] | undefined>;
type TsaInput = NonNullable<Input<'ledgers.seal'>['tsa']>;

const env = (name: string) => process.env[name]?.trim() || undefined;

/** The TSA's CA certificates from --tsa-ca or SCHOOL_REGISTER_TSA_CA (a PEM file), or none. */
export function tsaTrustFromFlags(f: Flags): string[] | undefined {
  const file = typeof f['tsa-ca'] === 'string' ? f['tsa-ca'] : env('SCHOOL_REGISTER_TSA_CA');
  if (!file) return undefined;
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`не удалось прочитать сертификат службы штампов времени ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'файла нет' : (e as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`${file}: нет сертификата в формате PEM (-----BEGIN CERTIFICATE-----)`);
  return [pem];
}

/**
 * The TSA for this run's signatures, or undefined: --tsa URL always; SCHOOL_REGISTER_TSA_URL only when the run signs
 * (`signing`), so a seal without a certificate is not refused for a default in the environment.
 */
export function tsaFromFlags(f: Flags, signing: boolean): TsaInput | undefined {
  const url = typeof f.tsa === 'string' ? f.tsa : signing ? env('SCHOOL_REGISTER_TSA_URL') : undefined;
  if (!url) return undefined;
  const failure = typeof f['tsa-failure'] === 'string' ? f['tsa-failure'] : env('SCHOOL_REGISTER_TSA_FAILURE') ?? 'refuse';
  if (failure !== 'refuse' && failure !== 'without-time') throw new UsageError(`--tsa-failure: refuse (не подписывать) или without-time (подписать без штампа времени), а не «${failure}»`);
  const trustedCertsPem = tsaTrustFromFlags(f);
  if (!trustedCertsPem) throw new UsageError(`для службы штампов времени ${url} укажите её доверенный сертификат: --tsa-ca ФАЙЛ.pem (или SCHOOL_REGISTER_TSA_CA)`);
  return { url, trustedCertsPem, onFailure: failure === 'refuse' ? 'refuse' : 'without_time' };
}

/** «штамп времени 05.12.2026 01:02:03 UTC («Служба» …)» or «без штампа времени», for a seal or a verification. */
export function describeTimestamp(t: LedgerVerify['timestamp'] | undefined, problem?: string | null): string {
  if (problem) return `штамп времени недействителен: ${problem}`;
  if (!t) return 'без штампа времени';
  const d = new Date(t.time);
  return `штамп времени ${formatDate(t.time.slice(0, 10))} ${d.toISOString().slice(11, 19)} UTC (служба «${t.tsa}»${t.trusted ? '' : ', доверие к службе не проверено: нет --tsa-ca'})`;
}
