import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeptAliveHttpAgent, noteKeepAlive } from '../../inference-service/src/orthanc/keptAliveAgent.ts';
import { startTestOrthanc, type TestOrthanc } from '../support/orthanc.ts';

/** GET /system over `agent`: the status, the Keep-Alive header, and whether the socket was one kept from before. */
function getSystem(orthanc: TestOrthanc, agent: http.Agent): Promise<{ status: number; keepAlive: string | undefined; reused: boolean }> {
  const { username, password } = orthanc.credentials;
  return new Promise((resolve, reject) => {
    const request = http.request(new URL('/system', orthanc.url), { agent, auth: `${username}:${password}` }, (response) => {
      noteKeepAlive(response.socket, response.headers['keep-alive']);
      response.resume();
      const keepAlive = response.headers['keep-alive'];
      response.on('end', () => resolve({ status: response.statusCode ?? 0, keepAlive: typeof keepAlive === 'string' ? keepAlive : undefined, reused: request.reusedSocket }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the Orthanc client agent against a real Orthanc', () => {
  let orthanc: TestOrthanc;

  beforeAll(async () => {
    orthanc = await startTestOrthanc();
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  it("should drop every connection with Node's own agent, which a one-second Keep-Alive makes it refuse", async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      const first = await getSystem(orthanc, agent);
      expect(first).toMatchObject({ status: 200, keepAlive: 'timeout=1' });
      expect((await getSystem(orthanc, agent)).reused).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('should send the next requests over the same connection, and close it itself before Orthanc would', async () => {
    const agent = new KeptAliveHttpAgent();
    try {
      expect((await getSystem(orthanc, agent)).reused).toBe(false);
      for (let i = 0; i < 5; i++) expect(await getSystem(orthanc, agent)).toMatchObject({ status: 200, reused: true });
      // Half of Orthanc's second later the idle socket is gone on our side, and the next request opens one.
      await sleep(700);
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(0);
      expect(await getSystem(orthanc, agent)).toMatchObject({ status: 200, reused: false });
    } finally {
      agent.destroy();
    }
  });
});
