import { describe, expect, it } from 'vitest';
import { Receiver, Sender } from 'ws';
import { textFrame } from '../src/realtime/frame.js';

/** Parses frames with ws's own receiver (the client side of the protocol). */
function receive(bytes: Buffer): string[] {
  const receiver = new Receiver({ isServer: false });
  const messages: string[] = [];
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(false);
    messages.push(data.toString());
  });
  receiver.write(bytes);
  return messages;
}

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('frames %i bytes exactly as ws does, and ws reads it back', (n) => {
    const json = 'x'.repeat(n);
    const ours = textFrame(json);
    expect(ours.equals(Buffer.concat(Sender.frame(Buffer.from(json), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false })))).toBe(true);
    expect(receive(ours)).toEqual([json]);
  });

  it('counts bytes, not characters, for multi-byte text', () => {
    const json = JSON.stringify({ body: 'héllo 👋 '.repeat(20) });
    const frame = textFrame(json);
    expect(frame.length).toBe(4 + Buffer.byteLength(json));
    expect(receive(Buffer.concat([frame, textFrame('{}')]))).toEqual([json, '{}']);
  });
});
