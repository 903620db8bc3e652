import pg from 'pg';

/** A LISTEN connection that records payloads, and can wait until everything sent so far arrived. */
export async function listen(url: string, channel: string) {
  const client = new pg.Client({ connectionString: url });
  // A listener left open until the database is dropped must not fail the run.
  client.on('error', () => {});
  await client.connect();
  const payloads: string[] = [];
  const waiters: (() => void)[] = [];
  const marker = `__marker_${Math.random()}`;
  client.on('notification', (n) => {
    if (n.channel !== channel) return;
    if (n.payload === marker) waiters.shift()?.();
    else payloads.push(n.payload ?? '');
  });
  await client.query(`LISTEN "${channel}"`);
  return {
    payloads,
    /**
     * Sends a marker notification from another connection and waits for it: notifications arrive
     * in commit order, so every one committed before has arrived once the marker has.
     */
    async flush(timeoutMs = 10_000) {
      const arrived = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no marker on ${channel} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push(() => (clearTimeout(timer), resolve()));
      });
      const sender = new pg.Client({ connectionString: url });
      await sender.connect();
      await sender.query('SELECT pg_notify($1, $2)', [channel, marker]);
      await sender.end();
      await arrived;
    },
    close: () => client.end(),
  };
}
