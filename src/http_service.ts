/**
 * What the IIIF and JPIP request handlers share before routing: the CORS preflight answer and the
 * refusal of methods other than GET and HEAD (RFC 9110 §15.5.6: 405 with `Allow`).
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Answer an `OPTIONS` preflight (204, one day's `Access-Control-Max-Age`) or refuse a method other
 * than GET/HEAD (405). `cors` sets the handler's CORS headers; `sendError` writes its error body.
 * @returns true when the request has been answered, false when the handler should route it.
 */
export function answerOtherMethods(
  req: IncomingMessage,
  res: ServerResponse,
  cors: (res: ServerResponse) => void,
  sendError: (res: ServerResponse, status: number, message: string) => void,
): boolean {
  if (req.method === "OPTIONS") {
    cors(res);
    res.statusCode = 204;
    res.setHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    res.setHeader("Access-Control-Allow-Headers", "*");
    res.setHeader("Access-Control-Max-Age", "86400");
    res.end();
    return true;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD, OPTIONS");
    sendError(res, 405, `method ${req.method} is not allowed`);
    return true;
  }
  return false;
}
