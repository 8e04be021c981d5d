/**
 * The body the sender signed when what arrived is its form encoding: JSON signed, then sent
 * URL-encoded inside a form field (`payload=%7B…%7D`, curl's `--data-urlencode 'payload=…'`),
 * URL-encoded whole (`--data-urlencode '{…}'`), or its fields sent as `a=1&b=2` (Zapier's
 * Payload Type "form"). Each variant is text; body.ts turns it into bytes and drops repeats.
 * At most 3 field values, the whole body decoded twice, and one typed JSON object: bounded.
 * @module
 */
import type { Fix } from '../wording.js'
import { type Step, step } from './types.js'

export interface FormContext {
  /** The capture was a curl command whose body came from `--data-urlencode`. */
  curlDataUrlencode?: boolean
}

/** At most this many form fields are tried as the signed body on their own. */
const MAX_FIELDS = 3

/**
 * A form body: `key=value` pairs joined with `&`, no whitespace in a key. (Trailing whitespace
 * is part of the last value: a separate `\s*$` after `[^&]*` made the match quadratic, and
 * `a=` + 1 MB of spaces + `&` took minutes.)
 */
export const FORM_BODY = /^[^\s=&]+=[^&]*(&[^\s=&]+=[^&]*)*$/
/**
 * A form of more fields than this is not read field by field: parsing and re-encoding 100 000
 * fields cost ~0.25 s a variant, and no webhook sends that many (Slack's and Twilio's: dozens).
 */
const MAX_FORM_FIELDS = 1000

