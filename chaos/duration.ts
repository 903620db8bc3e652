/** `--duration` values: `60s`, `2m`, `1500ms`, or a bare number of seconds. */
const UNITS = { ms: 1, s: 1000, m: 60_000 } as const;

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration: write 60s, 2m, 1500ms or a number of seconds`);
  const ms = Number(match[1]) * UNITS[(match[2] ?? 's') as keyof typeof UNITS];
  if (ms < 1000) throw new Error(`a duration of at least 1s is needed, got ${text}`);
  return ms;
}
