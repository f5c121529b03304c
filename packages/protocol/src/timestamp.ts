import { z } from 'zod';

/** One schema for every time the API answers with, so each is documented alike. */
export const Timestamp = z.string().describe('RFC 3339 timestamp');
