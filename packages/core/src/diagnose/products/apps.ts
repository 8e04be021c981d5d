/**
 * Application frameworks and automation platforms: Express, Fastify, Django / DRF, Rails,
 * Spring Security, Laravel, ASP.NET, and the webhook receivers of Make and n8n. Includes the
 * framework defaults that answer before the handler runs (CSRF middleware, global auth).
 * @module
 */
import { answered, bodyEv, ev, type Fingerprint, h, jsonField, jsonKeys, realm } from './types.js'

const BEFORE_HANDLER = 'answered by framework middleware before the webhook handler ran'

export const make: Fingerprint = {
  product: 'make',
  layer: 'application',
  answered(s) {
    const onMake =
      s.host &&
      /(^|\.)hook\.([\w-]+\.)?(make\.com|integromat\.com)$|(^|\.)make\.com$|integromat\.com$/.test(
        s.host,
      )
    const b =
      bodyEv(s, /There is no scenario listening for this webhook\.?/i) ??
      bodyEv(s, /^\s*Queue is full\.?\s*$/i) ??
      bodyEv(s, /^\s*Webhook is disabled\.?\s*$/i)
    if (b) return answered(100, b, onMake ? `host: ${s.host}` : null)
    if (onMake && s.status === 429)
      return answered(
        90,
        `host: ${s.host}`,
        'Make answers 429 above about 300 webhook requests per 10 s',
      )
    if (onMake && /^Accepted\s*$/.test(s.body))
      return answered(90, 'body: "Accepted"', `host: ${s.host}`)
    return null
  },
  onPath(s) {
    return s.host && /(^|\.)hook\.([\w-]+\.)?(make\.com|integromat\.com)$/.test(s.host)
      ? [`host: ${s.host}`]
      : null
  },
}

