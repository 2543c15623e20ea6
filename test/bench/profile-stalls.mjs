// Profiling aid: the stretches a `--cpu-prof` profile shows the thread busy without a break (no "(idle)" sample) for
// longer than a bound, each with the functions that took its time (self time) and the app's own frames it ran under.
// Usage: node test/bench/profile-stalls.mjs PROFILE.cpuprofile [minMs=50]
import fs from 'node:fs';

const [file, min = '50'] = process.argv.slice(2);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || '(anon)'} ${(n.callFrame.url || '').replace(/^.*\/(main|db|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const appFrame = (id) => {
  const chain = [];
  for (let x = id; x != null; x = parent.get(x)) {
    const n = byId.get(x);
    if (/\/(main|db)\//.test(n.callFrame.url)) chain.push(`${n.callFrame.functionName || '(anon)'}`);
  }
  return chain.slice(0, 4).reverse().join(' > ') || '(outside app code)';
};
let t = prof.startTime;
const runs = [];
let cur = null;
for (let i = 0; i < prof.samples.length; i++) {
  t += prof.timeDeltas[i];
  const n = byId.get(prof.samples[i]);
  const idle = n.callFrame.functionName === '(idle)';
  if (idle) { if (cur) { runs.push(cur); cur = null; } continue; }
  if (!cur) cur = { start: t, end: t, self: new Map(), app: new Map() };
  const dt = (prof.timeDeltas[i + 1] ?? 0) / 1000;
  cur.end = t;
  cur.self.set(name(n), (cur.self.get(name(n)) ?? 0) + dt);
  const a = appFrame(n.id);
  cur.app.set(a, (cur.app.get(a) ?? 0) + dt);
}
if (cur) runs.push(cur);
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([f, ms]) => `    ${ms.toFixed(0).padStart(5)} ms  ${f}`).join('\n');
const long = runs.filter((r) => (r.end - r.start) / 1000 >= Number(min));
console.log(`${long.length} busy stretches ≥ ${min} ms (of ${runs.length}); profile ${((t - prof.startTime) / 1e6).toFixed(1)} s`);
for (const r of long) {
  console.log(`\nat +${((r.start - prof.startTime) / 1e6).toFixed(2)} s: ${((r.end - r.start) / 1000).toFixed(0)} ms\n  under (app frames):\n${top(r.app, 6)}\n  self:\n${top(r.self, 6)}`);
}
