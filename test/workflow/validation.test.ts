import { describe, expect, test } from 'vitest';
import { Client, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../support/test-database.js';
import { step } from './workflow-jobs.js';

const t = await createTestDatabase();
const client = new Client();
const count = async () => Number((await t.query(`SELECT count(*) AS n FROM river_job`))[0]!.n);

async function refused(build: (wf: ReturnType<Client['workflow']>) => void, message: string | RegExp): Promise<void> {
  const wf = client.workflow({ name: 'bad' });
  build(wf);
  const error = await wf.insert(t.db).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message).toMatch(message);
  expect(await count()).toBe(0);
}

describe('workflow validation, before anything is written', () => {
  test('a cycle, naming its tasks', () =>
    refused((wf) => {
      wf.add('a', step, { name: 'a' }, { deps: ['c'] });
      wf.add('b', step, { name: 'b' }, { deps: ['a'] });
      wf.add('c', step, { name: 'c' }, { deps: ['b'] });
    }, 'workflow "bad": tasks[0] ("a").opts.deps: makes a cycle, "a" -> "c" -> "b" -> "a": no task of it could ever run'));

  test('a task depending on itself', () =>
    refused((wf) => void wf.add('a', step, { name: 'a' }, { deps: ['a'] }), /tasks\[0\] \("a"\)\.opts\.deps: makes a cycle, "a" -> "a"/));

  test('an unknown dependency, with the closest name', () =>
    refused((wf) => {
      wf.add('charge', step, { name: 'a' });
      wf.add('ship', step, { name: 'b' }, { deps: ['chrage'] });
    }, 'workflow "bad": tasks[1] ("ship").opts.deps[0]: "chrage" is no task of this workflow; did you mean "charge"?'));

  test('a duplicate task name', () =>
    refused((wf) => {
      wf.add('a', step, { name: 'a' });
      wf.add('a', step, { name: 'b' });
    }, 'workflow "bad": tasks[1] ("a").name: "a" is already the name of tasks[0]: task names are unique within a workflow'));

  test('a dependency on a task of another workflow', () => {
    const other = client.workflow({ name: 'other' });
    const foreign = other.add('x', step, { name: 'x' });
    return refused((wf) => void wf.add('a', step, { name: 'a' }, { deps: [foreign] }), new RegExp(`tasks\\[0\\] \\("a"\\)\\.opts\\.deps\\[0\\]: task "x" belongs to workflow ${other.id}, not to this one`));
  });

  test('bad args, naming the task and field', () =>
    refused((wf) => {
      wf.add('a', step, { name: 'a' });
      wf.add('b', step, { name: 7 as never });
    }, 'workflow "bad" tasks[1] ("b"): args.name: Invalid type: Expected string but received 7'));

  test('options a task cannot have: unique, sequence, pending, and unknown ones', () =>
    refused((wf) => void wf.add('a', step, { name: 'a' }, { uniqueOpts: {}, sequence: {}, pending: true, dps: [] } as never),
      /tasks\[0\] \("a"\)\.opts\.pending: is not allowed on a workflow task.*opts\.sequence: is not allowed.*opts\.uniqueOpts: is not allowed.*opts\.dps: .*did you mean "deps"/));

  test('an empty workflow, and bad workflow options', async () => {
    await refused(() => {}, 'workflow "bad": tasks: is empty: add tasks with wf.add() first');
    expect(() => client.workflow({ name: '' })).toThrow('client.workflow(): opts.name: must be a string of 1 to 200 characters, got ""');
    expect(() => client.workflow({ nmae: 'x' } as never)).toThrow(/opts\.nmae: .*did you mean "name"/);
  });

  test('a workflow inserted twice: the second insert is refused, and add after insert too', async () => {
    const wf = client.workflow();
    wf.add('a', step, { name: 'a' });
    await t.db.transaction(async (tx) => {
      await wf.insert(tx);
      tx.rollback();
    }).catch(() => {});
    expect(() => wf.add('b', step, { name: 'b' })).toThrow('was inserted already');
    await expect(wf.insert(t.db)).rejects.toThrow(`workflow "workflow" was inserted already (as ${wf.id}): make a new workflow for another insert`);
  });
});
