import { InvalidArgumentError } from 'commander';

/** Parses a positive integer option or argument; anything else is a usage error. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

/** A repeatable option that also takes comma-separated values: `--state a,b --state c`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

/** As {@link collect}, for positive integers. */
export function collectInts(value: string, previous: number[] | undefined): number[] {
  return [...(previous ?? []), ...collect(value, []).map(positiveInt)];
}

/** Parses a TCP port, 0 to 65535 (0: any free port). */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return n;
}
