/**
 * API gateways and service meshes: AWS API Gateway and ALB, Azure API Management, Google
 * (IAP, API Gateway, Cloud Run's front end), Kong, Apigee, Tyk, Envoy and Istio, the ngrok
 * edge and hookwarden itself. Each has error bodies of its own; the request-id headers they
 * add to every proxied answer only say they are on the path.
 * @module
 */
import { answered, bodyEv, ev, type Fingerprint, h, jsonField, jsonKeys, realm } from './types.js'

const APIGW_MESSAGES =
  /^(Unauthorized|Forbidden|Missing Authentication Token|User is not authorized to access this resource.*|Too Many Requests|Limit Exceeded|Internal server error|Not Found|Service Unavailable|Endpoint request timed out|Invalid key=value pair.*|Authorization header requires .*|The security token included in the request is (invalid|expired).*|User: .* is not authorized to perform: execute-api:Invoke.*|Request too long)$/i

export const awsApiGateway: Fingerprint = {
  product: 'aws-api-gateway',
  layer: 'gateway',
  answered(s) {
    // A Lambda function URL sends the same x-amzn-ErrorType (platforms.ts: aws-lambda-url).
    if (s.host && /\.lambda-url\.[\w-]+\.on\.aws$/.test(s.host)) return null
    const errType = h(s, 'x-amzn-errortype')
    const reqId = h(s, 'x-amzn-requestid') ?? h(s, 'x-amz-apigw-id') ?? h(s, 'apigw-requestid')
    const reqIdName = h(s, 'x-amzn-requestid')
      ? 'x-amzn-RequestId'
      : h(s, 'x-amz-apigw-id')
        ? 'x-amz-apigw-id'
        : 'apigw-requestid'
    const msg = jsonField(s, 'message') ?? jsonField(s, 'Message')
    const keys = jsonKeys(s)
    const apigwBody =
      typeof msg === 'string' && keys !== null && keys.length === 1 && APIGW_MESSAGES.test(msg)
    if (errType)
      return answered(
        98,
        ev('x-amzn-ErrorType', errType),
        apigwBody ? `body: ${JSON.stringify(s.json)}` : null,
        reqId ? ev(reqIdName, reqId) : null,
      )
    if (apigwBody && reqId)
      return answered(96, `body: ${JSON.stringify(s.json)}`, ev(reqIdName, reqId))
    if (apigwBody && s.host && /\.execute-api\.[\w-]+\.amazonaws\.com$/.test(s.host))
      return answered(85, `body: ${JSON.stringify(s.json)}`, `host: ${s.host}`)
    return null
  },
  onPath(s) {
    const out: string[] = []
    for (const k of ['x-amz-apigw-id', 'apigw-requestid', 'x-amzn-requestid'])
      if (h(s, k)) out.push(ev(k, h(s, k)))
    return out.length ? out : null
  },
}

