import { afterAll } from 'vitest';
import { removeTempDirs } from '../helpers/temp-dirs.js';

// Every temp dir a test made with tempDir() goes when its file ends, pass or fail.
afterAll(() => removeTempDirs());
