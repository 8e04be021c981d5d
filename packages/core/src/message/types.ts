/**
 * The one model of an HTTP request and response. Headers are an ordered list that keeps
 * duplicates and the original casing (Node's `req.headers` would hide a second Authorization);
 * the body is the exact raw bytes, never re-serialized.
 * @module
 */

/** One header line as received: `[name, value]`, name in its original casing. */
export type Header = readonly [name: string, value: string]

export interface HttpRequest {
  /** Upper-case method, e.g. `POST`. */
  method: string
  /**
   * The request target: origin-form (`/hooks/orders?x=1`) or absolute (`https://h/p`).
   * With origin-form, the `Host` header names the host.
   */
  url: string
  headers: Header[]
  /** Raw body bytes, byte for byte as sent. */
  body: Uint8Array
  /** HTTP version from a raw capture, e.g. `HTTP/1.1`. */
  httpVersion?: string
  /**
   * The size of a body the capture declares but does not hold (a HAR entry without
   * `postData`, a raw head with `Content-Length` and nothing after it): a signature over it
   * cannot be checked from the capture.
   */
  bodyNotCaptured?: number
}

export interface HttpResponse {
  status: number
  statusText?: string
  headers: Header[]
  body: Uint8Array
  httpVersion?: string
  /**
   * The status blocks a capture printed before this, the final answer, oldest first: a 1xx,
   * a proxy's answer to CONNECT, the redirects `curl -i -L` followed. Bodies are not kept.
   */
  earlier?: EarlierResponse[]
}

/** A response head that came before the final answer (see HttpResponse.earlier). */
export interface EarlierResponse {
  status: number
  statusText?: string
  headers: Header[]
}

/** What a capture file held: a request, a response, or both (HAR, JSON). */
export interface Capture {
  request?: HttpRequest
  response?: HttpResponse
}
