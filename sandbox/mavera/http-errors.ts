import type { Response } from 'express';

/** Mavera's documented error envelope: `{error:{message,type,code,param}}`. */
export function sendMaveraError(res: Response, status: number, code: string, message: string, param: string | null = null): void {
  const type =
    status === 401 ? 'authentication_error'
    : status === 402 ? 'billing_error'
    : status === 403 ? 'permission_error'
    : status === 404 ? 'not_found_error'
    : status === 429 ? 'rate_limit_error'
    : status >= 500 ? 'api_error'
    : 'invalid_request_error';
  res.status(status).json({ error: { message, type, code, param } });
}

export function sendOutOfCredits(res: Response, cost: number, remaining: number): void {
  sendMaveraError(res, 402, 'credits_exhausted', `This request costs ${cost} credits but only ${remaining} remain.`);
}
