// Shared with the PostgreSQL backend: ../guard.ts.
export { guardSubStore } from '../guard.js';
