#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package/file.
//   node bench/cpuprofile-top.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map();
const area = new Map();
for (const [id, us] of self) {
  const { callFrame: cf } = byId.get(id);
  const where = cf.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:').replace(/.*\/apps\/server\/dist\//, 'server:');
  const key = `${cf.functionName || '(anonymous)'} ${where}:${cf.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const a = where.startsWith('nm:') ? where.split('/').slice(0, where.startsWith('nm:@') ? 2 : 1).join('/') : where.startsWith('server:') ? where.split('/').slice(0, 2).join('/') : cf.functionName.startsWith('(') ? cf.functionName : where.split('/').pop() || '(native)';
  area.set(a, (area.get(a) ?? 0) + us);
}
const pct = (us) => ((us / total) * 100).toFixed(1).padStart(5) + '%';
console.log(`total sampled ${(total / 1000).toFixed(0)} ms`);
console.log('\n-- self time by area --');
for (const [k, v] of [...area].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(v), k);
console.log('\n-- self time by function --');
for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(v), k);
