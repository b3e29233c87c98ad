export function buildAsyncApi(origin: string): Record<string, unknown> {
  return { asyncapi: '3.0.0', origin };
}