export const awsAlb: Fingerprint = {
  product: 'aws-alb',
  layer: 'gateway',
  answered(s) {
    const server = h(s, 'server') ?? ''
    // ALB names itself only on answers it generates (fixed responses, errors, its own auth).
    if (/^awselb\//i.test(server))
      return answered(
        92,
        ev('server', server),
        bodyEv(s, /<center><h1>\d{3}[^<]*<\/h1><\/center>/i),
      )
    return null
  },
  onPath(s) {
    const cookies = (s.headers.get('set-cookie') ?? []).filter((c) => /^AWSALB(CORS|TG)?=/i.test(c))
    return cookies.length ? ['set-cookie: AWSALB=… (ALB stickiness)'] : null
  },
}

export const azureApim: Fingerprint = {
  product: 'azure-apim',
  layer: 'gateway',
  answered(s) {
    const www = (s.headers.get('www-authenticate') ?? []).find((v) =>
      /AzureApiManagementKey/i.test(v),
    )
    const msg = jsonField(s, 'message')
    const code = jsonField(s, 'statusCode')
    const apimBody =
      typeof code === 'number' &&
      typeof msg === 'string' &&
      /subscription key|Access token is missing or invalid|Rate limit is exceeded|Out of call volume quota|Unauthorized\. Access token/i.test(
        msg,
      )
    if (www || apimBody)
      return answered(
        100,
        www ? ev('WWW-Authenticate', www) : null,
        apimBody ? `body: ${JSON.stringify(s.json).slice(0, 140)}` : null,
      )
    return null
  },
  onPath(s) {
    const out: string[] = []
    for (const k of s.headers.keys()) if (k.startsWith('ocp-apim-')) out.push(ev(k, h(s, k)))
    return out.length ? out : null
  },
}

export const gcpIap: Fingerprint = {
  product: 'gcp-iap',
  layer: 'gateway',
  answered(s) {
    const gen = h(s, 'x-goog-iap-generated-response')
    const b = bodyEv(s, /Invalid IAP credentials[^\n<]*/i)
    if (gen || b) return answered(100, b, gen ? ev('x-goog-iap-generated-response', gen) : null)
    return null
  },
}

export const gcpApiGateway: Fingerprint = {
  product: 'gcp-api-gateway',
  layer: 'gateway',
  answered(s) {
    const code = jsonField(s, 'code')
    const msg = jsonField(s, 'message')
    const keys = jsonKeys(s)
    if (
      typeof code === 'number' &&
      typeof msg === 'string' &&
      keys?.length === 2 &&
      /^(Jwt |Audiences in Jwt|UNAUTHENTICATED:|PERMISSION_DENIED:|RESOURCE_EXHAUSTED:|INVALID_ARGUMENT: API key|Method doesn't allow unregistered callers)/.test(
        msg,
      )
    ) {
      const onGw = s.host && /\.gateway\.dev$|\.endpoints\.[\w-]+\.cloud\.goog$/.test(s.host)
      return answered(
        95,
        `body: ${JSON.stringify(s.json).slice(0, 140)}`,
        onGw
          ? `host: ${s.host}`
          : 'the {"code","message"} shape of ESPv2, the proxy behind Google API Gateway / Cloud Endpoints',
      )
    }
    return null
  },
}

export const gcpCloudRun: Fingerprint = {
  product: 'gcp-cloud-run',
  layer: 'gateway',
  answered(s) {
    const server = h(s, 'server') ?? ''
    const b =
      bodyEv(s, /Your client does not have permission to (get URL|the requested URL)[^<\n]*/i) ??
      bodyEv(s, /The request was not authorized to invoke this service[^<\n]*/i)
    const host = s.host && /\.run\.app$/.test(s.host) ? `host: ${s.host}` : null
    if (b)
      return answered(100, b, /google frontend/i.test(server) ? ev('server', server) : null, host)
    const www = (s.headers.get('www-authenticate') ?? []).find((v) =>
      /The access token could not be verified/i.test(v),
    )
    if (www && /google frontend/i.test(server))
      return answered(95, ev('www-authenticate', www), ev('server', server), host)
    return null
  },
  onPath(s) {
    return /^google frontend$/i.test(h(s, 'server') ?? '') ? [ev('server', h(s, 'server'))] : null
  },
}

const KONG_MESSAGES =
  /^(No API key found in request|Invalid authentication credentials|Unauthorized|No mandatory 'Authorization' or 'Proxy-Authorization' header found|API rate limit exceeded|no Route matched with those values|Bad token; invalid signature|No credentials found for given 'iss'|Token expired|Invalid signature|Forbidden|You cannot consume this service|Request size limit exceeded)/i

export const kong: Fingerprint = {
  product: 'kong',
  layer: 'gateway',
  answered(s) {
    const server = h(s, 'server') ?? ''
    const respLatency = h(s, 'x-kong-response-latency')
    const msg = jsonField(s, 'message')
    const kongBody = typeof msg === 'string' && KONG_MESSAGES.test(msg)
    const kongServer = /^kong\//i.test(server) ? ev('server', server) : null
    const kongRealm =
      realm(s)?.toLowerCase() === 'kong' ? ev('WWW-Authenticate', h(s, 'www-authenticate')) : null
    if (kongBody && (respLatency || kongServer || kongRealm))
      return answered(
        100,
        `body: ${JSON.stringify(s.json).slice(0, 120)}`,
        kongServer,
        respLatency ? ev('x-kong-response-latency', respLatency) : null,
        kongRealm,
      )
    // Kong sets X-Kong-Response-Latency only on answers it generated itself.
    if (respLatency) return answered(92, ev('x-kong-response-latency', respLatency), kongServer)
    if (
      kongBody &&
      /^(No API key found in request|Invalid authentication credentials)$/i.test(msg as string)
    )
      return answered(85, `body: ${JSON.stringify(s.json).slice(0, 120)}`)
    return null
  },
  onPath(s) {
    const out: string[] = []
    for (const k of ['x-kong-upstream-latency', 'x-kong-proxy-latency', 'via']) {
      const v = h(s, k)
      if (v && (k !== 'via' || /kong/i.test(v))) out.push(ev(k, v))
    }
    if (/^kong\//i.test(h(s, 'server') ?? '')) out.push(ev('server', h(s, 'server')))
    return out.length ? out : null
  },
}

export const apigee: Fingerprint = {
  product: 'apigee',
  layer: 'gateway',
  answered(s) {
    const fault = jsonField(s, 'fault') as
      | { faultstring?: unknown; detail?: { errorcode?: unknown } }
      | undefined
    if (fault && typeof fault === 'object' && typeof fault.faultstring === 'string') {
      const code = typeof fault.detail?.errorcode === 'string' ? fault.detail.errorcode : null
      return answered(
        100,
        `body: fault.faultstring "${fault.faultstring.slice(0, 100)}"`,
        code ? `errorcode: ${code}` : null,
      )
    }
    return null
  },
}

const TYK_MESSAGES =
  /^(Authorization field missing|Key not authorised|Access to this API has been disallowed|Key has expired, please renew|API Rate limit exceeded|Quota exceeded|Attempted access to disallowed version \/ path\.?|Request signature verification failed|Request signature invalid|Key not authorised: .*)$/i

export const tyk: Fingerprint = {
  product: 'tyk',
  layer: 'gateway',
  answered(s) {
    const err = jsonField(s, 'error')
    if (typeof err === 'string' && jsonKeys(s)?.length === 1 && TYK_MESSAGES.test(err))
      return answered(95, `body: {"error": "${err}"}`)
    return null
  },
  onPath(s) {
    return h(s, 'x-tyk-trace') || h(s, 'x-generator')?.includes('tyk') ? ['x-tyk header'] : null
  },
}

const ENVOY_BODIES =
  /^(RBAC: access denied|Jwt is missing|Jwt verification fails|Jwt is expired|Jwt is not yet valid|Jwt issuer is not configured|Audiences in Jwt are not allowed|Jwks remote fetch is failed|Jwt header is an invalid JSON|Jwt is not in the form of Header\.Payload\.Signature.*|upstream connect error or disconnect\/reset before headers.*|no healthy upstream|upstream request timeout|local_rate_limited|no_route|Jwks doesn't have key to match kid or alg from Jwt)\s*$/

function envoyAnswered(s: Parameters<Fingerprint['answered']>[0], istio: boolean) {
  const server = h(s, 'server') ?? ''
  const isIstio = /istio-envoy/i.test(server)
  if (istio !== isIstio) return null
  const b = s.body.length < 300 ? bodyEv(s, ENVOY_BODIES) : null
  const upstream = h(s, 'x-envoy-upstream-service-time')
  if (b && (/envoy/i.test(server) || !upstream))
    return answered(100, b, server ? ev('server', server) : null)
  // A local reply carries no upstream service time: an empty 401/403 from Envoy is its own
  // (ext_authz answers 403 without a body by default, also when the authz service is down).
  if (
    /envoy/i.test(server) &&
    !upstream &&
    (s.status === 401 || s.status === 403 || s.status === 429 || s.status >= 500)
  )
    return answered(
      75,
      ev('server', server),
      'no x-envoy-upstream-service-time: the answer did not come from upstream',
    )
  return null
}

export const istio: Fingerprint = {
  product: 'istio',
  layer: 'gateway',
  answered: (s) => envoyAnswered(s, true),
  onPath(s) {
    return /istio-envoy/i.test(h(s, 'server') ?? '') ? [ev('server', h(s, 'server'))] : null
  },
}

export const envoy: Fingerprint = {
  product: 'envoy',
  layer: 'gateway',
  answered: (s) => envoyAnswered(s, false),
  onPath(s) {
    const out: string[] = []
    if (/^envoy$/i.test(h(s, 'server') ?? '')) out.push(ev('server', h(s, 'server')))
    if (h(s, 'x-envoy-upstream-service-time'))
      out.push(ev('x-envoy-upstream-service-time', h(s, 'x-envoy-upstream-service-time')))
    return out.length ? out : null
  },
}

export const ngrok: Fingerprint = {
  product: 'ngrok',
  layer: 'gateway',
  answered(s) {
    const code = h(s, 'ngrok-error-code')
    const b = bodyEv(s, /ERR_NGROK_\d+/)
    if (code || b) return answered(100, code ? ev('ngrok-error-code', code) : null, b)
    return null
  },
  onPath(s) {
    return s.host && /\.ngrok(-free)?\.(app|io|dev)$/.test(s.host) ? [`host: ${s.host}`] : null
  },
}

export const hookwarden: Fingerprint = {
  product: 'hookwarden',
  layer: 'gateway',
  answered(s) {
    const type = jsonField(s, 'type')
    // The gateway's own acceptance when it has no upstream: {"ok":true,"attempt":"<id>"}.
    const keys = jsonKeys(s)
    if (
      keys?.length === 2 &&
      jsonField(s, 'ok') === true &&
      typeof jsonField(s, 'attempt') === 'string'
    )
      return answered(
        90,
        `body: {"ok": true, "attempt": "${jsonField(s, 'attempt')}"}`,
        h(s, 'x-request-id') ? ev('x-request-id', h(s, 'x-request-id')) : null,
      )
    if (typeof type === 'string' && type.startsWith('https://hookwarden.dev/reasons/'))
      return answered(
        100,
        `body: type ${type}`,
        /problem\+json/i.test(s.contentType) ? ev('content-type', s.contentType) : null,
      )
    return null
  },
}

/** WSO2 API Manager's fault codes: 9009xx for authentication and throttling. */
export const wso2: Fingerprint = {
  product: 'wso2',
  layer: 'gateway',
  answered(s) {
    const r = realm(s)
    const wso2Realm = r && /WSO2/i.test(r) ? ev('WWW-Authenticate', h(s, 'www-authenticate')) : null
    const code = jsonField(s, 'code')
    const msg = jsonField(s, 'message')
    const jsonFault =
      (typeof code === 'string' || typeof code === 'number') &&
      /^9009\d\d$/.test(String(code)) &&
      typeof msg === 'string'
    const xmlFault = bodyEv(s, /<ams:code>9009\d\d<\/ams:code>/)
    if (jsonFault || xmlFault)
      return answered(
        100,
        jsonFault
          ? `body: {"code": "${code}", "message": "${String(msg).slice(0, 60)}"}`
          : xmlFault,
        wso2Realm,
      )
    if (wso2Realm) return answered(95, wso2Realm)
    return null
  },
}

/** Gravitee's own error body: {"message", "http_status_code"}. */
export const gravitee: Fingerprint = {
  product: 'gravitee',
  layer: 'gateway',
  gatekeeper: true,
  answered(s) {
    const keys = jsonKeys(s)
    const own =
      typeof jsonField(s, 'message') === 'string' &&
      typeof jsonField(s, 'http_status_code') === 'number' &&
      !!keys &&
      keys.length <= 4
    if (!own) return null
    const id = h(s, 'x-gravitee-transaction-id') ?? h(s, 'x-gravitee-request-id')
    return answered(
      id ? 100 : 85,
      `body: {"message": "${String(jsonField(s, 'message')).slice(0, 60)}", "http_status_code": ${jsonField(s, 'http_status_code')}}`,
      id ? ev('x-gravitee-transaction-id', id) : null,
    )
  },
  onPath(s) {
    const out: string[] = []
    for (const k of ['x-gravitee-transaction-id', 'x-gravitee-request-id'])
      if (h(s, k)) out.push(ev(k, h(s, k)))
    return out.length ? out : null
  },
}

export const GATEWAYS: Fingerprint[] = [
  hookwarden,
  ngrok,
  awsApiGateway,
  awsAlb,
  azureApim,
  gcpIap,
  gcpApiGateway,
  gcpCloudRun,
  kong,
  apigee,
  tyk,
  istio,
  envoy,
  wso2,
  gravitee,
]
