export { deletionRequestSchema, type DeletionRequest } from './deletion-schema.js';
export { createPrivacyService, deletionLink, deletionView, type DeletionView, type PrivacyService, type PrivacyServiceDeps } from './privacy-service.js';
export { createPrivacyWorker, PRIVACY_BACKOFF, type PrivacyWorker, type PrivacyWorkerOptions } from './privacy-worker.js';
