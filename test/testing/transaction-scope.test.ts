// What the require* helpers see: through a transaction, only the jobs that transaction wrote,
// savepoints included, so jobs committed before it (earlier tests, seed data) never count;
// through a database handle, every committed job.
import { TransactionRollbackError } from 'drizzle-orm';
import { expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { requireInserted, requireManyInserted, requireNotInserted, testWorker } from '../../src/testing/index.js';
import { chargeCard, sendEmail } from '../support/jobs.js';
import { inRolledBackTx } from '../support/rollback.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client();
const email = (to: string) => ({ to, subject: 'Welcome' });

// Committed before any test: what an earlier test or seed data leaves behind.
const committed = await client.insertMany(t.db, [
  { job: sendEmail, args: email('old1@example.com') },
  { job: sendEmail, args: email('old2@example.com') },
  { job: chargeCard, args: { orderId: 1, cents: 100 } },
]);

test('a transaction that inserted nothing sees none of the jobs committed before it', async () => {
  await inRolledBackTx(t.db, async (tx) => {
    await requireNotInserted(tx, sendEmail);
    await requireNotInserted(tx, chargeCard, { args: { orderId: 1 } });
    await expect(requireInserted(tx, sendEmail)).rejects.toThrow(
      'requireInserted: no send_email job was inserted in this transaction (2 other send_email job(s), which it did not write, are not counted: pass db instead of tx to see every job)',
    );
    await expect(requireManyInserted(tx, [{ job: sendEmail }])).rejects.toThrow('expected jobs of kinds [send_email] in this order, found []');
  });
});

test("a transaction's own jobs are the ones it inserted, whatever was committed before", async () => {
  await inRolledBackTx(t.db, async (tx) => {
    const { job } = await client.insert(tx, sendEmail, email('new@example.com'));
    expect((await requireInserted(tx, sendEmail)).id).toBe(job.id);
    const [only] = await requireManyInserted(tx, [{ job: sendEmail, args: { to: 'new@example.com' } }]);
    expect(only.id).toBe(job.id);
    await requireNotInserted(tx, sendEmail, { args: { to: 'old1@example.com' } });
    await requireNotInserted(tx, chargeCard);
  });
});

test('jobs inserted under savepoints (nested transactions) are the transaction\'s own; rolled-back ones are gone', async () => {
  await inRolledBackTx(t.db, async (tx) => {
    await client.insert(tx, sendEmail, email('outer@example.com'));
    await tx.transaction(async (nested) => {
      await client.insert(nested, sendEmail, email('nested@example.com'));
      // Both, from inside the savepoint: the nested job's xmin is the savepoint's own id.
      await requireManyInserted(nested, [{ job: sendEmail, args: { to: 'outer@example.com' } }, { job: sendEmail, args: { to: 'nested@example.com' } }]);
    });
    await tx.transaction(async (nested) => {
      await client.insert(nested, chargeCard, { orderId: 2, cents: 5 });
      nested.rollback();
    }).catch((error: unknown) => {
      if (!(error instanceof TransactionRollbackError)) throw error;
    });
    await requireManyInserted(tx, [{ job: sendEmail, args: { to: 'outer@example.com' } }, { job: sendEmail, args: { to: 'nested@example.com' } }]);
    await requireNotInserted(tx, chargeCard);
  });
});

test('a first write under a savepoint, and repeatable read, are seen too', async () => {
  await t.db.transaction(async (tx) => {
    await requireNotInserted(tx, sendEmail); // the snapshot is taken here, before any write
    await tx.transaction(async (nested) => {
      await client.insert(nested, sendEmail, email('late@example.com'));
    });
    expect((await requireInserted(tx, sendEmail)).args.to).toBe('late@example.com');
    tx.rollback();
  }, { isolationLevel: 'repeatable read' }).catch((error: unknown) => {
    if (!(error instanceof TransactionRollbackError)) throw error;
  });
});

test('a job committed by another connection meanwhile is not counted', async () => {
  await inRolledBackTx(t.db, async (tx) => {
    await client.insert(tx, sendEmail, email('mine@example.com'));
    const { job: other } = await client.insert(t.db, sendEmail, email('theirs@example.com'));
    try {
      const [mine] = await requireManyInserted(tx, [{ job: sendEmail }]);
      expect(mine.args.to).toBe('mine@example.com');
    } finally {
      await t.query('DELETE FROM river_job WHERE id = $1', [other.id]);
    }
  });
});

test('a committed job the transaction changed (worked by testWorker) is one it wrote', async () => {
  await inRolledBackTx(t.db, async (tx) => {
    const charge = committed[2]!.job;
    await testWorker(work(chargeCard, () => {}), { client }).workJob(tx, charge);
    expect(await requireInserted(tx, chargeCard, { state: 'completed' })).toMatchObject({ id: charge.id });
  });
});

test('through a database handle, every committed job is seen', async () => {
  expect((await requireInserted(t.db, sendEmail, { args: { to: 'old2@example.com' } })).id).toBe(committed[1]!.job.id);
  await requireManyInserted(t.db, [{ job: sendEmail }, { job: sendEmail }, { job: chargeCard }]);
  await expect(requireNotInserted(t.db, chargeCard)).rejects.toThrow('requireNotInserted: expected no charge_card job matching (any), found 1');
});
