/**
 * Errors the admin API answers with, as JSON `{error: {code, message, field?}}`. Clients
 * (the CLI, scripts) branch on the stable code, never on the message:
 * - API_UNAUTHORIZED    401 missing or wrong bearer token
 * - API_RATE_LIMITED    429 the bucket of the client's address, or of its token, is empty (Retry-After says when)
 * - API_HOST_NOT_ALLOWED 421 the Host header names no host of this controller (DNS rebinding; api.allowedHosts)
 * - API_NOT_FOUND       404 no such endpoint
 * - API_METHOD          405 the endpoint exists, not with this method
 * - API_BAD_JSON        400 the body is not JSON
 * - API_TOO_LARGE       413 the body is over the limit
 * - API_INVALID         400 a field of the body, query or path is wrong (`field` names it)
 * - API_UNKNOWN_DECISION 404 no active decision (or history) for the id or source
 * - API_WHITELISTED     409 an admin block aimed at a whitelisted address
 * - API_BLOCKLISTED     409 an unblock of a blocklisted source (take it off the blocklist instead)
 * - API_VERSION_CONFLICT 409 `ifVersion` is not the policy's version (someone changed it meanwhile)
 * - API_ALREADY_LISTED  409 the entry is already in that list (with that comment)
 * - API_NOT_LISTED      404 the entry is not in that list
 * - API_INTERNAL        500 anything unexpected (logged with details, not sent)
 */
import type { ZodError } from 'zod';
import { PolicyError } from '../policy/errors.js';

export type ApiErrorCode =
  | 'API_UNAUTHORIZED'
  | 'API_RATE_LIMITED'
  | 'API_HOST_NOT_ALLOWED'
  | 'API_NOT_FOUND'
  | 'API_METHOD'
  | 'API_BAD_JSON'
  | 'API_TOO_LARGE'
  | 'API_INVALID'
  | 'API_UNKNOWN_DECISION'
  | 'API_WHITELISTED'
  | 'API_BLOCKLISTED'
  | 'API_VERSION_CONFLICT'
  | 'API_ALREADY_LISTED'
  | 'API_NOT_LISTED'
  | 'API_INTERNAL';

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; field?: string };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field !== undefined ? { field: this.field } : {}) } };
  }
}

/** The first problem of a zod error, with the field it is about. */
export function invalidInput(error: ZodError, where: 'body' | 'query' | 'path'): ApiError {
  const issue = error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = path.map(String).join('.') || where;
  const message = issue.code === 'unrecognized_keys' ? `unknown field in ${where}` : issue.message;
  return new ApiError(400, 'API_INVALID', `${field}: ${message}`, field);
}

/** Policy errors the admin can cause, as the API's answers. */
export function fromPolicyError(err: PolicyError): ApiError {
  switch (err.code) {
    case 'POLICY_BAD_ADDRESS':
      return new ApiError(400, 'API_INVALID', err.message, 'src');
    case 'POLICY_BAD_DURATION':
      return new ApiError(400, 'API_INVALID', err.message, 'durationS');
    case 'POLICY_UNKNOWN_DECISION':
      return new ApiError(404, 'API_UNKNOWN_DECISION', err.message, 'id');
    case 'POLICY_WHITELISTED':
      return new ApiError(409, 'API_WHITELISTED', err.message, 'src');
    case 'POLICY_BLOCKLISTED':
      return new ApiError(409, 'API_BLOCKLISTED', err.message, err.field ?? 'src');
  }
}
