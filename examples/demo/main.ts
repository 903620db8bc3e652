import { drizzle } from 'drizzle-orm/node-postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Client, migrate } from 'tributary-queue';
import { serveUi, type UiServer } from 'tributary-queue/ui';
import { LocalPostgresError, startLocalPostgres } from '../../tools/local-postgres.js';
import { recordPaidOrder } from './checkout.js';
import { sendReceiptEmail } from './jobs.js';
import { printJobs, printStateCounts } from './print-jobs.js';
import { Progress } from './progress.js';
import { CREATE_ORDERS_TABLE, type NewOrder } from './schema.js';
import { handleShutdown } from './shutdown.js';
import { makeWorkers, queues } from './workers.js';
import { followPipeline, insertOrderPipeline, pipelineWorkers } from './order-pipeline.js';

const heading = (text: string) => console.log(`\n== ${text} ==`);
const MORE_ORDERS: NewOrder[] = [
  { customer: 'Grace Hopper', email: 'grace@example.com', phone: '+12025550143', totalCents: 4_500 },
  { customer: 'Alan Turing', email: 'alan@example.com', phone: '+441632960961', totalCents: 31_250 },
  { customer: 'Katherine Johnson', email: 'katherine@example.com', phone: '+17575550100', totalCents: 899 },
];
/** A broken setup fails the demo after this long instead of hanging it. */
const JOBS_DEADLINE_MS = 15_000;

let pool: pg.Pool | undefined;
let client: Client | undefined;
let ui: UiServer | undefined;
/** Keep serving the UI after the demo's steps: in a terminal, or with DEMO_KEEP_UI=1. */
const keepUi = process.env.DEMO_KEEP_UI ? process.env.DEMO_KEEP_UI !== '0' : Boolean(process.stdout.isTTY);
const starting = startLocalPostgres();
const shutdown = handleShutdown({
  client: () => client,
  close: async () => {
    await ui?.close();
    await pool?.end();
    await (await starting.catch(() => undefined))?.stop();
  },
  // Jobs here take well under a second. In a terminal, Ctrl-C also reaches the embedded Postgres,
  // which shuts down at once: the outcomes of jobs still running can then never be stored, and
  // the deadline ends the wait.
  deadlineMs: 5_000,
});

