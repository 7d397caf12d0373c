import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AuthError, HttpTransport, Login, LoginSource, RegistryClient } from "../../provider/clients/oci";
import { pushSmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { startTokenServer, TokenServer } from "../support/token-server";

/**
 * The registry client logs in through any `LoginSource`, not only the ones this package maps
 * credentials to: a source written here, issuing logins of its own, is asked for them, told
 * when a registry refuses one, and closed with its client, against real registries (token
 * and htpasswd auth).
 */

/** Issues numbered logins (user `issuer-<n>`), holding each until told it was refused. */
class IssuingLoginSource implements LoginSource {
  readonly description = "a login of the test issuer";
  readonly issued: Login[] = [];
  invalidations = 0;
  closed = false;
  private held?: Login;

  constructor(private readonly issue: (n: number) => Login) {}

  async login(): Promise<Login> {
    if (!this.held) {
      this.held = this.issue(this.issued.length + 1);
      this.issued.push(this.held);
    }
    return this.held;
  }

  invalidate(): void {
    this.invalidations++;
    this.held = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The issuer revoked the held login behind the source's back: the source still holds it. */
  holdRevoked(login: Login): void {
    this.held = login;
  }
}

const PUSHER = { user: "pusher", password: "s3cret-push" };
const ROBOT = { user: "robot$ci", password: "pa$$w0rd" };
/** Logins the token server takes: the pusher's, and those the test's issuer handed out and did not revoke. */
const accepted = new Map<string, string>([[PUSHER.user, PUSHER.password]]);

let tokens: TokenServer;
let bearer: RegistryServer;
let basic: RegistryServer;
let transport: HttpTransport;

before(async () => {
  tokens = await startTokenServer({ users: (user, password) => accepted.get(user) === password });
  [bearer, basic] = await Promise.all([
    startRegistry({ auth: { kind: "token", tokenServer: tokens } }),
    startRegistry({ auth: { kind: "htpasswd", users: { [ROBOT.user]: ROBOT.password } } }),
  ]);
  for (const repoTag of ["team/app:1.0", "team/other:1.0"]) await pushSmallImage(bearer, repoTag, `${PUSHER.user}:${PUSHER.password}`);
  await pushSmallImage(basic, "team/app:1.0", `${ROBOT.user}:${ROBOT.password}`);
  transport = new HttpTransport();
});
after(async () => {
  await transport?.close();
  await Promise.all([bearer?.stop(), basic?.stop(), tokens?.stop()]);
});

/** Each issued login is accepted by the token server until the test revokes it. */
function issuer(n: number): Login {
  const login = { username: `issuer-${n}`, password: `issued-secret-${n}` };
  accepted.set(login.username, login.password);
  return login;
}

test("a source's logins reach the token realm; one it refuses is invalidated, and the next request logs in afresh", async () => {
  const source = new IssuingLoginSource(issuer);
  const client = new RegistryClient({ host: bearer.host, transport, login: source });
  tokens.clearRequests();
  await client.ping();
  assert.deepEqual(await client.listTags("team/app"), ["1.0"]);
  assert.deepEqual(
    tokens.requests().map((request) => `${request.account} ${request.status}`),
    ["issuer-1 200", "issuer-1 200"],
    "the ping's token, then the repository's",
  );

  accepted.delete("issuer-1");
  tokens.clearRequests();
  // A scope not yet held needs a token, which the revoked login cannot get.
  const refused = await client.headManifest("team/other", "1.0").catch((error: unknown) => error);
  assert.ok(refused instanceof AuthError, String(refused));
  assert.match(refused.message, new RegExp(`^${bearer.host}: token server .* rejected a login of the test issuer \\(HTTP 401\\)`));
  assert.doesNotMatch(refused.message, /issued-secret/);
  assert.equal(source.invalidations, 1);

  assert.ok(await client.headManifest("team/other", "1.0"), "the next request logs in with a fresh login");
  assert.deepEqual(
    tokens.requests().map((request) => `${request.account} ${request.status}`),
    ["issuer-1 401", "issuer-2 200"],
  );
  assert.equal(source.issued.length, 2);
  await client.close();
  assert.equal(source.closed, true, "the client closes its source");
});

test("at a Basic registry, a login refused with a 401 is invalidated and the retry carries a fresh one", async () => {
  const source = new IssuingLoginSource(() => ({ username: ROBOT.user, password: ROBOT.password }));
  const client = new RegistryClient({ host: basic.host, transport, login: source });
  await client.ping();
  assert.equal(source.invalidations, 0);

  source.holdRevoked({ username: ROBOT.user, password: "revoked" });
  basic.clearRequests();
  assert.deepEqual(await client.listTags("team/app"), ["1.0"]);
  assert.equal(source.invalidations, 1);
  assert.equal(source.issued.length, 2, "one login for the ping, a fresh one after the refusal");
  assert.deepEqual(
    basic.requests().map((request) => `${request.method} ${request.path.replace(/\?.*/, "")} ${request.status}`),
    ["GET /v2/team/app/tags/list 401", "GET /v2/team/app/tags/list 200"],
  );
});

test("a source giving a registry token: sent as Bearer from the first request, never exchanged at the realm", async () => {
  const realm = new URL(tokens.realm);
  realm.searchParams.set("service", tokens.service);
  realm.searchParams.set("scope", "repository:team/app:pull");
  const answer = await fetch(realm, { headers: { authorization: `Basic ${Buffer.from(`${PUSHER.user}:${PUSHER.password}`).toString("base64")}` } });
  const { token } = (await answer.json()) as { token: string };
  const source = new IssuingLoginSource(() => ({ registryToken: token }));
  const client = new RegistryClient({ host: bearer.host, transport, login: source });
  tokens.clearRequests();
  bearer.clearRequests();
  assert.deepEqual(await client.listTags("team/app"), ["1.0"]);
  assert.deepEqual(tokens.requests(), [], "the client asked the realm for nothing");
  assert.deepEqual(
    bearer.requests().map((request) => request.status),
    [200],
    "no 401 first: the token went with the first request",
  );
});
