import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { runSync } from "../../provider";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { startTokenServer, TokenServer } from "../support/token-server";
import { manifestDigest } from "../support/skopeo";

/**
 * Credentials end to end: Basic (htpasswd, with a Harbor-style `robot$` name), Bearer
 * tokens from a token server, TLS without verification, and blob redirects to another
 * host that must never see the Authorization header.
 */

const ROBOT = { user: "robot$ci", password: "pa$$w0rd" };
const PUSHER = { user: "pusher", password: "s3cret-push" };

let basic: RegistryServer;
let tokens: TokenServer;
let bearer: RegistryServer;
let tls: RegistryServer;
let redirecting: RegistryServer;
let image: SmallImage;

before(async () => {
  tokens = await startTokenServer({ users: { [PUSHER.user]: PUSHER.password } });
  [basic, bearer, tls, redirecting] = await Promise.all([
    startRegistry({ auth: { kind: "htpasswd", users: { [ROBOT.user]: ROBOT.password } } }),
    startRegistry({ auth: { kind: "token", tokenServer: tokens } }),
    startRegistry({ tls: true }),
    startRegistry({ auth: { kind: "htpasswd", users: { [ROBOT.user]: ROBOT.password } }, redirectBlobs: true }),
  ]);
  image = await pushSmallImage(basic, "team/app:1.0", `${ROBOT.user}:${ROBOT.password}`);
  await pushSmallImage(redirecting, "team/app:1.0", `${ROBOT.user}:${ROBOT.password}`);
});
after(async () => Promise.all([basic?.stop(), bearer?.stop(), tls?.stop(), redirecting?.stop(), tokens?.stop()]));

const auth = () => ({
  [basic.host]: { username: ROBOT.user, password: ROBOT.password },
  [redirecting.host]: { username: ROBOT.user, password: ROBOT.password },
  [bearer.host]: { username: PUSHER.user, password: PUSHER.password },
  [tls.host]: { insecure: true },
});

test("Basic source to Bearer destination; tokens are cached per repository scope", async () => {
  tokens.clearRequests();
  const report = await runSync({ auth: auth(), images: { [`${basic.host}/team/app:1.0`]: [`${bearer.host}/dr/app`, `${bearer.host}/dr/app-copy`] } });
  assert.deepEqual(
    report.results.map((r) => r.status),
    ["synced", "synced"],
  );
  const requested = tokens.requests(); // before skopeo, which asks for tokens of its own
  assert.equal(await manifestDigest(`docker://${bearer.host}/dr/app:1.0`, `${PUSHER.user}:${PUSHER.password}`), image.digest);
  assert.ok(requested.every((r) => r.status === 200 && r.account === PUSHER.user));
  // The ping checks the credentials with one unscoped token; then one token per scope set.
  assert.equal(requested.filter((r) => r.scopes.length === 0).length, 1);
  const scopes = requested.filter((r) => r.scopes.length > 0).map((r) => r.scopes.join(" "));
  assert.equal(new Set(scopes).size, scopes.length, `each scope set is asked for once: ${scopes.join(" | ")}`);
  // Whichever repository uploads first, the other mounts from it, asking pull on it as well.
  const mountScopes = requested.filter((r) => r.scopes.length === 2).map((r) => [...r.scopes].sort());
  assert.ok(
    mountScopes.some(
      (pair) =>
        isDeepStrictEqual(pair, ["repository:dr/app-copy:pull,push", "repository:dr/app:pull"]) ||
        isDeepStrictEqual(pair, ["repository:dr/app-copy:pull", "repository:dr/app:pull,push"]),
    ),
    `the mount asks pull on the repository it mounts from: ${JSON.stringify(mountScopes)}`,
  );
});

test("wrong credentials fail fast, naming the host, with no retry storm", async () => {
  tokens.clearRequests();
  basic.clearRequests();
  const wrong = { ...auth(), [bearer.host]: { username: PUSHER.user, password: "wrong" }, [basic.host]: { username: ROBOT.user, password: "wrong" } };
  const report = await runSync(
    { auth: wrong, images: { [`${basic.host}/team/app:1.0`]: `${bearer.host}/dr/denied`, [`${tls.host}/nothing/here:1`]: `${bearer.host}/dr/denied2` } },
    { retries: 5 },
  );
  assert.ok(report.results.every((r) => r.status === "failed"));
  assert.match(
    report.results.find((r) => r.source.startsWith(basic.host))!.error!,
    new RegExp(`^${basic.host.replace(/\./g, "\\.")}: .*authentication failed \\(HTTP 401`),
  );
  assert.ok(report.results.some((r) => new RegExp(`${bearer.host.replace(/\./g, "\\.")}: token server .* rejected user "pusher"`).test(r.error!)));
  assert.ok(tokens.requests().length <= 2, `token server asked ${tokens.requests().length} times`);
  assert.ok(basic.requests().length <= 3, `basic registry asked ${basic.requests().length} times`);
  for (const result of report.results) assert.ok(!result.error!.includes("wrong"), "no password in errors");
});

test("a TLS registry with a self-signed certificate: refused unless insecure, with advice", async () => {
  const images = { [`${basic.host}/team/app:1.0`]: `${tls.host}/dr/app` };
  const { [tls.host]: _ignored, ...withoutInsecure } = auth();
  const refused = await runSync({ auth: { ...withoutInsecure, [tls.host]: { insecure: false } }, images });
  assert.equal(refused.counts.failed, 1);
  assert.match(refused.results[0].error!, /TLS certificate not trusted .*set "insecure": true/);
  const accepted = await runSync({ auth: auth(), images });
  assert.equal(accepted.counts.synced, 1);
  assert.equal(await manifestDigest(`docker://${tls.host}/dr/app:1.0`), image.digest);
});

test("blob GETs redirected to another host are followed without Authorization", async () => {
  const report = await runSync({ auth: auth(), images: { [`${redirecting.host}/team/app:1.0`]: `${bearer.host}/dr/redirected` } });
  assert.equal(report.counts.synced, 1, report.results[0].error);
  assert.ok(
    redirecting.requests().some((r) => r.method === "GET" && r.path.includes("/blobs/") && r.status === 307),
    "the registry redirected blob reads",
  );
  assert.deepEqual(redirecting.redirectViolations(), []);
  assert.equal(await manifestDigest(`docker://${bearer.host}/dr/redirected:1.0`, `${PUSHER.user}:${PUSHER.password}`), image.digest);
});
