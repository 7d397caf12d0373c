import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HarborProject, HarborRobotAccount } from "../../provider/resources/harbor";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { captureResources, findSecretLeaks, ProviderHost, ResourceDriver } from "../support/provider-host";

/** HarborRobotAccount through the real provider host: the once-returned secret, rotation, a known secret. */

const ADMIN = "Harbor12345-robots";
const KNOWN = "Known-Robot-Secret-42";

let harbor: HarborStandIn;
let host: ProviderHost;
let robot: ResourceDriver;

before(async () => {
  harbor = await startHarborStandIn({ adminPassword: ADMIN });
  const captured = await captureResources(() => [
    new HarborProject("dr-source", { name: "dr-source" }),
    new HarborRobotAccount("copier", {
      name: "copier",
      description: "pulls for the DR copy",
      level: "project",
      permissions: [{ kind: "project", namespace: "dr-source", access: [{ resource: "repository", action: "pull" }] }],
      rotateTriggers: { quarter: "2026Q4" },
    }),
  ]);
  host = await ProviderHost.start();
  await host.configure({ "registry-dr:harborUrl": harbor.url, "registry-dr:harborUsername": "admin", "registry-dr:harborPassword": ADMIN });
  const project = host.resource(captured.find((resource) => resource.name === "dr-source")!);
  await project.create(project.inputs());
  robot = host.resource(captured.find((resource) => resource.name === "copier")!);
});
after(async () => Promise.all([host?.stop(), harbor?.stop()]));

/** Whether Harbor accepts these robot credentials on its API. */
async function canLogIn(user: string, secret: string): Promise<boolean> {
  const response = await fetch(`${harbor.url}/api/v2.0/projects?page_size=1`, {
    headers: { authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}` },
  });
  return response.status === 200;
}

let id: string;
let outputs: Record<string, unknown>;
const secrets: string[] = [KNOWN];

test("check names the property", async () => {
  assert.equal(robot.captured.type, "pulumi-nodejs:dynamic/harbor:HarborRobotAccount");
  const bad = await robot.check(
    robot.inputs({
      secret: "short",
      permissions: [
        ...(robot.inputs().permissions as unknown[]),
        { kind: "project", namespace: "library", access: [{ resource: "repository", action: "pull" }] },
      ],
    }),
  );
  const byProperty = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
  assert.match(byProperty.secret, /8-128 characters/);
  assert.match(byProperty.permissions, /exactly one permission of kind project/);
  assert.match((await robot.check(robot.inputs({ duration: 0 }))).failures[0].reason, /-1 for never/);
});

test("a create that fails after Harbor made the robot takes the robot back", async () => {
  // Harbor refuses the secret (check would have too): the robot it had just created must not linger.
  await assert.rejects(robot.create(robot.inputs({ secret: "weak" })), /secret must be 8 to 128 characters/);
  const response = await fetch(`${harbor.url}/api/v2.0/robots?page_size=100`, {
    headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString("base64")}` },
  });
  assert.deepEqual(
    ((await response.json()) as { name: string }[]).map((r) => r.name),
    [],
    "no robot left behind to conflict with the next create",
  );
});

test("create returns the secret once, as a secret output that logs in", async () => {
  const created = await robot.create(robot.inputs());
  id = created.id;
  outputs = created.outputs;
  assert.equal(outputs.fullName, "robot$dr-source+copier");
  secrets.push(String(outputs.robotSecret));
  assert.ok(await canLogIn(String(outputs.fullName), String(outputs.robotSecret)));
  const read = await robot.read(id, outputs);
  assert.equal(read.outputs.robotSecret, outputs.robotSecret, "refresh keeps the secret Harbor never shows again");
  assert.deepEqual(await robot.diff(id, read.outputs, robot.inputs()), { changes: "none", replaces: [] });
  assert.deepEqual((await robot.diff(id, outputs, robot.inputs({ name: "other" }))).replaces, ["name"]);
});

test("a new rotateTriggers value rotates the secret: the old one stops working", async () => {
  const rotated = await robot.update(id, outputs, robot.inputs({ rotateTriggers: { quarter: "2027Q1" } }));
  secrets.push(String(rotated.outputs.robotSecret));
  assert.notEqual(rotated.outputs.robotSecret, outputs.robotSecret);
  assert.equal(await canLogIn(String(outputs.fullName), String(outputs.robotSecret)), false);
  assert.ok(await canLogIn(String(outputs.fullName), String(rotated.outputs.robotSecret)));
  outputs = rotated.outputs;
});

test("a known secret is set; permissions are updated in place; import reads them", async () => {
  const news = robot.inputs({
    rotateTriggers: { quarter: "2027Q1" },
    secret: KNOWN,
    permissions: [
      {
        kind: "project",
        namespace: "dr-source",
        access: [
          { resource: "repository", action: "pull" },
          { resource: "repository", action: "push" },
        ],
      },
    ],
  });
  outputs = (await robot.update(id, outputs, news)).outputs;
  assert.equal(outputs.robotSecret, KNOWN);
  assert.ok(await canLogIn(String(outputs.fullName), KNOWN));
  const imported = await robot.read(id, {});
  assert.equal(imported.outputs.name, "copier");
  assert.deepEqual((imported.outputs.permissions as { access: unknown[] }[])[0].access.length, 2);
  await robot.delete(id, outputs);
  assert.equal(await canLogIn(String(outputs.fullName), KNOWN), false);
  assert.equal((await robot.read(id, {})).id, "");
  assert.deepEqual(harbor.violations(), []);
  assert.deepEqual(
    findSecretLeaks([ADMIN, ...secrets], {
      providerText: robot.captured.providerText,
      outputs,
      secretOutputs: ["robotSecret", "secret", "harbor"],
      hostOutput: host.output(),
    }),
    [],
  );
});
