// `npm run bench`: the benchmarks, one entry per issue. Prints a Markdown block to paste into RESULTS.md.
// Usage: npm run bench [-- --only register,import,import-cli,signing,ledgers,ledgers-load,backup,packets,load,network,drill,gost,gost-verify] [-- --students N] [-- --documents N]
import { parseArgs } from 'node:util';
import os from 'node:os';
import { benchRegister } from './register.bench.ts';
import { benchImport } from './import.bench.ts';
import { benchImportCli } from './import-cli.bench.ts';
import { benchSigning } from './signing.bench.ts';
import { benchLedgers } from './ledgers.bench.ts';
import { benchBackup, benchDrill } from './backup.bench.ts';
import { benchPackets } from './packets.bench.ts';
import { benchLoad } from './load.bench.ts';
import { benchNetwork } from './network.bench.ts';
import { benchGostVerify } from './gost-verify.bench.ts';
import { benchGostSigning } from './gost-sign.bench.ts';

const { values } = parseArgs({ options: { only: { type: 'string' }, students: { type: 'string' }, documents: { type: 'string' } } });
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
const date = new Date().toISOString().slice(0, 10);
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');
const out: string[] = [`Machine: ${machine}. Date: ${date}, ${new Date().toISOString().slice(11, 16)} UTC. Load average at the start: ${load()} on ${os.cpus().length} cores.`, ''];

const want = (name: string) => !values.only || values.only.split(',').includes(name);
if (want('register')) out.push(...(await benchRegister({ students: Number(values.students ?? 300000) })));
if (want('import')) out.push(...(await benchImport()));
if (want('import-cli')) out.push(...(await benchImportCli()));
if (want('signing')) out.push(...(await benchSigning()));
if (want('ledgers')) out.push(...(await benchLedgers()));
if (values.only?.split(',').includes('ledgers-load')) out.push(...(await benchLedgers({ busyCore: true }))); // only when asked
if (want('backup')) out.push(...(await benchBackup()));
if (values.only?.split(',').includes('drill')) out.push(...(await benchDrill())); // only when asked: a restore drill, not a goal
if (want('packets')) out.push(...(await benchPackets()));
if (want('load')) out.push(...(await benchLoad()));
if (want('network')) out.push(...(await benchNetwork()));
if (want('gost-verify')) out.push(...(await benchGostVerify({ documents: Number(values.documents ?? 200) })));
if (want('gost')) out.push(...(await benchGostSigning()));

out.push(`Load average at the end of the run: ${load()} (${new Date().toISOString().slice(11, 16)} UTC).`, '');
console.log('\n' + out.join('\n'));