/** A form body (FORM_BODY) of at most MAX_FORM_FIELDS fields. */
export function isFormBody(text: string): boolean {
  let fields = 1
  for (
    let i = text.indexOf('&');
    i !== -1 && fields <= MAX_FORM_FIELDS;
    i = text.indexOf('&', i + 1)
  )
    fields++
  return fields <= MAX_FORM_FIELDS && FORM_BODY.test(text)
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/
const PERCENT = /%[0-9A-Fa-f]{2}/

function sentStep(summary: string, detail: string, fix: Fix): Step {
  const s = step('signature_body_modified', summary, fix, [detail])
  s.kind = 'form'
  return s
}

/** The fix when the signed text was sent URL-encoded (in a field, or whole). */
function encodedFix(ctx: FormContext, field?: string): Fix {
  const inField = field !== undefined ? ` inside the form field ${field}=` : ''
  const curl = `curl's --data-urlencode URL-encoded the body you signed${inField}, so the receiver checks other bytes: send the signed bytes as they are with --data-binary (--data-binary @payload.json, with -H 'Content-Type: application/json'), not --data-urlencode.`
  return {
    code: ctx.curlDataUrlencode
      ? curl
      : `Send the signed JSON itself as the body (Content-Type: application/json), not URL-encoded${inField}; or sign the exact form body you send.`,
    curl,
    make: 'In the HTTP module, set Body type to Raw with Content type JSON (application/json), not application/x-www-form-urlencoded, and sign exactly the text in Request content.',
    zapier:
      'In the Webhooks by Zapier action, set Payload Type to json, not form (form sends the fields URL-encoded, not the JSON you signed), and sign that JSON.',
    n8n: 'In the HTTP Request node, set Body Content Type to JSON (or Raw), not Form Urlencoded, and sign the text you send.',
  }
}

/** The fix when the JSON was signed and its fields were sent as a form (`a=1&b=2`). */
const FIELDS_FIX: Fix = {
  code: 'Send the JSON you signed as the body (Content-Type: application/json), not its fields form-encoded (a=1&b=2); sign and send the same bytes.',
  curl: "Send the signed JSON as it is: --data-binary @payload.json with -H 'Content-Type: application/json' (not -d a=1 -d b=2 or --data-urlencode).",
  make: 'In the HTTP module, set Body type to Raw with Content type JSON (application/json), not application/x-www-form-urlencoded, and sign exactly the text in Request content.',
  zapier:
    'In the Webhooks by Zapier action, set Payload Type to json, not form: with form Zapier sends the fields as a=1&b=2, not the JSON you signed.',
  n8n: 'In the HTTP Request node, set Body Content Type to JSON, not Form Urlencoded, and sign the JSON text you send.',
}

/** decodeURIComponent, or null for a malformed escape (`%E9` alone). */
function decodeOr(s: string): string | null {
  try {
    return decodeURIComponent(s)
  } catch {
    return null
  }
}

/** A field name for a sentence: short, printable. */
function fieldName(k: string): string {
  const s = k.replace(/[^\x21-\x7e]/g, '?')
  return s.length > 40 ? `${s.slice(0, 40)}…` : s
}

/**
 * Lazily yields the signed text candidates of a form-encoded (or URL-encoded) body, with the
 * step that names each. `text` is the body as UTF-8 text; it is never JSON (body.ts checks).
 */
export function* formBodyVariants(text: string, ctx: FormContext): Generator<[string, Step]> {
  const body = text.trim()
  const isForm = isFormBody(text)
  if (isForm) {
    const params = [...new URLSearchParams(body)]
    // One field that holds the signed JSON: `payload={"id":1}` sent URL-encoded.
    let tried = 0
    for (const [k, v] of params) {
      if (tried >= MAX_FIELDS) break
      if (!/^\s*[[{]/.test(v)) continue
      tried++
      const name = fieldName(k)
      yield [
        v,
        sentStep(
          `The signature was made over the JSON inside the form field ${name}=, but the body was sent URL-encoded as that form field: the receiver checks the form body, not the JSON signed.`,
          `the URL-decoded value of the form field ${name}= verifies${ctx.curlDataUrlencode ? ' (the capture sends it with curl --data-urlencode)' : ''}`,
          encodedFix(ctx, name),
        ),
      ]
    }
  }
  // The whole body URL-encoded: `--data-urlencode '{"id":1}'` sends `%7B%22id%22%3A1%7D`.
  if (PERCENT.test(body)) {
    const how = ctx.curlDataUrlencode ? ' (the capture sends it with curl --data-urlencode)' : ''
    const decoded = decodeOr(body)
    if (decoded !== null)
      yield [
        decoded,
        sentStep(
          'The signature was made over the body before it was URL-encoded, but it was sent URL-encoded: the receiver checks the encoded bytes, not the text signed.',
          `the URL-decoded body verifies${how}`,
          encodedFix(ctx),
        ),
      ]
    const spaced = body.includes('+') ? decodeOr(body.replace(/\+/g, '%20')) : null
    if (spaced !== null)
      yield [
        spaced,
        sentStep(
          'The signature was made over the body before it was URL-encoded, but it was sent URL-encoded (spaces as "+"): the receiver checks the encoded bytes, not the text signed.',
          `the URL-decoded body ("+" read as a space) verifies${how}`,
          encodedFix(ctx),
        ),
      ]
  }
  if (!isForm) return
  // A field sent twice is one key of the object (the last value, as Object.fromEntries reads).
  const params = Object.entries(Object.fromEntries(new URLSearchParams(body)))
  // The fields as the flat JSON object the sender signed: strings as sent…
  const keys = params.map(([k]) => JSON.stringify(k))
  yield [
    `{${params.map(([, v], i) => `${keys[i]}:${JSON.stringify(v)}`).join(',')}}`,
    sentStep(
      'The signature was made over the body as JSON, but its fields were sent form-encoded (key=value&…): the receiver checks the form body, not the JSON signed.',
      'the form fields written as a JSON object verify',
      FIELDS_FIX,
    ),
  ]
  // …and numbers and booleans as JSON values (`total=42.5` from `"total":42.5`).
  const typed = params.map(([, v]) => JSON_NUMBER.test(v) || v === 'true' || v === 'false')
  if (typed.some(Boolean))
    yield [
      `{${params.map(([, v], i) => `${keys[i]}:${typed[i] ? v : JSON.stringify(v)}`).join(',')}}`,
      sentStep(
        'The signature was made over the body as JSON, but its fields were sent form-encoded (key=value&…): the receiver checks the form body, not the JSON signed.',
        'the form fields written as a JSON object (numbers and booleans as JSON values) verify',
        FIELDS_FIX,
      ),
    ]
}