try {
  heading('1. Postgres');
  const postgres = await starting;
  console.log(postgres.embedded ? 'started an embedded Postgres (set DATABASE_URL to use your own)' : 'using DATABASE_URL');
  pool = new pg.Pool({ connectionString: postgres.url });
  // A dropped connection already rejects the query in flight; without these listeners node-postgres
  // would also throw it as an unhandled 'error' event and crash before Postgres is stopped.
  pool.on('error', () => {});
  pool.on('connect', (connection) => connection.on('error', () => {}));
  const countRows = async (table: 'orders' | 'river_job'): Promise<number> =>
    (await pool!.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

  heading('2. Migrate');
  // Idempotent: the first run creates River's tables, later runs (on DATABASE_URL) apply nothing.
  const migrated = await migrate({ databaseUrl: postgres.url });
  console.log(`schema "${migrated.schema}": applied [${migrated.applied.join(', ')}], already applied [${migrated.alreadyApplied.join(', ')}]`);
  await pool.query(CREATE_ORDERS_TABLE);
  console.log('the app\'s own "orders" table is ready, in the same database');

  const db = drizzle({ client: pool });
  // The same client inserts and works. It works nothing until start(), so the jobs inserted
  // below wait in river_job for now.
  client = new Client({ pool, queues, workers: [...makeWorkers(db), ...pipelineWorkers] });
  const progress = new Progress(client);
  // The web UI, on 127.0.0.1 only: port 8080, or any free port when 8080 is taken.
  const port = Number(process.env.DEMO_UI_PORT ?? 8080);
  ui = await serveUi(client, { port }).catch(() => serveUi(client!, { port: 0 }));
  console.log(`\nweb UI: ${ui.url}  (jobs by state, each job's errors, retry/cancel/delete, queues)`);

  heading('3. Order paid: one transaction writes the order and its four jobs');
  const { order, jobIds } = await recordPaidOrder(db, client, {
    customer: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+441234567890',
    totalCents: 12_999,
  });
  console.log(`committed order #${order.id} with jobs ${jobIds.join(', ')}`);
  // The last one, check_order_timeout, is due in 30 minutes: the demo waits for the other three.
  progress.expect(jobIds.slice(0, 3));

  heading('4. A transaction that rolls back leaves no jobs behind');
  const before = { orders: await countRows('orders'), jobs: await countRows('river_job') };
  try {
    await recordPaidOrder(db, client, { customer: 'Bob', email: 'bob@example.com', phone: '+15555550100', totalCents: 500 }, true);
  } catch (error) {
    console.log(`transaction failed: ${(error as Error).message}`);
  }
  const after = { orders: await countRows('orders'), jobs: await countRows('river_job') };
  console.log(`orders: ${before.orders} -> ${after.orders}, jobs: ${before.jobs} -> ${after.jobs} (nothing was written)`);
  console.log('(the ids it drew from sequences stay used, so the next order and jobs skip them)');

  heading('5. Unique jobs: the payment webhook is delivered a second time');
  // Outside any transaction `db` itself is the handle: the insert commits on its own.
  const retry = await client.insert(db, sendReceiptEmail, { orderId: order.id, to: order.email });
  console.log(
    retry.uniqueSkippedAsDuplicate
      ? `send_receipt_email for order #${order.id}: skipped as duplicate (job ${retry.job.id} already exists)`
      : `send_receipt_email for order #${order.id}: inserted job ${retry.job.id} (unexpected: it should be unique)`,
  );

  heading(`6. The jobs of order #${order.id}, as stored in river_job`);
  await printJobs(pool, order.id);

  heading('7. Workers start: one line per outcome, as the client reports it');
  await client.start();
  console.log(`working queues ${Object.keys(queues).join(', ')}; award_loyalty_points fails its first attempt and is retried`);
  console.log('check_order_timeout is scheduled 30 minutes ahead, so it stays `scheduled` during the demo');
  await progress.allDone(JOBS_DEADLINE_MS);

  heading('8. More orders arrive while the workers run');
  for (const next of MORE_ORDERS) {
    const placed = await recordPaidOrder(db, client, next);
    console.log(`committed order #${placed.order.id} (${next.customer})`);
    progress.expect(placed.jobIds.slice(0, 3));
    await sleep(400); // customers do not all pay at once
  }
  await progress.allDone(JOBS_DEADLINE_MS);

  heading(`9. A workflow for order #${order.id}: charge, reserve each item in parallel, ship once all are reserved`);
  const pipeline = await insertOrderPipeline(db, client, { id: order.id, cents: order.totalCents, skus: ['mug', 'teapot', 'kettle'] });
  console.log(`inserted workflow ${pipeline}: charge runs now, the reserve tasks wait on it (pending), ship waits on them`);
  await followPipeline(client, pipeline, JOBS_DEADLINE_MS);
  console.log(`(tributary workflows get ${pipeline} shows it from the command line)`);

  heading('10. Done: river_job by state');
  await printStateCounts(pool);
  console.log(`\nthe jobs of order #${order.id} now:`);
  await printJobs(pool, order.id);

  if (keepUi) {
    heading(`11. The web UI stays up at ${ui.url}`);
    console.log('open it to see the jobs above and the error of each failed attempt, retry a job, pause a queue; Ctrl-C stops the demo');
    await new Promise(() => {}); // until a signal: shutdown.ts stops the client, the UI and Postgres
  }
  console.log(`\n(not a terminal, so the demo ends here; DEMO_KEEP_UI=1 keeps the UI at ${ui.url} up)`);
} catch (error) {
  // In a terminal, Ctrl-C also reaches Postgres, and its dropped connections can beat our SIGINT
  // handler: give the handler a moment so an interrupted run is not reported as a failure.
  await sleep(200);
  // A Postgres that cannot start says why and what to do in one sentence: print just that.
  if (!shutdown.begun) console.error('\ndemo failed:', error instanceof LocalPostgresError ? error.message : error);
  await shutdown.exit(1);
}
await shutdown.exit(0);
