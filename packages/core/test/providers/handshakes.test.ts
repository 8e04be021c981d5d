/**
 * Each handshake is detected from the request alone and answered for an endpoint of its
 * provider; requests of other providers are left alone.
 * @module
 */
import { createHmac } from 'node:crypto'
import { detectHandshake, type HttpRequest, handshake } from '@hookwarden/core'
import { describe, expect, it } from 'vitest'

const enc = new TextEncoder()
const req = (
  method: string,
  url: string,
  body = '',
  headers: [string, string][] = [],
): HttpRequest => ({
  method,
  url,
  headers: [
    ['Host', 'example.com'],
    ...(body ? ([['Content-Type', 'application/json']] as [string, string][]) : []),
    ...headers,
  ],
  body: enc.encode(body),
})

describe('handshakes', () => {
  it('Slack url_verification: echoes the challenge as JSON, after the signature check', () => {
    const r = req(
      'POST',
      '/slack',
      '{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}',
    )
    expect(detectHandshake(r)).toBe('slack_url_verification')
    const a = handshake(r, 'slack')!
    expect(a).toMatchObject({
      status: 200,
      requiresVerification: true,
      body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}',
    })
    expect(handshake(r, 'github')).toBeNull()
  })

  it('Zoom endpoint.url_validation: hex HMAC-SHA256 of the plainToken with the secret token', () => {
    const r = req(
      'POST',
      '/zoom',
      '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}',
    )
    const a = handshake(r, { provider: 'zoom', auth: { secrets: [{ value: 'zoom_secret' }] } })!
    // providers.md §4.2 (computed with node:crypto): 46a324cf…
    expect(JSON.parse(a.body)).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: '46a324cfb7c2ec760e4cd561586a53aadb6fc7561eb8d626d6ee1b71d808b3c0',
    })
    // a token that could be a forged "v0:<ts>:<body>" message is never signed
    const forged = req(
      'POST',
      '/zoom',
      '{"payload":{"plainToken":"v0:1700000000:{\\"event\\":\\"x\\"}"},"event":"endpoint.url_validation"}',
    )
    expect(
      handshake(forged, { provider: 'zoom', auth: { secrets: [{ value: 'zoom_secret' }] } })!
        .status,
    ).toBe(400)
  })

  it('Microsoft Graph validationToken: echoed as text/plain', () => {
    const r = req(
      'POST',
      '/graph?validationToken=Validation%3A%20Testing%20client%20application%20reachability',
    )
    expect(detectHandshake(r)).toBe('graph_validation_token')
    const a = handshake(r, 'microsoft-graph')!
    expect(a.body).toBe('Validation: Testing client application reachability')
    expect(a.headers).toContainEqual(['Content-Type', 'text/plain; charset=utf-8'])
  })

  it('Meta hub.challenge: echoed when the verify token matches, 403 when it does not', () => {
    const r = req(
      'GET',
      '/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock',
    )
    expect(detectHandshake(r)).toBe('meta_hub_challenge')
    expect(handshake(r, 'whatsapp', { verifyToken: 'meatyhamhock' })).toMatchObject({
      status: 200,
      body: '1158201444',
    })
    expect(handshake(r, 'meta', { verifyToken: 'other' })!.status).toBe(403)
  })

  it('X CRC: sha256= base64 HMAC of the crc_token with the consumer secret', () => {
    const secret = 'z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu'
    const r = req('GET', '/x?crc_token=9b4507b3-9040-4669-9ca3-6b94edb50553&nonce=MTUwMzQ0')
    const a = handshake(r, { provider: 'twitter', auth: { secrets: [{ value: secret }] } })!
    // providers.md §4.2 (gist inputs, computed)
    expect(JSON.parse(a.body)).toEqual({
      response_token: 'sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=',
    })
    expect(a.body).toContain(
      createHmac('sha256', secret).update('9b4507b3-9040-4669-9ca3-6b94edb50553').digest('base64'),
    )
  })

  it('Asana X-Hook-Secret: echoed in the response header, and handed over as the secret', () => {
    const r = req('POST', '/asana', '', [
      ['X-Hook-Secret', 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81'],
    ])
    const a = handshake(r, 'asana')!
    expect(a.headers).toEqual([
      ['X-Hook-Secret', 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81'],
    ])
    expect(a.learnedSecret).toBe('b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81')
  })

  it('Dropbox challenge, Okta verification, Twitch callback, Discord PING, Trello HEAD', () => {
    expect(handshake(req('GET', '/dbx?challenge=abc123'), 'dropbox')).toMatchObject({
      status: 200,
      body: 'abc123',
    })
    const okta = handshake(
      req('GET', '/okta', '', [['X-Okta-Verification-Challenge', 'x9Yh8']]),
      'okta',
    )!
    expect(JSON.parse(okta.body)).toEqual({ verification: 'x9Yh8' })
    const twitch = req(
      'POST',
      '/twitch',
      '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{}}',
      [['Twitch-Eventsub-Message-Type', 'webhook_callback_verification']],
    )
    expect(detectHandshake(twitch)).toBe('twitch_callback_verification')
    expect(handshake(twitch, 'twitch')).toMatchObject({
      status: 200,
      body: 'pogchamp-kappa-360noscope-vohiyo',
      requiresVerification: true,
    })
    const ping = req('POST', '/discord', '{"type":1}', [
      ['X-Signature-Ed25519', 'aa'],
      ['X-Signature-Timestamp', '1'],
    ])
    expect(handshake(ping, 'discord')).toMatchObject({
      status: 200,
      body: '{"type":1}',
      requiresVerification: true,
    })
    expect(handshake(req('HEAD', '/trello'), 'trello')).toMatchObject({ status: 200, body: '' })
    expect(detectHandshake(req('HEAD', '/trello'))).toBeNull()
  })

  it('Amazon SNS SubscriptionConfirmation: confirmed by following an SNS URL, never another host', () => {
    const body = (url: string) =>
      JSON.stringify({
        Type: 'SubscriptionConfirmation',
        MessageId: 'm1',
        Token: 't',
        TopicArn: 'arn:aws:sns:us-east-1:1:t',
        Message: 'confirm',
        SubscribeURL: url,
        Timestamp: '2023-11-14T22:13:20.000Z',
        SignatureVersion: '2',
        Signature: 'AA==',
      })
    const ok = req(
      'POST',
      '/sns',
      body('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn&Token=t'),
      [['x-amz-sns-message-type', 'SubscriptionConfirmation']],
    )
    expect(detectHandshake(ok)).toBe('sns_subscription_confirmation')
    expect(handshake(ok, 'aws-sns')).toMatchObject({
      status: 200,
      requiresVerification: true,
      followUrl:
        'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn&Token=t',
    })
    const evil = req('POST', '/sns', body('https://sns.us-east-1.amazonaws.com.evil.example/?x'), [
      ['x-amz-sns-message-type', 'SubscriptionConfirmation'],
    ])
    expect(handshake(evil, 'aws-sns')!.status).toBe(400)
    expect(handshake(evil, 'aws-sns')!.followUrl).toBeUndefined()
  })

  it('an ordinary event is no handshake', () => {
    const r = req('POST', '/hooks', '{"type":"event_callback","event":{}}')
    expect(detectHandshake(r)).toBeNull()
    expect(handshake(r, 'slack')).toBeNull()
  })
})
