import { describe, expect, it } from 'vitest';
import { SerialConsole } from './console.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('SerialConsole', () => {
  it('matches complete lines only, in order, across chunk boundaries', async () => {
    const c = new SerialConsole();
    const first = c.next('MARK_A');
    const second = c.next(/MARK_B (\d+)/);
    c.push(bytes('boot\r\nMARK_'));
    c.push(bytes('A done\r\nMARK_B 4'));
    const a = await first.promise;
    expect(a).toMatchObject({ line: 'MARK_A done', index: 1 });
    let secondDone = false;
    void second.promise.then(() => {
      secondDone = true;
    });
    await Promise.resolve();
    expect(secondDone).toBe(false); // "MARK_B 4" is still being written
    c.push(bytes('2\n'));
    const b = await second.promise;
    expect(b.line).toBe('MARK_B 42');
    expect(b.groups?.[1]).toBe('42');
  });

  it('never re-matches a line an earlier wait consumed', async () => {
    const c = new SerialConsole();
    c.push(bytes('X 1\nX 2\n'));
    expect((await c.next('X').promise).line).toBe('X 1');
    expect((await c.next('X').promise).line).toBe('X 2');
    const third = c.next('X');
    c.close(new Error('gone'));
    await expect(third.promise).rejects.toThrow('gone');
  });

  it('counts an unterminated last line when the console closes', async () => {
    const c = new SerialConsole();
    const w = c.next('LAST');
    c.push(bytes('LAST LINE'));
    c.close(new Error('gone'));
    expect((await w.promise).line).toBe('LAST LINE');
    await expect(c.next('missing').promise).rejects.toThrow('gone');
  });

  it('decodes UTF-8 split across chunks and lets a wait be cancelled', async () => {
    const c = new SerialConsole();
    const all = bytes('µCernVM\n');
    c.push(all.slice(0, 1));
    c.push(all.slice(1));
    expect((await c.next('µCernVM').promise).line).toBe('µCernVM');
    const w = c.next('never');
    w.cancel(new Error('timeout'));
    await expect(w.promise).rejects.toThrow('timeout');
    expect(c.tail(5)).toEqual(['µCernVM']);
  });
});
