import { describe, expect, it } from 'vitest';
import { decodeAzureCustomData } from './azure.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('decodeAzureCustomData (§3.1)', () => {
  it('decodes base64 wrapped with CRLF', () => {
    const b64 = Buffer.from('[ucernvm-begin]\na=1\n[ucernvm-end]\n').toString('base64');
    const wrapped = `${b64.slice(0, 20)}\r\n${b64.slice(20)}\n`;
    expect(dec(decodeAzureCustomData(enc(wrapped)))).toBe('[ucernvm-begin]\na=1\n[ucernvm-end]\n');
  });
  it('keeps plain text, text with spaces and bad lengths unchanged', () => {
    for (const s of [
      '[ucernvm-begin]\na=1\n[ucernvm-end]\n',
      'YWJj ZGVm',
      'YWJjZA',
      '#abc',
      'YW=j',
      '\r\n',
      '',
    ]) {
      const input = enc(s);
      expect(decodeAzureCustomData(input), JSON.stringify(s)).toEqual(input);
    }
  });
  it('keeps TAB-containing text unchanged', () => {
    expect(dec(decodeAzureCustomData(enc('YWJj\tZGVm')))).toBe('YWJj\tZGVm');
  });
});
