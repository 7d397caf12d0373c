import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GoogleAccessTokens, parseServiceAccountKey, SCOPES } from "../../provider/clients/google";
import { HttpClient } from "../../provider/clients/http";
import { HttpTransport, RegistryClient } from "../../provider/clients/oci";
import { secretRedactor } from "../../provider/validation";
import { GoogleStandIn, startGoogleStandIn, StandInServiceAccount } from "../support/google";
import { AnswerFault, startBlackhole } from "../support/hostile-front";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { startTokenServer, TokenServer } from "../support/token-server";

/**
 * Token endpoints answering badly on purpose, for both kinds the clients talk to: Google's OAuth
 * endpoint and a registry's Bearer realm in front of a real registry. An answer far too large is
 * refused as it streams in; one dripped slowly enough to dodge every silence timeout is cut off at
 * the exchange's deadline; a lifetime of a millisecond does not make every request mint a token.
 */

const OVERSIZED: AnswerFault = { kind: "oversized", bytes: 100 * 1024 * 1024 };
/** Forty seconds of whitespace, a byte a second, then a valid answer: past the 30 s deadline, never silent for long. */
const DRIP: AnswerFault = { kind: "drip", bytes: 40, everyMs: 1000 };
const DEADLINE_S = 30;

describe("Google's token endpoint", () => {
  let google: GoogleStandIn;
  let account: StandInServiceAccount;
  before(async () => {
    google = await startGoogleStandIn();
    account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", "dr-project");
  });
  after(async () => {
    assert.deepEqual(google.violations(), []);
    await google.stop();
  });
  const withTokens = async (use: (tokens: GoogleAccessTokens) => Promise<void>) => {
    const tokens = new GoogleAccessTokens(parseServiceAccountKey(account.keyJson), [SCOPES.cloudDns]);
    try {
      await use(tokens);
    } finally {
      google.setTokenAnswerFault(undefined);
      google.setTokenLifetime(3600);
      await tokens.close();
    }
  };

  test("an answer of 100 MB is refused after 64 KiB, not read whole", async () => {
    await withTokens(async (tokens) => {
      google.setTokenAnswerFault(OVERSIZED);
      await assert.rejects(tokens.token(), /POST \/token: the answer is larger than 64 KiB, too large for a token answer/);
      assert.equal(tokens.minted, 0);
      const [answer] = google.faultyAnswers();
      assert.equal(answer.finished, false, "the client hung up before the answer ended");
      assert.ok(answer.written < OVERSIZED.bytes / 2, `${answer.written} bytes were sent before the client hung up`);
    });
  });

  test("an answer dripped a byte a second is cut off at the deadline, with the reason", { timeout: 60_000 }, async () => {
    await withTokens(async (tokens) => {
      google.setTokenAnswerFault(DRIP);
      const started = Date.now();
      await assert.rejects(tokens.token(), new RegExp(`POST /token: no complete answer within ${DEADLINE_S} s`));
      const took = Date.now() - started;
      assert.ok(took >= DEADLINE_S * 1000 - 500 && took < (DEADLINE_S + 5) * 1000, `gave up after ${took} ms`);
      assert.equal(google.faultyAnswers()[0].finished, false);
    });
  });

  test("expires_in 0.001 does not make every request mint a token", async () => {
    await withTokens(async (tokens) => {
      google.setTokenLifetime(0.001);
      const first = await tokens.token();
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal((await tokens.token()).token, first.token);
      }
      assert.equal(tokens.minted, 1);
    });
  });

  test("an endpoint that never answers: the reason survives redaction, the key does not", async () => {
    const blackhole = await startBlackhole();
    const key = { ...JSON.parse(account.keyJson), token_uri: `http://${blackhole.host}/token` };
    const tokens = new GoogleAccessTokens(
      parseServiceAccountKey(JSON.stringify(key)),
      [SCOPES.cloudDns],
      new HttpClient({ headersTimeoutMs: 300, retry: { maxRetries: 0 } }),
    );
    try {
      const error: Error = await tokens.token().then(
        () => assert.fail("a token from a blackhole"),
        (failure: Error) => failure,
      );
      const shown = secretRedactor({ secrets: [key.private_key, key.private_key_id], logins: [] })(error.message);
      assert.match(shown, new RegExp(`^${blackhole.host}: POST /token: timed out waiting for a response$`), shown);
      assert.doesNotMatch(shown, /redacted/, "nothing in it is a secret");
    } finally {
      await tokens.close();
      await blackhole.close();
    }
  });
});

describe("a registry's Bearer token realm", () => {
  let tokens: TokenServer;
  let registry: RegistryServer;
  before(async () => {
    tokens = await startTokenServer({ users: {}, anonymousPull: true });
    registry = await startRegistry({ auth: { kind: "token", tokenServer: tokens } });
  });
  after(async () => Promise.all([registry?.stop(), tokens?.stop()]));
  const withClient = async (use: (client: RegistryClient) => Promise<void>) => {
    const transport = new HttpTransport();
    const client = new RegistryClient({ host: registry.host, transport });
    tokens.clearRequests();
    try {
      await use(client);
    } finally {
      tokens.misanswer(undefined);
      await client.close();
      await transport.close();
    }
  };

  test("an answer of 100 MB is refused after 64 KiB, not read whole", async () => {
    await withClient(async (client) => {
      tokens.misanswer(OVERSIZED);
      await assert.rejects(
        client.ping(),
        new RegExp(`${registry.host}: token server 127\\.0\\.0\\.1:\\d+: GET /token: the answer is larger than 64 KiB, too large for a token answer$`),
      );
      const [answer] = tokens.faultyAnswers();
      assert.equal(answer.finished, false, "the client hung up before the answer ended");
      assert.ok(answer.written < OVERSIZED.bytes / 2, `${answer.written} bytes were sent before the client hung up`);
    });
  });

  test("an answer dripped a byte a second is cut off at the deadline, with the reason", { timeout: 60_000 }, async () => {
    await withClient(async (client) => {
      tokens.misanswer(DRIP);
      const started = Date.now();
      await assert.rejects(client.ping(), new RegExp(`GET /token: no complete answer within ${DEADLINE_S} s`));
      const took = Date.now() - started;
      assert.ok(took >= DEADLINE_S * 1000 - 500 && took < (DEADLINE_S + 5) * 1000, `gave up after ${took} ms`);
    });
  });

  test("expires_in 0.001 does not make every request mint a token", async () => {
    await withClient(async (client) => {
      tokens.misanswer(undefined, 0.001);
      await client.ping();
      for (let i = 0; i < 5; i++) assert.equal(await client.headManifest("team/app", "1.0"), undefined);
      const scoped = tokens.requests().filter((request) => request.scopes.length > 0);
      assert.equal(scoped.length, 1, `the pull token was asked for ${scoped.length} times`);
    });
  });
});
