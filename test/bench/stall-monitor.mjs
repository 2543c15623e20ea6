// Profiling aid (not loaded by the app): `node --import ./test/bench/stall-monitor.mjs …` records every time this
// process's thread was held longer than SR_STALL_MS (default 50) — a 5 ms timer that fired late — with the wall-clock
// time it ended, and writes the list to SR_STALL_LOG (JSON) when the process exits. The network bench passes it to the
// register's server with BENCH_SERVER_NODE_ARGS="--import ./test/bench/stall-monitor.mjs".
import fs from 'node:fs';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.SR_STALL_LOG;
const limit = Number(process.env.SR_STALL_MS ?? 50);
const stalls = [];
const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const held = now - last - 5;
  if (held > limit) stalls.push({ endedAt: new Date().toISOString(), ms: Math.round(held) });
  last = now;
}, 5).unref();
process.on('exit', () => {
  if (!out) return;
  fs.writeFileSync(out, JSON.stringify({ stalls, delay: { p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 } }, null, 1));
});
