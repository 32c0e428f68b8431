/**
 * Errors the admin API answers with, as JSON `{error: {code, message, field?}}`. Clients
 * (the CLI, scripts) branch on the stable code, never on the message:
 * - API_UNAUTHORIZED    401 missing or wrong bearer token
 * - API_RATE_LIMITED    429 the bucket of the client's address, or of its token, is empty (Retry-After says when)
 * - API_HOST_NOT_ALLOWED 421 the Host header names no host of this controller (DNS rebinding; api.allowedHosts)
 * - API_NOT_FOUND       404 no such endpoint
 * - API_METHOD          405 the endpoint exists, not with this method
 * - API_BAD_JSON        400 the body is not JSON, nests deeper than 32 levels or holds a "__proto__" key
 * - API_TOO_LARGE       413 the body is over the limit
 * - API_INVALID         400 a field of the body, query or path is wrong (`field` names it), a
 *                          policy change the policy schema refuses, a block or list entry
 *                          wider than /8 (IPv4) or /16 (IPv6) sent without `"force": true`
 * - API_NOT_ENFORCEABLE 400 the change is valid but no flow can carry it: nothing was stored
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
  | 'API_NOT_ENFORCEABLE'
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

/** Policy errors the admin can cause, as the API's answers (the message is the policy's, without its code). */
export function fromPolicyError(err: PolicyError): ApiError {
  const at = (fallback: string) => err.field ?? fallback;
  switch (err.code) {
    case 'POLICY_BAD_ADDRESS':
    case 'POLICY_WIDE_PREFIX':
      return new ApiError(400, 'API_INVALID', err.detail, at('src'));
    case 'POLICY_INVALID':
      return new ApiError(400, 'API_INVALID', err.detail, at('policy'));
    case 'POLICY_BAD_DURATION':
      return new ApiError(400, 'API_INVALID', err.detail, at('durationS'));
    case 'POLICY_NOT_ENFORCEABLE':
      return new ApiError(400, 'API_NOT_ENFORCEABLE', err.detail, at('src'));
    case 'POLICY_UNKNOWN_DECISION':
      return new ApiError(404, 'API_UNKNOWN_DECISION', err.detail, at('id'));
    case 'POLICY_WHITELISTED':
      return new ApiError(409, 'API_WHITELISTED', err.detail, at('src'));
    case 'POLICY_BLOCKLISTED':
      return new ApiError(409, 'API_BLOCKLISTED', err.detail, at('src'));
    case 'POLICY_VERSION_CONFLICT':
      return new ApiError(409, 'API_VERSION_CONFLICT', err.detail, at('ifVersion'));
    case 'POLICY_ALREADY_LISTED':
      return new ApiError(409, 'API_ALREADY_LISTED', err.detail, at('address'));
    case 'POLICY_NOT_LISTED':
      return new ApiError(404, 'API_NOT_LISTED', err.detail, at('address'));
  }
}
