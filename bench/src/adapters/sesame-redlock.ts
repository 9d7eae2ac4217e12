import { Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import { redlockFamily } from './redlock-family.js';

/** @sesamecare-oss/redlock 1.4.0, the maintained fork of redlock 5, on one Redis. */
export const sesameRedlock = redlockFamily({ lib: 'sesame-redlock', Redlock, ResourceLockedError });
