// pax extended header records (POSIX.1-2001 pax, "pax Extended Header"): `LEN KEY=VALUE\n`,
// LEN counting the whole record in decimal. Used by the inject check (userdata.md §8).

const SPACE = 0x20;
const EQUALS = 0x3d;
const LF = 0x0a;

/** Keyword → value bytes (later records win); null when the data is not well-formed. */
export function parsePaxRecords(data: Uint8Array): Map<string, Uint8Array> | null {
  const records = new Map<string, Uint8Array>();
  let offset = 0;
  while (offset < data.length) {
    let i = offset;
    let length = 0;
    while (i < data.length && (data[i] as number) >= 0x30 && (data[i] as number) <= 0x39) {
      length = length * 10 + ((data[i] as number) - 0x30);
      if (length > data.length) return null;
      i++;
    }
    if (i === offset || data[i] !== SPACE) return null;
    const end = offset + length;
    if (end > data.length || end <= i + 1 || data[end - 1] !== LF) return null;
    const record = data.subarray(i + 1, end - 1);
    const eq = record.indexOf(EQUALS);
    if (eq <= 0) return null;
    const keyword = Buffer.from(record.subarray(0, eq)).toString('latin1');
    records.set(keyword, record.subarray(eq + 1));
    offset = end;
  }
  return records;
}

/** A pax decimal integer (`size`, `uid`, `gid`); null when malformed. */
export function paxInteger(value: Uint8Array): number | null {
  const text = Buffer.from(value).toString('latin1');
  if (!/^[0-9]{1,16}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** A pax time (`mtime`): optional `-`, digits, optional fraction; truncated to seconds. */
export function paxTime(value: Uint8Array): number | null {
  const match = /^(-?[0-9]{1,16})(\.[0-9]*)?$/.exec(Buffer.from(value).toString('latin1'));
  if (match === null) return null;
  const n = Number(match[1]);
  return Number.isSafeInteger(n) ? n : null;
}
