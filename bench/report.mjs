/** Renders a bench result object as a Markdown summary and an SVG chart (no dependencies). */

const fmt = (v, unit = '') => (v === null || v === undefined ? '—' : `${v}${unit}`);

export function renderSummary(r) {
  const L = [];
  L.push(`# Parley benchmark ${r.date}`, '');
  L.push(`Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Node ${r.machine.node}; load average at start ${r.machine.loadAvgAtStart?.map((x) => x.toFixed(1)).join(' ')} (shared machine: compare ratios within this run only).`, '');
  const a = r.scenarios.a;
  if (a) {
    L.push(`## ${a.title}`, '');
    L.push('| target | max msgs/s in at p99 ≤ 100 ms | deliveries/s | ack p99 | deliver p50 / p95 / p99 / max (ms) at that rate | saturation msgs/s (p99 there) | lost | duplicates | errors | persisted |');
    L.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const [name, t] of Object.entries(a.targets)) {
      const b = t.bestStep;
      const d = b?.deliver;
      L.push(`| ${name} | ${t.maxSustainedMsgsPerSec} | ${t.maxSustainedDeliveriesPerSec} | ${fmt(b?.ack.p99)} | ${d ? `${d.p50} / ${d.p95} / ${d.p99} / ${d.max}` : '—'} | ${t.saturationMsgsPerSec} (${fmt(t.saturationDeliverP99, ' ms')}) | ${t.totals.lostDeliveries} | ${t.totals.duplicateDeliveries} | ${t.totals.errors} | ${t.persisted ? `${t.persisted.rows} rows / ${t.persisted.acked} acks` : 'none (by design)'} |`);
    }
    L.push('');
    if (a.ratioToWs !== undefined) L.push(`Parley / bare ws: **${a.ratioToWs}×** (target ≥ 0.7×).`);
    if (a.ratioToSocketIo !== undefined) L.push(`Parley / Socket.IO + Redis: **${a.ratioToSocketIo}×** (target ≥ 1.5×).`);
    const cpu = Object.entries(a.targets).map(([n, t]) => `${n} ${fmt(t.serverCpuMsPerMsg)} ms`).join(', ');
    L.push(`Server CPU per message (median over fully delivered steps; each message fanned out to ~${Math.round(r.config.clients / r.config.rooms)} recipients): ${cpu}. CPU-efficiency ratios (what one dedicated core would give): Parley / ws ${fmt(a.cpuEfficiencyRatioToWs, '×')}, Parley / Socket.IO ${fmt(a.cpuEfficiencyRatioToSocketIo, '×')}.`);
    if (a.saturationRatioToWs !== undefined) L.push(`At saturation (highest rate delivered in full, whatever the latency): Parley / ws ${a.saturationRatioToWs}×, Parley / Socket.IO ${a.saturationRatioToSocketIo ?? '—'}×.`);
    const h = a.targets.parley?.halfRate;
    if (h) L.push(`Parley at half its maximum (${h.rate} msgs/s): deliver p99 ${h.deliver.p99} ms (target ≤ 50 ms: ${h.pass50ms ? 'met' : 'missed'}), lost ${h.lost}, duplicates ${h.duplicates}.`);
    L.push('', 'Steps (the first failing step ends a target; its reasons are listed):', '');
    L.push('| target | rate | sent/s | delivered msgs/s | ack p99 | deliver p50 / p99 / max | server CPU (ms/msg) | gen CPU | result |');
    L.push('|---|---|---|---|---|---|---|---|---|');
    for (const [name, t] of Object.entries(a.targets))
      for (const s of t.steps) L.push(`| ${name} | ${s.targetRate} | ${s.sentPerSec} | ${s.deliveredMsgsPerSec} | ${fmt(s.ack.p99)} | ${fmt(s.deliver.p50)} / ${fmt(s.deliver.p99)} / ${fmt(s.deliver.max)} | ${fmt(s.serverCpuPct, '%')} (${fmt(s.serverCpuMsPerMsg)}) | ${s.generatorCpuPct}% | ${s.pass ? 'pass' : s.failReasons.join('; ')} |`);
    L.push('');
  }
  const c = r.scenarios.c;
  if (c?.steps) {
    L.push(`## ${c.title}`, '');
    L.push('| rate | delivered msgs/s | deliver p99 same replica | deliver p99 cross replica | p50 cross | lost | dup | result |');
    L.push('|---|---|---|---|---|---|---|---|');
    for (const s of c.steps) L.push(`| ${s.targetRate} | ${s.deliveredMsgsPerSec} | ${fmt(s.deliverSameReplica?.p99)} | ${fmt(s.deliverCrossReplica?.p99)} | ${fmt(s.deliverCrossReplica?.p50)} | ${s.lostDeliveries} | ${s.duplicateDeliveries} | ${s.pass ? 'pass' : s.failReasons.join('; ')} |`);
    L.push('', `Max sustained across two replicas: ${c.maxSustainedMsgsPerSec} msgs/s; persisted ${c.persisted?.rows} rows for ${c.persisted?.acked} acks.`, '');
  }
  const b = r.scenarios.b;
  if (b?.connections !== undefined) {
    L.push(`## ${b.title}`, '');
    L.push(`${b.connections} connected (${b.connectFailures} failed) in ${b.connectSeconds} s (${b.connectsPerSec}/s). RSS ${b.rssBeforeMiB} → ${b.rssAfterMiB} MiB = **${b.rssPerConnectionKiB} KiB per connection** (target ≤ 30 KB). Heartbeat: ${b.heartbeat.idleCpuMsPerRound} ms CPU per ping round (${b.heartbeat.cpuUsPerConnectionPerPing} µs per connection), ${b.heartbeat.coreShareAtDefault30s} of a core at the default 30 s interval; ${b.stillConnectedAfterHeartbeats} still connected after the rounds.`, '');
  }
  const d = r.scenarios.d;
  if (d?.history) {
    L.push(`## ${d.title}`, '');
    L.push('| load | req/s | p50 | p90 | p99 | max (ms) | non-2xx | errors |', '|---|---|---|---|---|---|---|---|');
    L.push(`| history (${d.pageItems} messages/page, ${d.pageBytes} B) | ${d.history.rps} | ${d.history.p50} | ${d.history.p90} | ${d.history.p99} | ${d.history.max} | ${d.history.non2xx} | ${d.history.errors} |`);
    if (d.login) L.push(`| login (argon2) | ${d.login.rps} | ${d.login.p50} | ${d.login.p90} | ${d.login.p99} | ${d.login.max} | ${d.login.non2xx} | ${d.login.errors} |`);
    L.push('');
  }
  const e = r.scenarios.e;
  if (e?.runs?.length) {
    L.push(`## ${e.title}`, '', `Runs (ms to ready): ${e.runs.map((x) => x.readyMs).join(', ')} — median **${e.medianReadyMs} ms**, max ${e.maxReadyMs} ms (target ≤ 1,500 ms); CPU time used to get ready: median ${fmt(e.medianCpuMsToReady, ' ms')} (runs: ${e.runs.map((x) => x.cpuMsToReady).join(', ')}).`, '');
  }
  if (r.error) L.push('## Run error', '', '```', r.error, '```', '');
  return L.join('\n') + '\n';
}

