import { z } from 'zod';
import { userJson } from '../auth/api.js';
import { notFoundAnswer, type Operations } from '../http/operation.js';

/** The admin's list of accounts, for the OpenAPI document. */
export const userOperations: Operations = {
  'GET /users': {
    tag: 'users',
    summary: 'Every account (admins only)',
    responses: {
      200: { description: 'The accounts', schema: z.object({ users: z.array(userJson) }) },
      404: notFoundAnswer('page'),
    },
  },
};
