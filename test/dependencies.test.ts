// src/ imports run one way: schema and the leaves, sql, the job model and insert, maintenance /
// admin / migrate, the runtime, the client, then cli / ui / testing / otel. The rules are in
// .dependency-cruiser.cjs; a new import circle or an upward import fails here, naming it.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..');

test('src/ has no import circle and no upward import', { timeout: 120_000 }, async () => {
  const { code, output } = await new Promise<{ code: number; output: string }>((done) => {
    execFile(
      process.execPath,
      [resolve(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
      { cwd: root },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  expect(output).toMatch(/no dependency violations found \(\d+ modules/);
  expect(code).toBe(0);
});
