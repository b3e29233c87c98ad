#!/usr/bin/env node
// Container HEALTHCHECK without curl: exits 0 when /health/ready answers 200 on this container's port.
import { request } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const req = request({ host: '127.0.0.1', port, path: '/health/ready', timeout: 3000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
req.end();
