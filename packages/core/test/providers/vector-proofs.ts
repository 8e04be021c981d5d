/**
 * Published examples: the provider's (or its SDK's) own secret, payload and expected
 * signature, each with its source. The preset must accept the example and refuse it with one
 * byte changed.
 * @module
 */

import { type HttpRequest, verify } from '@hookwarden/core'
import { expect } from 'vitest'
import { flipBodyByte } from './fixtures.js'
import { endpoint } from './sdk-proofs.js'

const enc = new TextEncoder()

function req(
  body: string,
  headers: [string, string][],
  url = 'https://example.com/hooks',
  contentType = 'application/json',
): HttpRequest {
  return {
    method: 'POST',
    url,
    headers: [['Content-Type', contentType], ...headers],
    body: enc.encode(body),
  }
}

async function acceptsExample(
  name: string,
  auth: Record<string, unknown>,
  r: HttpRequest,
  now: number,
): Promise<void> {
  const e = endpoint(name, auth)
  const ok = await verify(r, e, { now })
  expect(ok.checks.filter((c) => !c.ok)).toEqual([])
  expect(ok.ok).toBe(true)
  const bad = await verify(flipBodyByte(r), e, { now })
  expect(bad.ok).toBe(false)
  expect(bad.reason).toBe('signature_mismatch')
}

