import type { LIMITS } from '@parley/protocol';

/**
 * Used only until GET /api/v1/config answers (the server's numbers win). Typed against the
 * protocol's LIMITS so a change there fails the type check instead of drifting silently;
 * not imported as a value so the schema library stays out of the browser bundle.
 */
export const LIMITS_FALLBACK = {
  messageBodyMax: 4000 satisfies (typeof LIMITS)['messageBodyMax'],
  uploadMaxBytes: 10 * 1024 * 1024,
};
