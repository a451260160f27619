/** The Mavera client's public surface (docs/mavera.md): import from here, not from the files inside. */
export { createMaveraClient, type MaveraClient, type MaveraClientOptions } from './client.js';
export { upsertPersonaByName, type PersonaUpsert } from './upsert-persona.js';
export {
  buildFocusGroupRequest,
  focusGroupDescriptionSchema,
  parseFocusGroupResult,
  type FocusGroupDescription,
  type FocusGroupQuestionKind,
  type FocusGroupQuestionResult,
  type FocusGroupRespondent,
  type FocusGroupResult,
  type FocusGroupWireRequest,
} from './focus-group-adapter.js';
export { DEFAULT_FOCUS_GROUP_POLLING, type FocusGroupPolling, type FocusGroupRun, type FocusGroupRunOptions } from './focus-group-runner.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
export { toMaveraError, type MaveraFailure } from './classify-failure.js';
export type { Sleep } from '../../src/lib/abortable.js';
export * from './errors.js';
export type * from './types.js';
