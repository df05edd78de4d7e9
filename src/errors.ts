// The one catalogue of errors: HTTP answers of klingflow's own API, failure types raised
// by activities and the workflow, and the Kling error-code table (providers.md).
import { ApplicationFailure } from '@temporalio/common';
import { SUBMIT_OUTCOME_UNKNOWN, WorkflowFailureType } from '../workflows/types.js';

// ---------------------------------------------------------------- HTTP (our API)

export const HttpErrors = {
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid' },
  BAD_CALLBACK_BODY: { status: 400, message: 'The callback body could not be parsed' },
  INVALID_JSON: { status: 400, message: 'The body is not valid JSON (UTF-8)' },
  BAD_REQUEST: { status: 400, message: 'The request could not be read' },
  UNAUTHORIZED: { status: 401, message: 'Missing or invalid token' },
  NOT_FOUND: { status: 404, message: 'No such generation' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  IDEMPOTENCY_CONFLICT: { status: 409, message: 'Idempotency-Key was already used with a different request' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time in Retry-After' },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request headers too large' },
  TEMPORAL_UNAVAILABLE: { status: 503, message: 'Temporal is unreachable; retry later' },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const;
export type HttpErrorCode = keyof typeof HttpErrors;

export class HttpError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: HttpErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? HttpErrors[code].message);
    this.statusCode = HttpErrors[code].status;
  }
}

// ---------------------------------------------------------------- failure types

export const FailureType = {
  ...WorkflowFailureType,
  klingAuth: 'KlingAuthFailed',
  klingAccount: 'KlingAccountProblem',
  klingBadRequest: 'KlingBadRequest',
  klingContentPolicy: 'KlingContentPolicy',
  klingRateLimited: 'KlingRateLimited',
  klingServer: 'KlingServerError',
  klingNetwork: 'KlingNetworkError',
  klingUnknown: 'KlingUnknownError',
  klingTaskNotFound: 'KlingTaskNotFound',
  runblobAuth: 'RunBlobAuthFailed',
  runblobCredits: 'RunBlobInsufficientCredits',
  runblobBadRequest: 'RunBlobBadRequest',
  runblobServer: 'RunBlobServerError',
  /** The request may or may not have created a task, and the provider cannot be asked. */
  submitOutcomeUnknown: SUBMIT_OUTCOME_UNKNOWN,
  downloadRefused: 'DownloadRefused',
  downloadTooLarge: 'DownloadTooLarge',
  downloadFailed: 'DownloadFailed',
  /** The response is not a video, or sent more bytes than it announced. */
  downloadBadContent: 'DownloadBadContent',
  /** discardDownload could not clean up (an unusable id is non-retryable). */
  discardFailed: 'DiscardFailed',
  notifyRejected: 'NotificationRejected',
  notifyFailed: 'NotificationFailed',
  notifyMisconfigured: 'NotificationMisconfigured',
  storeFailed: 'StoreFailed',
  /** S3 refused the request (AccessDenied, NoSuchBucket, bad credentials, …): not retried. */
  s3Rejected: 'S3Rejected',
  /** S3 unreachable, throttling or failing (network, 5xx): retried. */
  s3Unavailable: 'S3Unavailable',
} as const;

// ---------------------------------------------------------------- Kling codes

interface KlingCodeInfo {
  type: (typeof FailureType)[keyof typeof FailureType];
  retryable: boolean;
  meaning: string;
}

const k = (type: KlingCodeInfo['type'], retryable: boolean, meaning: string): KlingCodeInfo => ({ type, retryable, meaning });

export const KLING_CODES: Record<number, KlingCodeInfo> = {
  1000: k(FailureType.klingAuth, false, 'authentication failed'),
  1001: k(FailureType.klingAuth, false, 'authorization header empty'),
  1002: k(FailureType.klingAuth, false, 'authorization header invalid'),
  1003: k(FailureType.klingAuth, false, 'token not yet valid'),
  1004: k(FailureType.klingAuth, false, 'token expired'),
  1100: k(FailureType.klingAccount, false, 'account exception'),
  1101: k(FailureType.klingAccount, false, 'account in arrears'),
  1102: k(FailureType.klingAccount, false, 'resource pack used up or expired'),
  1103: k(FailureType.klingAccount, false, 'no access to this API or model'),
  1200: k(FailureType.klingBadRequest, false, 'invalid request parameters'),
  1201: k(FailureType.klingBadRequest, false, 'invalid parameter key or value'),
  1202: k(FailureType.klingBadRequest, false, 'invalid request method'),
  1203: k(FailureType.klingBadRequest, false, 'model or resource not found'),
  1300: k(FailureType.klingContentPolicy, false, 'platform policy triggered'),
  1301: k(FailureType.klingContentPolicy, false, 'content safety policy triggered'),
  1302: k(FailureType.klingRateLimited, true, 'request rate too high'),
  1303: k(FailureType.klingRateLimited, true, 'concurrency or QPS over the resource pack limit'),
  1304: k(FailureType.klingAccount, false, 'IP whitelist policy triggered'),
  5000: k(FailureType.klingServer, true, 'server internal error'),
  5001: k(FailureType.klingServer, true, 'server temporarily unavailable (maintenance)'),
  5002: k(FailureType.klingServer, true, 'server internal timeout (backlog)'),
};

export const KLING_AUTH_CODES = new Set([1000, 1001, 1002, 1003, 1004]);

/** Maps a Kling error answer to the failure an activity throws. */
export function klingFailure(httpStatus: number, code: number | undefined, message: string, requestId?: string): ApplicationFailure {
  const known = code === undefined ? undefined : KLING_CODES[code];
  const info =
    known ??
    (httpStatus >= 500 || httpStatus === 429
      ? k(FailureType.klingServer, true, 'unknown server error')
      : k(FailureType.klingUnknown, false, 'unknown error'));
  const text = `Kling ${code ?? httpStatus}: ${message || info.meaning}`;
  const details = [{ provider: 'kling', httpStatus, code: code ?? null, message, requestId: requestId ?? null }];
  if (!info.retryable) return ApplicationFailure.create({ message: text, type: info.type, nonRetryable: true, details });
  // Rate limits back off exponentially from 1 s: that is the submit activity's retry policy.
  return ApplicationFailure.create({ message: text, type: info.type, nonRetryable: false, details });
}