export const n8n: Fingerprint = {
  product: 'n8n',
  layer: 'application',
  answered(s) {
    // The JSON body escapes the quotes around the webhook's name: match the message itself.
    const msg = jsonField(s, 'message')
    const unregistered =
      typeof msg === 'string' && /^The requested webhook "[^"]*" is not registered\.?/i.test(msg)
        ? `body: "message": "${msg.slice(0, 90)}"`
        : null
    const b =
      bodyEv(s, /Authorization data is wrong!/) ??
      bodyEv(s, /Authorization is required!/) ??
      unregistered ??
      bodyEv(s, /The requested webhook "[^"]*" is not registered\.?/i) ??
      bodyEv(s, /Workflow Webhook Error: [^"\n]*/i)
    const r = realm(s)
    if (b)
      return answered(
        100,
        b,
        r === 'Webhook' ? ev('WWW-Authenticate', h(s, 'www-authenticate')) : null,
      )
    if (r === 'Webhook' && (s.status === 401 || s.status === 403))
      return answered(
        80,
        ev('WWW-Authenticate', h(s, 'www-authenticate')),
        'realm "Webhook" is what the n8n Webhook node sends on every auth error',
      )
    return null
  },
}

export const django: Fingerprint = {
  product: 'django',
  layer: 'application',
  answered(s) {
    const csrf = bodyEv(s, /CSRF verification failed\. Request aborted\.?/i)
    if (csrf)
      return answered(
        100,
        csrf,
        `Django's CsrfViewMiddleware ${BEFORE_HANDLER}: exempt the webhook view (@csrf_exempt)`,
      )
    const detail = jsonField(s, 'detail')
    const code = jsonField(s, 'code')
    if (
      typeof detail === 'string' &&
      /^(Authentication credentials were not provided\.|Invalid token\.?|Invalid token header\..*|Incorrect authentication credentials\.|You do not have permission to perform this action\.|Given token not valid for any token type|User not found|Invalid username\/password\.|Request was throttled\..*|Method "\w+" not allowed\.|Not found\.|No .* matches the given query\.)$/.test(
        detail,
      )
    )
      return answered(
        100,
        `body: {"detail": "${detail}"${typeof code === 'string' ? `, "code": "${code}"` : ''}}`,
        'Django REST framework',
      )
    if (
      bodyEv(
        s,
        /<title>(Page not found|Server Error) \(\d{3}\)|You're seeing this error because you have <code>DEBUG = True<\/code>/,
      )
    )
      return answered(90, bodyEv(s, /<title>[^<]*<\/title>/))
    return null
  },
}

export const rails: Fingerprint = {
  product: 'rails',
  layer: 'application',
  answered(s) {
    const csrf =
      bodyEv(
        s,
        /ActionController::InvalidAuthenticityToken|Can't verify CSRF token authenticity/,
      ) ?? (s.status === 422 ? bodyEv(s, /The change you wanted was rejected\./) : null)
    if (csrf)
      return answered(
        100,
        csrf,
        `Rails' protect_from_forgery ${BEFORE_HANDLER}: skip_forgery_protection on the webhook controller`,
      )
    const b = bodyEv(s, /^HTTP (Token|Basic|Digest): Access denied\.\s*$/m)
    if (b)
      return answered(
        100,
        b,
        h(s, 'www-authenticate') ? ev('WWW-Authenticate', h(s, 'www-authenticate')) : null,
      )
    if (h(s, 'x-runtime') && h(s, 'x-request-id'))
      return answered(
        55,
        ev('x-runtime', h(s, 'x-runtime')),
        'x-request-id and x-runtime: a Rails (Rack) application',
      )
    return null
  },
}

export const spring: Fingerprint = {
  product: 'spring',
  layer: 'application',
  answered(s) {
    const csrf = bodyEv(
      s,
      /Invalid CSRF [Tt]oken[^"\n<]*|Could not verify the provided CSRF token[^"\n<]*/,
    )
    if (csrf)
      return answered(
        100,
        csrf,
        `Spring Security's CsrfFilter ${BEFORE_HANDLER}: ignore the webhook path (csrf.ignoringRequestMatchers)`,
      )
    const keys = jsonKeys(s)
    if (keys && ['timestamp', 'status', 'error', 'path'].every((k) => keys.includes(k)))
      return answered(
        95,
        `body: {"timestamp", "status": ${jsonField(s, 'status')}, "error": "${jsonField(s, 'error')}", "path": "${jsonField(s, 'path')}"} (Spring Boot's error shape)`,
      )
    const www = (s.headers.get('www-authenticate') ?? []).find((v) =>
      /error_uri="https:\/\/tools\.ietf\.org\/html\/rfc6750#section-3\.1"/.test(v),
    )
    if (www)
      return answered(
        95,
        ev('WWW-Authenticate', www),
        "Spring Security's BearerTokenAuthenticationEntryPoint",
      )
    if (realm(s) === 'Realm')
      return answered(
        80,
        ev('WWW-Authenticate', h(s, 'www-authenticate')),
        'realm "Realm" is Spring Security\'s httpBasic() default',
      )
    return null
  },
}

export const laravel: Fingerprint = {
  product: 'laravel',
  layer: 'application',
  answered(s) {
    if (s.status === 419) {
      const b = bodyEv(s, /Page Expired|CSRF token mismatch\.?/i)
      return answered(
        100,
        b ?? 'status 419 (Laravel\'s "Page Expired")',
        `Laravel's VerifyCsrfToken ${BEFORE_HANDLER}: add the webhook path to $except`,
      )
    }
    const msg = jsonField(s, 'message')
    if (msg === 'Unauthenticated.' || msg === 'CSRF token mismatch.')
      return answered(100, `body: {"message": "${msg}"}`)
    const cookie = (s.headers.get('set-cookie') ?? []).find((c) =>
      /^(laravel_session|XSRF-TOKEN)=/i.test(c),
    )
    if (cookie) return answered(60, `set-cookie: ${cookie.split('=')[0]}=…`)
    return null
  },
}

export const aspnet: Fingerprint = {
  product: 'aspnet',
  layer: 'application',
  answered(s) {
    const type = jsonField(s, 'type')
    if (
      typeof type === 'string' &&
      /tools\.ietf\.org\/html\/rfc(7235|9110|7231)#section/.test(type) &&
      jsonField(s, 'traceId') !== undefined
    )
      return answered(95, `body: ProblemDetails type ${type} with traceId`)
    const server = h(s, 'server') ?? ''
    const www = h(s, 'www-authenticate')
    if (/kestrel/i.test(server) && (s.status === 401 || s.status === 403))
      return answered(90, ev('server', server), www ? ev('WWW-Authenticate', www) : null)
    if (
      www &&
      /error_description="The (signature key was not found|token expired at|audience '[^'"]{0,300}' is invalid|issuer '[^'"]{0,300}' is invalid|signature is invalid|token is not valid before|token has no expiration|token lifetime is invalid|algorithm '[^'"]{0,100}' is not allowed)/i.test(
        www,
      )
    )
      return answered(90, ev('WWW-Authenticate', www), 'the JwtBearer handler of ASP.NET Core')
    const powered = h(s, 'x-powered-by')
    if (powered && /asp\.net/i.test(powered)) return answered(55, ev('x-powered-by', powered))
    return null
  },
  onPath(s) {
    const v = h(s, 'x-aspnet-version')
    return v ? [ev('x-aspnet-version', v)] : null
  },
}