/** Deliver p99 (y, ms, log scale) against delivered msgs/s (x) for every target's steps. */
export function renderChart(r) {
  const W = 760;
  const H = 420;
  const m = { l: 70, r: 170, t: 40, b: 50 };
  const series = [];
  const colors = { ws: '#888888', socketio: '#d9822b', parley: '#2b6cd9', 'parley ×2 (c)': '#2bb07f' };
  for (const [name, t] of Object.entries(r.scenarios.a?.targets ?? {})) series.push({ name, steps: t.steps });
  if (r.scenarios.c?.steps) series.push({ name: 'parley ×2 (c)', steps: r.scenarios.c.steps });
  const pts = series.flatMap((s) => s.steps.map((x) => ({ x: x.deliveredMsgsPerSec, y: Math.max(1, x.deliver.p99 ?? 1) })));
  const maxX = Math.max(100, ...pts.map((p) => p.x)) * 1.1;
  const maxY = Math.max(200, ...pts.map((p) => p.y)) * 1.5;
  const X = (v) => m.l + (v / maxX) * (W - m.l - m.r);
  const Y = (v) => H - m.b - (Math.log10(Math.max(1, v)) / Math.log10(maxY)) * (H - m.t - m.b);
  const o = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  o.push(`<text x="${m.l}" y="22" font-size="14">p99 send→deliver latency vs delivered messages/s (${r.date.slice(0, 10)})</text>`);
  o.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`);
  for (const v of [1, 10, 100, 1000, 10000].filter((v) => v <= maxY)) o.push(`<text x="${m.l - 8}" y="${Y(v) + 4}" text-anchor="end">${v} ms</text><line x1="${m.l}" y1="${Y(v)}" x2="${W - m.r}" y2="${Y(v)}" stroke="#eee"/>`);
  const stepX = Math.pow(10, Math.floor(Math.log10(maxX)));
  for (let v = 0; v <= maxX; v += stepX / (maxX / stepX > 5 ? 1 : 2)) o.push(`<text x="${X(v)}" y="${H - m.b + 18}" text-anchor="middle">${Math.round(v)}</text>`);
  o.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">delivered messages/s (each to ~${Math.round((r.config.clients ?? 0) / (r.config.rooms || 1))} recipients)</text>`);
  o.push(`<line x1="${m.l}" y1="${Y(100)}" x2="${W - m.r}" y2="${Y(100)}" stroke="red" stroke-dasharray="4 3"/><text x="${W - m.r + 4}" y="${Y(100) + 4}" fill="red">100 ms SLO</text>`);
  series.forEach((s, i) => {
    const c = colors[s.name] ?? '#000';
    const path = s.steps.map((x, j) => `${j ? 'L' : 'M'}${X(x.deliveredMsgsPerSec).toFixed(1)},${Y(Math.max(1, x.deliver.p99 ?? 1)).toFixed(1)}`).join(' ');
    o.push(`<path d="${path}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const x of s.steps) o.push(`<circle cx="${X(x.deliveredMsgsPerSec).toFixed(1)}" cy="${Y(Math.max(1, x.deliver.p99 ?? 1)).toFixed(1)}" r="3" fill="${x.pass ? c : 'white'}" stroke="${c}"/>`);
    o.push(`<rect x="${W - m.r + 10}" y="${m.t + 20 * i + 30}" width="12" height="12" fill="${c}"/><text x="${W - m.r + 28}" y="${m.t + 20 * i + 40}">${s.name}</text>`);
  });
  o.push(`<text x="${W - m.r + 10}" y="${m.t + 20 * series.length + 50}" font-size="10">hollow = step failed</text>`);
  o.push('</svg>');
  return o.join('\n') + '\n';
}
