/**
 * The one model of an HTTP request and response. Headers are an ordered list that keeps
 * duplicates and the original casing (Node's `req.headers` would hide a second Authorization);
 * the body is the exact raw bytes, never re-serialized.
 * @module
 */

/** What `Content-Length` declares against what the capture holds, when they disagree. */
export interface LengthMismatch {
  /** The Content-Length header's value. */
  declared: number
  /** The bytes after the head. */
  held: number
  /** The body's length in UTF-16 code units (JavaScript's `string.length`), when it is text. */
  chars?: number
  /** The bytes held, when more than declared (the body the sender most likely signed). */
  whole?: Uint8Array
}

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
  /**
   * A raw capture whose Content-Length disagrees with the bytes after its head (framing.ts):
   * `body` is what a receiver reads (cut at Content-Length when more bytes follow).
   */
  lengthMismatch?: LengthMismatch
  /**
   * What reading the capture chose for the user, to be shown with the diagnosis (e.g. a HAR
   * whose first entry is a CORS preflight: the request after it was read instead).
   */
  captureNotes?: string[]
  /**
   * Where the request was read from: the capture's format, and the tool a HAR names as its
   * creator (`Postman`, `Insomnia`, `WebInspector`…). Absent for a request received live.
   */
  source?: CaptureSource
  /**
   * A curl command whose body came from `--data-urlencode`: curl URL-encoded it, so the bytes
   * sent are not the text written after the flag (a signature over that text fails).
   */
  curlDataUrlencode?: true
}

/** What a request was parsed from (see HttpRequest.source). */
export interface CaptureSource {
  format: 'http-request' | 'curl' | 'curl-verbose' | 'har' | 'json'
  /** A HAR's `log.creator.name`. */
  creator?: string
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
