// requireInserted, requireNotInserted and requireManyInserted: River's rivertest assertions,
// through any Drizzle handle, seeing a transaction's own uncommitted jobs.
import { describe, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { JobAssertionError, requireInserted, requireManyInserted, requireNotInserted } from '../../src/testing/index.js';
import { chargeCard, noop, sendEmail } from '../support/jobs.js';
import { inRolledBackTx } from '../support/rollback.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client();
const email = (to: string, subject = 'Welcome') => ({ to, subject });

describe('requireInserted', () => {
  test('finds an uncommitted job in the transaction, matching every filter field given', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      await client.insert(tx, sendEmail, email('a@example.com'));
      const inserted = await client.insert(tx, sendEmail, email('b@example.com', 'Receipt'), {
        queue: 'email', priority: 2, tags: ['receipt'], metadata: { order: 7, source: 'web' }, maxAttempts: 3,
      });
      const job = await requireInserted(tx, sendEmail, {
        args: { to: 'b@example.com' },
        queue: 'email',
        priority: 2,
        state: 'available',
        tags: ['receipt'],
        metadata: { order: 7 },
        maxAttempts: 3,
      });
      expect(job.id).toBe(inserted.job.id);
      expect(job.args.subject).toBe('Receipt');
      // Any match passes; the first by id is returned.
      expect((await requireInserted(tx, sendEmail)).args.to).toBe('a@example.com');
      expect((await requireInserted(tx, sendEmail, { args: { subject: 'Welcome' } })).args.to).toBe('a@example.com');
    });
    // Rolled back: nothing is visible outside the transaction.
    await expect(requireInserted(t.db, sendEmail)).rejects.toThrow('requireInserted: no send_email job was inserted');
  });

  test('compares args deeply as JSON, whatever the key order', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      await client.insert(tx, sendEmail, { ...email('c@example.com'), attachments: [{ name: 'a.pdf', bytes: 10 }] });
      await requireInserted(tx, sendEmail, { args: { attachments: [{ bytes: 10, name: 'a.pdf' }] } });
      await expect(requireInserted(tx, sendEmail, { args: { attachments: [{ name: 'a.pdf', bytes: 11 }] } })).rejects.toThrow(JobAssertionError);
    });
  });

  test('fails describing what was found instead, and how each job differs', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      const a = await client.insert(tx, sendEmail, email('a@example.com'));
      const b = await client.insert(tx, sendEmail, email('b@example.com'), { queue: 'email' });
      const error = await requireInserted(tx, sendEmail, { args: { to: 'z@example.com' }, queue: 'email' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobAssertionError);
      expect((error as Error).message).toBe(
        'requireInserted: no send_email job matches { args: {"to":"z@example.com"}, queue: "email" }; found 2 send_email job(s):\n' +
          `  job ${a.job.id} (send_email, available, queue default, args {"subject":"Welcome","to":"a@example.com"}): args.to is "a@example.com", expected "z@example.com"; queue is "default", expected "email"\n` +
          `  job ${b.job.id} (send_email, available, queue email, args {"subject":"Welcome","to":"b@example.com"}): args.to is "b@example.com", expected "z@example.com"`,
      );
      await expect(requireInserted(tx, sendEmail, { metadata: { trace: 'x' } })).rejects.toThrow('metadata.trace is missing, expected "x"');
      await expect(requireInserted(tx, sendEmail, { scheduledAt: new Date(0) })).rejects.toThrow('scheduledAt is');
    });
  });

  test('looks in the schema it is given', async () => {
    await expect(requireInserted(t.db, noop, {}, { schema: 'elsewhere' })).rejects.toThrow(/elsewhere/);
    await expect(requireInserted(t.db, {} as typeof noop)).rejects.toThrow('requireInserted: expected a job definition made by defineJob()');
  });
});

describe('requireNotInserted', () => {
  test('passes when no job of the kind matches, fails naming those that do', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      await requireNotInserted(tx, chargeCard);
      const { job } = await client.insert(tx, chargeCard, { orderId: 1, cents: 100 });
      await requireNotInserted(tx, chargeCard, { args: { orderId: 2 } });
      await requireNotInserted(tx, chargeCard, { state: 'completed' });
      await requireNotInserted(tx, noop);
      await expect(requireNotInserted(tx, chargeCard, { queue: 'payments' })).rejects.toThrow(
        `requireNotInserted: expected no charge_card job matching { queue: "payments" }, found 1:\n  job ${job.id} (charge_card, available, queue payments, args {"cents":100,"orderId":1})`,
      );
      await expect(requireNotInserted(tx, chargeCard)).rejects.toThrow(JobAssertionError);
    });
  });
});

describe('requireManyInserted', () => {
  test('passes for exactly the expected kinds in order, ignoring other kinds, and returns typed rows', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      await client.insertMany(tx, [
        { job: sendEmail, args: email('a@example.com') },
        { job: noop, args: {} },
        { job: chargeCard, args: { orderId: 3, cents: 9 } },
        { job: sendEmail, args: email('b@example.com') },
      ]);
      const [first, charge, second] = await requireManyInserted(tx, [
        { job: sendEmail, args: { to: 'a@example.com' } },
        { job: chargeCard, priority: 2, queue: 'payments' },
        { job: sendEmail, state: 'available' },
      ]);
      expect(first.args.to).toBe('a@example.com');
      expect(charge.args.orderId).toBe(3);
      expect(second.args.to).toBe('b@example.com');
    });
  });

  test('fails on a missing, extra or reordered job, listing the kinds found', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      await client.insert(tx, sendEmail, email('a@example.com'));
      await client.insert(tx, chargeCard, { orderId: 1, cents: 1 });
      await client.insert(tx, sendEmail, email('b@example.com'));
      await expect(requireManyInserted(tx, [{ job: sendEmail }, { job: chargeCard }])).rejects.toThrow(
        'requireManyInserted: expected jobs of kinds [send_email, charge_card] in this order, found [send_email, charge_card, send_email]',
      );
      await expect(requireManyInserted(tx, [{ job: chargeCard }, { job: sendEmail }, { job: sendEmail }])).rejects.toThrow(
        'found [send_email, charge_card, send_email]',
      );
      await expect(requireManyInserted(tx, [{ job: noop }])).rejects.toThrow('expected jobs of kinds [noop] in this order, found []');
      await requireManyInserted(tx, [{ job: sendEmail }, { job: chargeCard }, { job: sendEmail }]);
    });
  });

  test("fails naming the item whose filter does not match", async () => {
    await inRolledBackTx(t.db, async (tx) => {
      const { job } = await client.insert(tx, chargeCard, { orderId: 1, cents: 1 });
      await expect(requireManyInserted(tx, [{ job: chargeCard, args: { cents: 2 } }])).rejects.toThrow(
        `requireManyInserted: items[0] expected { args: {"cents":2} }; job ${job.id} (charge_card, available, queue payments, args {"cents":1,"orderId":1}): args.cents is 1, expected 2`,
      );
    });
  });
});
