import Redlock, { ResourceLockedError } from 'redlock';
import { redlockFamily } from './redlock-family.js';

/** redlock 5.0.0-beta.2 (the version most installs get) on one Redis. */
export const redlock = redlockFamily({ lib: 'redlock', Redlock, ResourceLockedError });
