// The closed set of error codes of the API and the error class that carries
// one. Every failure a client sees is a ServiceError rendered as problem+json.

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_token: 401,
  token_expired: 401,
  token_revoked: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_TITLE: Record<ErrorCode, string> = {
  invalid_request: "Invalid request",
  invalid_token: "Invalid token",
  token_expired: "Token expired",
  token_revoked: "Token revoked",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  internal: "Internal error",
};

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  errors?: FieldError[];
  retryAfter?: number;
  /** Extra members a problem may carry (e.g. `ownerEpoch` and `owner` on a handover conflict). */
  [member: string]: unknown;
}

type Scalar = string | number | boolean | null;

/** Extra problem members (scalars or flat objects: they cross Durable Object RPC); the standard ones cannot be overridden. */
export type ProblemMembers = { [member: string]: Scalar | { [key: string]: Scalar } };

export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly retryAfter: number | undefined;
  readonly members: ProblemMembers | undefined;

  constructor(code: ErrorCode, detail?: string, extra?: { errors?: FieldError[]; retryAfter?: number; members?: ProblemMembers }) {
    super(detail ?? ERROR_TITLE[code]);
    this.name = "ServiceError";
    this.code = code;
    this.errors = extra?.errors;
    this.retryAfter = extra?.retryAfter;
    this.members = extra?.members;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toProblem(): Problem {
    const problem: Problem = {
      type: `https://carryover.dev/errors/${this.code}`,
      title: ERROR_TITLE[this.code],
      status: this.status,
      code: this.code,
      detail: this.message,
    };
    if (this.errors) problem.errors = this.errors;
    if (this.retryAfter !== undefined) problem.retryAfter = this.retryAfter;
    for (const [member, value] of Object.entries(this.members ?? {})) {
      if (!(member in problem)) problem[member] = value;
    }
    return problem;
  }
}
