import { z } from 'zod';
import type { LeadershipStatus } from '../src/store/leadership.js';

/** `replica` and `leader` of /readyz and GET /v1/sync (docs/replicas.md). */
export const replicaFieldsSchema = z.object({
  replica: z.object({ id: z.string(), role: z.enum(['leader', 'follower']) }),
  leader: z.object({ id: z.string(), epoch: z.number().int(), since: z.string() }).nullable(),
});

/** The two public fields of a leadership status (a leader's published report stays internal). */
export function replicaFields(status: LeadershipStatus): z.infer<typeof replicaFieldsSchema> {
  return { replica: status.replica, leader: status.leader };
}
