import { startLocalPostgres } from '../tools/local-postgres.js';
import { measureFlowLimits } from './flow-limits.js';
const pg = await startLocalPostgres();
try { console.log(JSON.stringify(await measureFlowLimits(pg.url, Number(process.env.N ?? 10000), console.log))); } finally { await pg.stop(); }
