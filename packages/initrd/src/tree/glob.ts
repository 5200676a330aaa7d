import { readdir } from 'node:fs/promises';
import { InitrdError } from '../errors.js';
import { lookupInTree, splitPath } from './lookup.js';

/**
 * Expands a component's `initrd` selection (components config: "paths or globs") against its
 * tree. `*`, `?` and `[...]` match inside one path component, as fnmatch(3) with FNM_PATHNAME;
 * a leading '.' is matched only explicitly. Results are sorted bytewise; a pattern that matches
 * nothing is an error, so a renamed file in a new package version cannot silently drop out.
 */
export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function componentRegExp(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = part.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export async function expandSelection(
  root: string,
  component: string,
  pattern: string,
): Promise<string[]> {
  if (!hasGlob(pattern)) return [pattern];
  let matches = [''];
  for (const part of splitPath(pattern)) {
    const next: string[] = [];
    for (const base of matches) {
      if (!hasGlob(part)) {
        next.push(base === '' ? part : `${base}/${part}`);
        continue;
      }
      const hit = await lookupInTree(root, base, true);
      if (!hit?.stats.isDirectory()) continue;
      const re = componentRegExp(part);
      const names = (await readdir(hit.hostPath)).filter(
        (n) => re.test(n) && (!n.startsWith('.') || part.startsWith('.')),
      );
      names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const n of names) next.push(base === '' ? n : `${base}/${n}`);
    }
    matches = next;
  }
  const existing: string[] = [];
  for (const m of matches) if (await lookupInTree(root, m, false)) existing.push(m);
  if (existing.length === 0) {
    throw new InitrdError(
      'TREE_PATH_MISSING',
      `component ${component}: ${JSON.stringify(pattern)} matches nothing in ${root}`,
      "fix the component's initrd list",
      2,
    );
  }
  return existing;
}
