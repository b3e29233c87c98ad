#!/usr/bin/env node
// Coverage gate: compare Vitest's json-summary (coverage/coverage-summary.json) with the
// committed floor in scripts/ci/coverage-thresholds.json and fail when any metric is below it.
//
//   node scripts/ci/coverage-gate.mjs [--summary coverage/coverage-summary.json]
//                                     [--thresholds scripts/ci/coverage-thresholds.json] [--ratchet]
//
// --ratchet raises the floor to today's measurement (rounded down to a whole percent) where
// it went up, and never lowers it: lowering the gate is a deliberate, reviewed edit of the
// thresholds file, never a side effect of a run.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export const METRICS = ['lines', 'statements', 'functions', 'branches'];

/** @returns {{ failures: string[], report: string[] }} */
export function checkCoverage(summary, thresholds) {
  const failures = [];
  const report = [];
  for (const metric of METRICS) {
    const pct = summary?.total?.[metric]?.pct;
    const floor = thresholds[metric];
    if (typeof floor !== 'number') throw new Error(`thresholds file has no numeric "${metric}"`);
    if (typeof pct !== 'number') {
      failures.push(`${metric}: no measurement in the coverage summary`);
      continue;
    }
    const line = `${metric.padEnd(10)} ${pct.toFixed(2).padStart(6)} %  (floor ${floor} %)`;
    report.push(line);
    if (pct < floor) failures.push(`${metric} coverage ${pct.toFixed(2)} % is below the floor of ${floor} %`);
  }
  return { failures, report };
}

/** New thresholds: max(old floor, floor(measured)) per metric. */
export function ratchet(summary, thresholds) {
  const next = { ...thresholds };
  for (const metric of METRICS) {
    const pct = summary?.total?.[metric]?.pct;
    if (typeof pct === 'number') next[metric] = Math.max(thresholds[metric], Math.floor(pct));
  }
  return next;
}

function main() {
  const { values } = parseArgs({
    options: {
      summary: { type: 'string', default: 'coverage/coverage-summary.json' },
      thresholds: { type: 'string', default: new URL('./coverage-thresholds.json', import.meta.url).pathname },
      ratchet: { type: 'boolean', default: false },
    },
  });
  const summary = JSON.parse(readFileSync(values.summary, 'utf8'));
  const thresholds = JSON.parse(readFileSync(values.thresholds, 'utf8'));
  const { failures, report } = checkCoverage(summary, thresholds);
  for (const line of report) console.log(line);
  if (values.ratchet) {
    const next = ratchet(summary, thresholds);
    if (METRICS.some((m) => next[m] !== thresholds[m])) {
      writeFileSync(values.thresholds, JSON.stringify(next, null, 2) + '\n');
      console.log(`coverage-gate: floor raised in ${values.thresholds}`);
    }
  }
  if (failures.length) {
    for (const f of failures) console.error(`coverage-gate: ${f}`);
    process.exit(1);
  }
  console.log('coverage-gate: passed');
}

if (import.meta.url === `file://${process.argv[1]}`) main();