export const fastify: Fingerprint = {
  product: 'fastify',
  layer: 'application',
  answered(s) {
    const code = jsonField(s, 'code')
    if (typeof code === 'string' && /^FST_/.test(code))
      return answered(100, `body: "code": "${code}"`)
    const msg = jsonField(s, 'message')
    if (typeof msg === 'string' && /^Route \w+:\S+ not found$/.test(msg))
      return answered(100, `body: "message": "${msg}"`)
    const keys = jsonKeys(s)
    if (
      keys &&
      keys.length <= 4 &&
      ['statusCode', 'error', 'message'].every((k) => keys.includes(k))
    )
      return answered(60, `body: {"statusCode", "error", "message"} (Fastify's error shape)`)
    return null
  },
}

export const express: Fingerprint = {
  product: 'express',
  layer: 'application',
  answered(s) {
    const powered = h(s, 'x-powered-by')
    const isExpress = !!powered && /express/i.test(powered)
    const b =
      bodyEv(
        s,
        /<pre>(UnauthorizedError|Unauthorized|Forbidden|ForbiddenError|Error)[^<]*<\/pre>/,
      ) ?? bodyEv(s, /<pre>Cannot (GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD) [^<]*<\/pre>/)
    if (b && (isExpress || /<title>Error<\/title>/.test(s.body)))
      return answered(100, b, isExpress ? ev('x-powered-by', powered) : null)
    if (isExpress) return answered(75, ev('x-powered-by', powered))
    return null
  },
}

const FASTAPI_DETAILS =
  /^(Not authenticated|Invalid authentication credentials|Could not validate credentials|Not Found|Method Not Allowed|Incorrect username or password|Inactive user)$/

export const fastapi: Fingerprint = {
  product: 'fastapi',
  layer: 'application',
  answered(s) {
    const server = h(s, 'server') ?? ''
    const asgi = /^(uvicorn|hypercorn|granian)\b/i.test(server) ? ev('server', server) : null
    const detail = jsonField(s, 'detail')
    if (typeof detail === 'string' && jsonKeys(s)?.length === 1 && FASTAPI_DETAILS.test(detail))
      return answered(
        asgi ? 100 : 85,
        `body: {"detail": "${detail}"}`,
        asgi,
        /^(Not authenticated|Invalid authentication credentials)$/.test(detail)
          ? "the words of FastAPI's security classes (HTTPBearer, APIKeyHeader, OAuth2PasswordBearer)"
          : null,
      )
    // Request validation (422): {"detail": [{"loc", "msg", "type"}]}.
    if (
      Array.isArray(detail) &&
      detail.some((d) => d && typeof d === 'object' && 'loc' in d && 'msg' in d)
    )
      return answered(90, 'body: {"detail": [{"loc", "msg", "type"}]} (FastAPI validation)', asgi)
    return null
  },
}

export const flask: Fingerprint = {
  product: 'flask',
  layer: 'application',
  answered(s) {
    const server = h(s, 'server') ?? ''
    const werkzeug = /^werkzeug\//i.test(server) ? ev('server', server) : null
    const b =
      bodyEv(
        s,
        /The server could not verify that you are authorized to access the URL requested\./,
      ) ??
      bodyEv(s, /You don&#39;t have the permission to access the requested resource\./) ??
      bodyEv(s, /The requested URL was not found on the server\./)
    if (b) return answered(100, b, werkzeug, "Werkzeug's default error page (Flask)")
    if (werkzeug && s.status >= 400) return answered(70, werkzeug)
    return null
  },
}

export const APPS: Fingerprint[] = [
  make,
  n8n,
  django,
  rails,
  spring,
  laravel,
  aspnet,
  fastify,
  express,
  fastapi,
  flask,
]
