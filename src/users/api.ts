import { z } from 'zod';
import { userJson } from '../auth/api.js';
import {
  failure,
  formTwin,
  idJson,
  invalidInput,
  notFoundAnswer,
  type Operation,
  type Operations,
} from '../http/operation.js';
import { newUserSchema, userChangeSchema } from './input.js';

const changeUser: Operation = {
  tag: 'users',
  summary: 'Disable or enable an account, change its role, or turn its two-factor sign-in off (admins only)',
  description:
    "Disabling ends the user's sessions and streams at once; their API tokens are refused while it " +
    'stays disabled. The last admin who may sign in can be neither disabled nor demoted.',
  body: { json: userChangeSchema('json'), form: userChangeSchema('form') },
  responses: {
    200: { description: 'The account', schema: userJson },
    400: invalidInput,
    404: notFoundAnswer('user (or page, for a non-admin)'),
    409: failure('cannot disable the last admin; or: cannot demote the last admin'),
  },
};

/** The admin's accounts, for the OpenAPI document. */
export const userOperations: Operations = {
  'GET /users': {
    tag: 'users',
    summary: 'Every account (admins only)',
    responses: {
      200: { description: 'The accounts', schema: z.object({ users: z.array(userJson) }) },
      404: notFoundAnswer('page'),
    },
  },
  'POST /users': {
    tag: 'users',
    summary: 'Create an account (admins only; a user unless `role` says admin)',
    body: { json: newUserSchema, form: newUserSchema },
    responses: {
      201: { description: 'Created', schema: idJson },
      400: invalidInput,
      404: notFoundAnswer('page'),
      409: failure('username already taken'),
    },
  },
  'PATCH /users/:id': changeUser,
  'POST /users/:id': formTwin(changeUser, 'Change an account (the HTML form; same as PATCH)'),
  'POST /users/:id/password': {
    tag: 'users',
    summary: "Reset an account's password to a new random one, shown this once (admins only)",
    description: "The user's sessions and streams end.",
    responses: {
      200: { description: 'The new password', schema: z.object({ password: z.string() }) },
      404: notFoundAnswer('user (or page, for a non-admin)'),
    },
  },
};
