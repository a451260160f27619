/**
 * Profile bulk import jobs, timed as live Klaviyo runs them (docs/live-klaviyo.md): POST answers 202
 * with a `queued` job with zero counts; the first poll answers `queued` too; the job then runs
 * (`processing`) until `live.profileImportJobMs` (Klaviyo time, divided by speedUp) after its
 * creation and only then completes: the profiles exist in the account from that moment, not before.
 * Invalid profiles (bad email or phone, no identifier) become import errors in Klaviyo's shape.
 *
 * Decisions where no live answer is recorded (klaviyo/NOTES.md and the OpenAPI document are silent):
 * - a profile whose identifiers belong to different existing profiles (the case profile-import
 *   answers 409) is an import error with `code: "duplicate_profile"` (the 409's code, title and
 *   detail; the import-error schema has no `meta`, so no duplicate id), and is not written;
 * - a `relationships.lists` id that names no list → 404 at job creation (as add-to-list and the
 *   subscription jobs answer an unknown list); no job is created.
 */
import { invalidBody, notFound } from '../klaviyo-errors.js';
import { listOrThrow } from './lists.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { iso, resource } from '../http/context.js';
import { pageOf } from '../http/pagination.js';
import type { BulkImportJob, ImportError } from '../state/sandbox-data.js';

export const MAX_PROFILES_PER_IMPORT = 10_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{1,14}$/;
/** E.164-shaped but not a dialable number: a North American area code never starts with 0 or 1. */
const IMPOSSIBLE_NANP = /^\+1[01]/;
const validPhone = (phone: string) => E164.test(phone) && !IMPOSSIBLE_NANP.test(phone);
const DAY_MS = 86_400_000;

interface ImportDocument {
  data: {
    attributes: { profiles: { data: { attributes: Record<string, unknown> }[] } };
    relationships?: { lists?: { data?: { id: string }[] } };
  };
}

function jobResource(context: HandlerContext, job: BulkImportJob) {
  return resource(
    context,
    'profile-bulk-import-job',
    job.id,
    {
      status: job.status,
      created_at: iso(job.createdMs),
      total_count: job.profiles.length,
      completed_count: job.completedCount,
      failed_count: job.failedCount,
      completed_at: iso(job.completedMs),
      expires_at: iso(job.createdMs + 7 * DAY_MS),
      started_at: iso(job.startedMs),
    },
    `/api/profile-bulk-import-jobs/${job.id}/`,
    {
      lists: { data: job.listIds.map((id) => ({ type: 'list', id })) },
      'import-errors': { links: { related: `${context.baseUrl}/api/profile-bulk-import-jobs/${job.id}/import-errors/` } },
    },
  );
}

export function bulkImportProfiles(context: HandlerContext): HandlerResult {
  const document = context.body as ImportDocument;
  const profiles = document.data.attributes.profiles.data.map((profile) => profile.attributes);
  if (profiles.length > MAX_PROFILES_PER_IMPORT) {
    throw invalidBody([{ pointer: '/data/attributes/profiles/data', detail: `A bulk import accepts at most ${MAX_PROFILES_PER_IMPORT} profiles; got ${profiles.length}.` }]);
  }
  const listIds = (document.data.relationships?.lists?.data ?? []).map((list) => list.id);
  for (const listId of listIds) listOrThrow(context, listId);
  const job: BulkImportJob = {
    id: context.data.nextId('bulk-import'),
    createdMs: context.nowMs,
    startedMs: null,
    completedMs: null,
    status: 'queued',
    profiles,
    listIds,
    completedCount: 0,
    failedCount: 0,
    errors: [],
    profileIndexes: [],
  };
  context.data.bulkImportJobs.set(job.id, job);
  context.recorder.bulkJobs.push({ kind: 'profile-bulk-import', id: job.id, items: profiles.length, status: job.status, failed: 0 });
  return { status: 202, body: { data: jobResource(context, job) } };
}

