/** Helpers that turn rows into text for a terminal. */

/** A date as ISO 8601 in UTC to the second (`2025-01-02T10:11:12Z`), or `-` for none. */
export function formatTime(date: Date | null | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return '-';
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Aligns rows under headers, columns two spaces apart; columns listed in `right` (by index) are
 * right-aligned, as numbers read best.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], options: { right?: readonly number[] } = {}): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (options.right?.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Indents every line of `text` by `spaces`. */
export function indent(text: string, spaces = 2): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

/** `JSON.stringify` replacer: Buffers (a job's unique key) as hex instead of a byte array. */
export function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return Buffer.isBuffer(raw) ? raw.toString('hex') : value;
}
