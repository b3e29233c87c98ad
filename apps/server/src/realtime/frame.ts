/**
 * A complete WebSocket text frame (RFC 6455 §5.2) around a payload, built once per event and
 * written as is to every recipient socket. Server frames are never masked and Parley does not
 * use compression (perMessageDeflate is off in http/app.ts), so the frame is the same for every
 * recipient: framing it once replaces a header allocation and two writes per socket with one.
 */
export function textFrame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(json, headerLength);
  return frame;
}
