// npm run regional-segment -- --port P --data DIR --trust CERT.pem [--trust MORE.pem] [--faults SPEC]
//   [--tls-cert SERVER.pem --tls-key SERVER.key [--client-ca CA.pem]] [--host 127.0.0.1]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startReceiver } from './server.ts';

const { values: v } = parseArgs({
  options: {
    port: { type: 'string' }, data: { type: 'string' }, trust: { type: 'string', multiple: true }, faults: { type: 'string' },
    host: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'client-ca': { type: 'string' },
  },
});
if (!v.port || !v.data || !v.trust?.length) {
  process.stderr.write('usage: regional-segment --port P --data DIR --trust CERT.pem [--faults SPEC] [--tls-cert C --tls-key K [--client-ca CA]]\n');
  process.exit(2);
}
const receiver = await startReceiver({
  port: Number(v.port), host: v.host, dataDir: v.data, faults: v.faults,
  trustPem: v.trust.map((f) => fs.readFileSync(f, 'utf8')),
  tls: v['tls-cert'] && v['tls-key'] ? { certPem: fs.readFileSync(v['tls-cert'], 'utf8'), keyPem: fs.readFileSync(v['tls-key'], 'utf8'),
    clientCaPem: v['client-ca'] ? fs.readFileSync(v['client-ca'], 'utf8') : undefined } : undefined,
  log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
});
process.stdout.write(`regional segment listening on ${receiver.url}\n`);
const stop = () => void receiver.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
