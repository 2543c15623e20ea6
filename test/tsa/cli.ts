// npm run reference-tsa -- [--port P] [--host 127.0.0.1] [--fault down|garbage|http500|untrusted|wrong-imprint|slow] [--keys rsa|gost]
// Prints the URL to give the program (--tsa URL or SCHOOL_REGISTER_TSA_URL) and the CA file to trust
// (--tsa-ca FILE or SCHOOL_REGISTER_TSA_CA). Typing a fault's name and Enter switches to it; «none» ends the fault.
import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { startTsa, TSA_FAULTS, type TsaFault } from './server.ts';

const { values: v } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, fault: { type: 'string' }, 'ca-out': { type: 'string' }, keys: { type: 'string' } } });
const isFault = (s: string): s is TsaFault => (TSA_FAULTS as readonly string[]).includes(s);
if (v.fault && !isFault(v.fault)) {
  process.stderr.write(`usage: reference-tsa [--port P] [--fault ${TSA_FAULTS.join('|')}] [--ca-out FILE] [--keys rsa|gost]\n`);
  process.exit(2);
}
if (v.keys && v.keys !== 'rsa' && v.keys !== 'gost') {
  process.stderr.write('reference-tsa: --keys rsa (the default) or gost (GOST R 34.10-2012 keys; needs the GOST engine)\n');
  process.exit(2);
}
const tsa = await startTsa({ port: v.port ? Number(v.port) : 8318, host: v.host, fault: (v.fault as TsaFault | undefined) ?? null, keys: v.keys as 'rsa' | 'gost' | undefined,
  log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`) });
if (v['ca-out']) fs.writeFileSync(v['ca-out'], tsa.caPem);
process.stdout.write(`reference TSA listening on ${tsa.url}\ntrust anchor: ${v['ca-out'] ?? tsa.caFile}\n`);
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const f = line.trim();
  if (f === 'none') void tsa.setFault(null).then(() => process.stdout.write('fault: none\n'));
  else if (isFault(f)) void tsa.setFault(f).then(() => process.stdout.write(`fault: ${f}\n`));
});
const stop = () => void tsa.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
