/**
 * The cost of one durable commit on the bench's Postgres: a one-row UPDATE in autocommit, sent
 * 300 times in a row on one connection, on a database of its own. Every slot hand-over of a
 * limited queue and every workflow link waits for at least one such commit (its WAL flush), so
 * this bounds what the limits and workflows phases can reach on the machine they run on.
 */
import pg from 'pg';
import { createDatabase, dropDatabase } from './database.js';
import { percentile } from './stats.js';

export interface CommitFloor {
  samples: number;
  p50Ms: number;
  p90Ms: number;
}

export async function measureCommitFloor(serverUrl: string): Promise<CommitFloor> {
  const database = 'tributary_bench_commit';
  const url = await createDatabase(serverUrl, database);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE one (id int PRIMARY KEY, n bigint NOT NULL)');
    await client.query('INSERT INTO one VALUES (1, 0)');
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const start = performance.now();
      await client.query('UPDATE one SET n = n + 1 WHERE id = 1');
      samples.push(performance.now() - start);
    }
    return { samples: samples.length, p50Ms: percentile(samples, 50), p90Ms: percentile(samples, 90) };
  } finally {
    await client.end();
    await dropDatabase(serverUrl, database);
  }
}
