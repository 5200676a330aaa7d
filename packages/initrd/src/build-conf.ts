import { InitrdError } from './errors.js';

/**
 * /etc/ucvm/build.conf (runtime.md §1.2): `key=value` lines read by the init's key=value reader,
 * never sourced. The four standard keys come first in a fixed order, then any others sorted.
 */
export const BUILD_CONF_KEYS = ['version', 'build_epoch', 'kernel', 'arch'] as const;

export function renderBuildConf(values: Readonly<Record<string, string>>): string {
  const keys = Object.keys(values);
  for (const key of keys) {
    if (!/^[a-z][a-z0-9_]*$/.test(key)) {
      throw new InitrdError(
        'BAD_OPTION',
        `build.conf key ${JSON.stringify(key)} is not lower-case [a-z0-9_]`,
        'rename the key',
        2,
      );
    }
    const value = values[key] as string;
    if (/[\n\r\0]/.test(value)) {
      throw new InitrdError(
        'BAD_OPTION',
        `build.conf value of ${key} contains a line break or NUL: ${JSON.stringify(value)}`,
        'give a one-line value',
        2,
      );
    }
  }
  const standard = BUILD_CONF_KEYS.filter((k) => k in values);
  const others = keys.filter((k) => !(BUILD_CONF_KEYS as readonly string[]).includes(k)).sort();
  return [...standard, ...others].map((k) => `${k}=${values[k]}\n`).join('');
}