function importErrorOf(context: HandlerContext, attributes: Record<string, unknown>, position: number): ImportError | null {
  const pointer = `/data/attributes/profiles/data/${position}/attributes`;
  const email = attributes.email;
  const phone = attributes.phone_number;
  const base = { id: context.data.nextId('import-error'), code: 'invalid', originalPayload: attributes };
  if (typeof email === 'string' && !EMAIL.test(email)) return { ...base, title: 'Invalid email address', detail: 'Invalid email address.', pointer: `${pointer}/email` };
  if (typeof phone === 'string' && !validPhone(phone)) return { ...base, title: 'Invalid phone number', detail: 'Invalid phone number format (Example of a valid format: +12345678901).', pointer: `${pointer}/phone_number` };
  if (!['email', 'phone_number', 'external_id', 'anonymous_id'].some((field) => typeof attributes[field] === 'string' && attributes[field] !== '')) {
    return { ...base, title: 'Missing identifier', detail: 'One of email, phone_number, external_id or anonymous_id is required.', pointer };
  }
  // Checked when the job runs, against the account as it is then (earlier profiles of the job included).
  if (context.data.profiles.matchingProfiles(attributes).length > 1) {
    return { ...base, code: 'duplicate_profile', title: 'Conflict.', detail: 'A profile already exists with one of these identifiers.', pointer };
  }
  return null;
}

function complete(context: HandlerContext, job: BulkImportJob): void {
  job.profiles.forEach((attributes, position) => {
    const error = importErrorOf(context, attributes, position);
    if (error) {
      job.errors.push(error);
      return;
    }
    const { index } = context.data.profiles.upsert(attributes);
    job.profileIndexes.push(index);
    for (const listId of job.listIds) context.data.addListMember(listId, index);
  });
  job.failedCount = job.errors.length;
  job.completedCount = job.profiles.length - job.failedCount;
  job.status = 'complete';
  job.completedMs = context.nowMs;
  const reported = context.recorder.bulkJobs.find((entry) => entry.id === job.id);
  if (reported) Object.assign(reported, { status: job.status, failed: job.failedCount });
}

function jobOrThrow(context: HandlerContext, id: string): BulkImportJob {
  const job = context.data.bulkImportJobs.get(id);
  if (!job) throw notFound(`A bulk import job with id ${id} does not exist.`);
  return job;
}

/** Jobs polled at least once: live, the first poll still answers `queued`, however late it comes. */
const polled = new WeakSet<BulkImportJob>();

/** Brings a job to the status its age gives it: queued for the first third of its run, then processing. */
function advance(context: HandlerContext, job: BulkImportJob): void {
  if (job.status === 'complete') return;
  const runMs = context.live.profileImportJobMs / context.speedUp;
  const ageMs = context.nowMs - job.createdMs;
  const firstPoll = !polled.has(job);
  polled.add(job);
  if (firstPoll) return;
  if (ageMs >= runMs) complete(context, job);
  else if (ageMs >= runMs / 3 && job.status === 'queued') {
    job.status = 'processing';
    job.startedMs = context.nowMs;
    const reported = context.recorder.bulkJobs.find((entry) => entry.id === job.id);
    if (reported) reported.status = job.status;
  }
}

export function getBulkImportJob(context: HandlerContext): HandlerResult {
  const job = jobOrThrow(context, context.params.job_id ?? '');
  advance(context, job);
  return { status: 200, body: { data: jobResource(context, job) } };
}

export function getBulkImportErrors(context: HandlerContext): HandlerResult {
  const job = jobOrThrow(context, context.params.id ?? '');
  const { page, links } = pageOf(context, job.errors);
  const data = page.map((error) => ({
    type: 'import-error',
    id: error.id,
    attributes: { code: error.code, title: error.title, detail: error.detail, source: { pointer: error.pointer }, original_payload: error.originalPayload },
  }));
  return { status: 200, body: { data, links } };
}
