/** Every scenario, in the order a full run takes them. */
import type { Scenario } from '../scenario.js';
import { connectionKills } from './connection-kills.js';
import { killStormCompleteTx, killStormPlain } from './kill-storm.js';
import { poison } from './poison.js';
import { restartFast, restartImmediate } from './restart.js';
import { sigterm, sigtermDouble } from './sigterm.js';

export const SCENARIOS: readonly Scenario[] = [
  killStormCompleteTx, killStormPlain, restartImmediate, restartFast, connectionKills, poison, sigterm, sigtermDouble,
];
