/**
 * Alias matching as kmod does it: fnmatch(3) without flags over names normalised with
 * '-' → '_' outside bracket expressions (kmod's alias_normalize / underscores).
 */
export function normalizeAlias(alias: string): string {
  let out = '';
  let inBracket = false;
  for (const c of alias) {
    if (c === '[') inBracket = true;
    else if (c === ']') inBracket = false;
    out += !inBracket && c === '-' ? '_' : c;
  }
  return out;
}

const cache = new Map<string, RegExp>();

export function fnmatchToRegExp(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const compiled = new RegExp(`^${re}$`, 's');
  cache.set(pattern, compiled);
  return compiled;
}

export function fnmatch(pattern: string, text: string): boolean {
  return fnmatchToRegExp(pattern).test(text);
}
