import { Compile } from 'typebox/compile';
import { ClientFrames, ServerFrame, type ClientFrame, type ClientFrameType } from '@parley/protocol';

/** One compiled validator per client frame type (looked up by `type` before validating). */
const validators = Object.fromEntries(Object.entries(ClientFrames).map(([type, schema]) => [type, Compile(schema)])) as Record<ClientFrameType, ReturnType<typeof Compile>>;
const serverValidator = Compile(ServerFrame);

export type FrameCheck = { ok: true; frame: ClientFrame } | { ok: false; id?: string; message: string };

export function parseClientFrame(text: string): FrameCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'A frame must be a JSON object with a "type"' };
  const record = value as Record<string, unknown>;
  const id = typeof record.id === 'string' ? record.id.slice(0, 64) : undefined;
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(validators, type)) return { ok: false, id, message: `Unknown frame type ${JSON.stringify(String(type)).slice(0, 40)}` };
  const validator = validators[type as ClientFrameType];
  if (!validator.Check(value)) {
    const first = validator.Errors(value)[0];
    const where = first ? `${first.instancePath || '/'} ${first.message}` : 'does not match the schema';
    return { ok: false, id, message: `Invalid ${type} frame: ${where}` };
  }
  return { ok: true, frame: value as ClientFrame };
}

/** Used by tests and (in development) to assert the server only emits frames its own schema allows. */
export const isValidServerFrame = (value: unknown): boolean => serverValidator.Check(value);
