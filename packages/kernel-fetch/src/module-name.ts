/** Module names treat '-' and '_' alike (kmod's modname normalisation); '_' is canonical. */
export function normalizeModuleName(name: string): string {
  return name.replaceAll('-', '_');
}

/** Module name of a path like `kernel/lib/crc-t10dif.ko.xz` → `crc_t10dif`. */
export function moduleNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return normalizeModuleName(base.replace(/\.ko(\.(xz|zst|gz))?$/, ''));
}

export const MODULE_FILE = /\.ko(\.(xz|zst|gz))?$/;