export const VECTOR_PROOFS: Record<string, () => Promise<void>> = {
  // standard-webhooks/standard-webhooks libraries/javascript/src/webhook.test.ts ("sign function works")
  'standard-webhooks': () =>
    acceptsExample(
      'standard-webhooks',
      { secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] },
      req('{"test": 2432232314}', [
        ['webhook-id', 'msg_p5jXN8AQM9LWM0D4loKWxJek'],
        ['webhook-timestamp', '1614265330'],
        ['webhook-signature', 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='],
      ]),
      1614265330,
    ),

  // svix/svix-webhooks javascript/src/webhook.test.ts: the same vector under svix-* names
  svix: () =>
    acceptsExample(
      'svix',
      { secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] },
      req('{"test": 2432232314}', [
        ['svix-id', 'msg_p5jXN8AQM9LWM0D4loKWxJek'],
        ['svix-timestamp', '1614265330'],
        ['svix-signature', 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='],
      ]),
      1614265330,
    ),

  // docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries ("Testing the webhook payload validation")
  github: () =>
    acceptsExample(
      'github',
      { secrets: ["It's a Secret to Everybody"] },
      req('Hello, World!', [
        [
          'X-Hub-Signature-256',
          'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
        ],
      ]),
      1_700_000_000,
    ),

  // docs.slack.dev/authentication/verifying-requests-from-slack (worked example)
  slack: () =>
    acceptsExample(
      'slack',
      { secrets: ['8f742231b10e8888abcd99yyyzzz85a5'] },
      req(
        'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
        [
          ['X-Slack-Request-Timestamp', '1531420618'],
          [
            'X-Slack-Signature',
            'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
          ],
        ],
        'https://example.com/slack/commands',
        'application/x-www-form-urlencoded',
      ),
      1531420618 + 10,
    ),

  // twilio/twilio-php tests/Twilio/Unit/RequestValidatorTest.php (same values in twilio-python, twilio-csharp)
  async twilio() {
    const auth = { secrets: ['12345'] }
    const body =
      'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212'
    const form = 'application/x-www-form-urlencoded'
    await acceptsExample(
      'twilio',
      auth,
      req(
        body,
        [['X-Twilio-Signature', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=']],
        'https://mycompany.com/myapp.php?foo=1&bar=2',
        form,
      ),
      0,
    )
    // the port-qualified forms of the same URL
    await acceptsExample(
      'twilio',
      auth,
      req(
        body,
        [['X-Twilio-Signature', 'kvajT1Ptam85bY51eRf/AJRuM3w=']],
        'https://mycompany.com:443/myapp.php?foo=1&bar=2',
        form,
      ),
      0,
    )
    await acceptsExample(
      'twilio',
      auth,
      req(
        body,
        [['X-Twilio-Signature', '0ZXoZLH/DfblKGATFgpif+LLRf4=']],
        'http://mycompany.com:80/myapp.php?foo=1&bar=2',
        form,
      ),
      0,
    )
    await acceptsExample(
      'twilio',
      auth,
      req(
        body,
        [['X-Twilio-Signature', '0ZXoZLH/DfblKGATFgpif+LLRf4=']],
        'http://mycompany.com/myapp.php?foo=1&bar=2',
        form,
      ),
      0,
    )
    // repeated parameters: de-duplicated and sorted
    await acceptsExample(
      'twilio',
      auth,
      req(
        'Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234',
        [['X-Twilio-Signature', 'IK+Dwps556ElfBT0I3Rgjkr1wJU=']],
        'https://mycompany.com/myapp.php?foo=1&bar=2',
        form,
      ),
      0,
    )
    // JSON body: bodySHA256 in the URL, signed without parameters; a changed body no longer
    // hashes to bodySHA256 and is refused as modified
    const json = '{"property": "value", "boolean": true}'
    const url =
      'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620'
    const r = req(json, [['X-Twilio-Signature', 'a9nBmqA0ju/hNViExpshrM61xv4=']], url)
    const e = endpoint('twilio', auth)
    expect((await verify(r, e, { now: 0 })).ok).toBe(true)
    expect((await verify(flipBodyByte(r), e, { now: 0 })).reason).toBe('signature_body_modified')
  },

  // @hubspot/api-client lib/test/unit/signature.spec.js
  'hubspot-v1': () =>
    acceptsExample(
      'hubspot-v1',
      { secrets: ['yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'] },
      req(
        '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]',
        [
          [
            'X-HubSpot-Signature',
            '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de',
          ],
          ['X-HubSpot-Signature-Version', 'v1'],
        ],
      ),
      0,
    ),
  'hubspot-v2': () =>
    acceptsExample(
      'hubspot-v2',
      { secrets: ['yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'] },
      req(
        '{"example_field":"example_value"}',
        [
          [
            'X-HubSpot-Signature',
            '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900',
          ],
          ['X-HubSpot-Signature-Version', 'v2'],
        ],
        'https://www.example.com/webhook_uri',
      ),
      0,
    ),

  // square/square-nodejs-sdk tests/integration/webhooks.test.ts
  async square() {
    await acceptsExample(
      'square',
      { secrets: ['Ibxx_5AKakO-3qeNVR61Dw'] },
      req(
        '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}',
        [['x-square-hmacsha256-signature', 'GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=']],
        'https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9',
      ),
      0,
    )
    // behind a proxy the received URL differs; the subscription URL is then given in payload:
    await acceptsExample(
      'square',
      { secrets: ['signature-key'], payload: 'https://webhook.site/webhooks{body}' },
      req(
        '{"data":{"type":"webhooks","id":"fake_id"}}',
        [['x-square-hmacsha256-signature', 'W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA=']],
        'http://10.0.0.7:8080/internal/square',
      ),
      0,
    )
  },

  // razorpay/razorpay-node test/utils/razorpay-utils.spec.js
  razorpay: () =>
    acceptsExample(
      'razorpay',
      { secrets: ['123456'] },
      req('{"a":1,"b":2,"c":{"d":3}}', [
        [
          'X-Razorpay-Signature',
          '2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc',
        ],
      ]),
      0,
    ),

  // Adyen/adyen-node-api-library src/__tests__/hmacValidator.spec.ts: the data string
  // "pspReference:originalReference:merchantAccount:reference:1000:EUR:CAPTURE:true"
  async adyen() {
    const item = {
      pspReference: 'pspReference',
      originalReference: 'originalReference',
      merchantAccountCode: 'merchantAccount',
      merchantReference: 'reference',
      amount: { value: 1000, currency: 'EUR' },
      eventCode: 'CAPTURE',
      success: 'true',
      additionalData: { hmacSignature: 'xhpHvYq2u2Np0rstbZ6QjLGu7JWhvf7Iwaa6EviJSX0=' },
    }
    const body = JSON.stringify({
      live: 'false',
      notificationItems: [{ NotificationRequestItem: item }],
    })
    const e = endpoint('adyen', {
      secrets: ['DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00'],
    })
    const r = req(body, [])
    expect((await verify(r, e, { now: 0 })).ok).toBe(true)
    const bad = await verify({ ...r, body: enc.encode(body.replace('CAPTURE', 'CAPTURF')) }, e, {
      now: 0,
    })
    expect(bad.reason).toBe('signature_mismatch')
  },

  // @sendgrid/eventwebhook src/eventwebhook.spec.js (the body ends with CRLF)
  sendgrid: () =>
    acceptsExample(
      'sendgrid',
      {
        public_keys: [
          'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==',
        ],
      },
      req(
        '[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]\r\n',
        [
          ['X-Twilio-Email-Event-Webhook-Timestamp', '1600112502'],
          [
            'X-Twilio-Email-Event-Webhook-Signature',
            'MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=',
          ],
        ],
      ),
      1600112502,
    ),

  // coinify.readme.io/docs/webhook-signature (example header for {"examplePayload":true})
  coinify: () =>
    acceptsExample(
      'coinify',
      { secrets: ['my-shared-secret'] },
      req('{"examplePayload":true}', [
        [
          'x-coinify-webhook-signature',
          'bcdbb89e3031905f3cc1a20d16b5f969a17a7d8fa0c26e4a807c2193402d66f4',
        ],
      ]),
      0,
    ),

  // docs.datasaur.ai/integrations/webhook-notifications/webhook-signature (node.js example)
  datasaur: () =>
    acceptsExample(
      'datasaur',
      { secrets: ['secret'] },
      req('{"body":"sample"}', [
        [
          'X-Datasaur-Signature',
          '0278b1a603de4c561ac0feb960354d0d00e8846b74813d81bddb43ad45bff767',
        ],
      ]),
      0,
    ),

  // hexdocs.pm/mux Mux.Webhooks.TestUtils.generate_signature("payload", "SuperSecret123") (muxinc/mux-elixir)
  mux: () =>
    acceptsExample(
      'mux',
      { secrets: ['SuperSecret123'] },
      req('payload', [
        [
          'Mux-Signature',
          't=1591664030,v1=e43496b6aae982c4c2fd6f8e92935f1d90216f1f64d56024e72390acfb988272',
        ],
      ]),
      1591664030,
    ),
}
