/**
 * The diagnosis queue: jobs run after the current turn, one at a time; a full queue (by count
 * or by bytes) sheds; drain() waits for the queued jobs.
 */
import { describe, expect, it } from 'vitest'
import { DiagnosisQueue } from '../../src/pipeline/diagnosis-queue.js'

describe('DiagnosisQueue', () => {
  it('runs jobs later, in order, one at a time', async () => {
    const q = new DiagnosisQueue(10)
    const order: string[] = []
    let running = 0
    let most = 0
    const job = (name: string) => async () => {
      running++
      most = Math.max(most, running)
      await new Promise((r) => setImmediate(r))
      order.push(name)
      running--
    }
    expect(q.push(job('a'))).toBe(true)
    expect(q.push(job('b'))).toBe(true)
    order.push('answered')
    await q.drain()
    expect(order).toEqual(['answered', 'a', 'b'])
    expect(most).toBe(1)
  })

  it('sheds when full by count or by bytes, and a failing job does not stop the queue', async () => {
    const q = new DiagnosisQueue(2, 1000)
    const ran: number[] = []
    expect(
      q.push(async () => {
        throw new Error('boom')
      }, 10),
    ).toBe(true)
    expect(
      q.push(async () => {
        ran.push(2)
      }, 10),
    ).toBe(true)
    expect(q.hasRoom()).toBe(false)
    expect(
      q.push(async () => {
        ran.push(3)
      }),
    ).toBe(false)
    await q.drain()
    expect(ran).toEqual([2])
    expect(q.hasRoom(1001)).toBe(false)
    expect(q.push(async () => {}, 1001)).toBe(false)
    expect(
      q.push(async () => {
        ran.push(4)
      }, 1000),
    ).toBe(true)
    await q.drain()
    expect(ran).toEqual([2, 4])
  })
})
