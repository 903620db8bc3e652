import type { JobRow } from '../job-row.js';
import type { ReleaseTake } from '../workflow/release.js';
import type { Producer } from './producer.js';

/** A reservation of producers' room for one completer flush, and what the flush took. */
export interface ReleaseRoom {
  take: ReleaseTake;
  /** The producers that gave room, with how much, in the order of `take.queues`. */
  producers: Producer[];
}

/**
 * Lets a completer flush that releases workflow tasks take them for this client (the next task
 * of a chain starts without a notification and a fetch): room is claimed from the producers of
 * unlimited queues with free workers before the flush, and the tasks it took are handed to them
 * after. Tasks are taken only for kinds this client has workers for.
 */
export class ReleaseTaker {
  constructor(
    private readonly producers: () => ReadonlyMap<string, Producer>,
    private readonly clientId: string,
    private readonly kinds: readonly string[],
  ) {}

  /** Claims room for a flush; undefined when no producer has any. */
  reserve(): ReleaseRoom | undefined {
    const queues: string[] = [];
    const rooms: number[] = [];
    const producers: Producer[] = [];
    for (const [queue, producer] of this.producers()) {
      const room = producer.reserveReleased();
      if (room === 0) continue;
      queues.push(queue);
      rooms.push(room);
      producers.push(producer);
    }
    if (producers.length === 0) return undefined;
    return { take: { clientId: this.clientId, queues, rooms, kinds: this.kinds }, producers };
  }

  /** Gives back a reservation, with the tasks its flush took (none when it failed). */
  settle(room: ReleaseRoom, jobs: readonly JobRow<unknown>[]): void {
    room.producers.forEach((producer, i) => {
      const queue = room.take.queues[i];
      producer.releasedTaken(room.take.rooms[i]!, jobs.filter((job) => job.queue === queue));
    });
  }
}
